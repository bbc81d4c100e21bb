package org.sparkntk.spec;

/**
 * Bad input or a bad option: the CLI prints the message (which names the option, column or row
 * id and says what is allowed) and exits with code 2. Nothing is published when it is thrown.
 */
public class UserError extends RuntimeException {

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
