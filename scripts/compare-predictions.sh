#!/usr/bin/env bash
# Compares the scores of two regress/predict outputs row by row with DuckDB (a second reader of the
# Parquet predictions): max |a - b| / max |a|, and how many predicted classes differ.
# Usage: scripts/compare-predictions.sh OUT_A OUT_B
set -euo pipefail
a=$(cd "$1" && pwd)/predictions
b=$(cd "$2" && pwd)/predictions
jar=$(ls ~/.m2/repository/org/duckdb/duckdb_jdbc/*/duckdb_jdbc-*.jar | grep -v sources | tail -1)
tmp=$(mktemp -d)
cat > "$tmp/Compare.java" <<JAVA
import java.sql.*;
public class Compare {
  public static void main(String[] x) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      String q = "WITH a AS (SELECT id, prediction, unnest(scores) AS v, generate_subscripts(scores, 1) AS j FROM read_parquet('$a/*.parquet')),"
        + " b AS (SELECT id, prediction, unnest(scores) AS v, generate_subscripts(scores, 1) AS j FROM read_parquet('$b/*.parquet'))"
        + " SELECT max(abs(a.v - b.v)) / max(abs(a.v)), count(DISTINCT CASE WHEN a.prediction <> b.prediction THEN a.id END), count(DISTINCT a.id)"
        + " FROM a JOIN b ON a.id = b.id AND a.j = b.j";
      try (ResultSet r = s.executeQuery(q)) {
        r.next();
        System.out.printf("max relative score difference %.3e, predictions that differ %d of %d%n", r.getDouble(1), r.getLong(2), r.getLong(3));
      }
    }
  }
}
JAVA
java -cp "$jar" "$tmp/Compare.java"
rm -rf "$tmp"
