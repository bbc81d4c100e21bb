package org.sparkntk.chart;

/** Puts AWT in headless mode before the first chart: servers and CI have no display. */
public final class Headless {

    private Headless() {
    }

    /** Sets java.awt.headless=true unless the user chose otherwise (-Djava.awt.headless=false). */
    public static void ensure() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }
}
