/*
 * Stand-in for the Debezium JDBC sink connector (io.debezium:debezium-connector-jdbc), used by
 * bench/postgres/run.sh ONLY when that connector cannot be fetched from Maven Central (it was not
 * served for 3.2.7.Final nor 3.6.1.Final on 2026-12-03). A Kafka Connect sink that does what the
 * Debezium JDBC sink does on its hot path with insert.mode=upsert, primary.key.mode=record_key,
 * delete.enabled=true, schema.evolution=none, and nothing else:
 *   - reads the Debezium envelope (JsonConverter, schemas.enable=true) and takes `after`
 *     (`before`'s key for `d`; tombstones are skipped);
 *   - buffers records per put() and flushes every batch.size records and at the end of put();
 *   - a flush = one JDBC transaction: one PreparedStatement
 *     INSERT INTO t (cols) VALUES (?, ...) ON CONFLICT (pk) DO UPDATE SET c = EXCLUDED.c, ...
 *     addBatch() per record, executeBatch(), commit() (deletes: DELETE ... WHERE pk = ?);
 *   - binds by Connect schema: Decimal -> setBigDecimal, io.debezium.time.Date -> LocalDate,
 *     io.debezium.time.ZonedTimestamp -> cast(? as timestamptz), io.debezium.data.Json ->
 *     cast(? as jsonb), int/long/bool/string natively.
 * It leaves out what the real connector adds per batch (Hibernate session, table metadata checks
 * and the field-by-field dialect binding), so it is, if anything, faster than the real thing.
 * Offsets: Connect commits the consumer offsets of what put() returned (offset.flush.interval.ms).
 */
package fanout.bench;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

public class PgUpsertSink extends SinkConnector {
    private Map<String, String> props;

    @Override public String version() { return "1"; }
    @Override public void start(Map<String, String> p) { props = p; }
    @Override public Class<? extends Task> taskClass() { return UpsertTask.class; }
    @Override public List<Map<String, String>> taskConfigs(int max) {
        List<Map<String, String>> l = new ArrayList<>();
        for (int i = 0; i < max; i++) l.add(props);
        return l;
    }
    @Override public void stop() {}
    @Override public ConfigDef config() {
        return new ConfigDef()
                .define("connection.url", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "jdbc url")
                .define("connection.username", ConfigDef.Type.STRING, "postgres", ConfigDef.Importance.LOW, "user")
                .define("table.name.format", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "target table")
                .define("primary.key.fields", ConfigDef.Type.STRING, "id", ConfigDef.Importance.LOW, "key column")
                .define("batch.size", ConfigDef.Type.INT, 500, ConfigDef.Importance.LOW, "records per transaction");
    }

    public static class UpsertTask extends SinkTask {
        private Connection conn;
        private String table, pk;
        private int batchSize;
        private final Map<Schema, String> upsertSql = new HashMap<>();
        private final List<Struct> upserts = new ArrayList<>();
        private final List<Object> deletes = new ArrayList<>();

        @Override public String version() { return "1"; }

        @Override public void start(Map<String, String> p) {
            table = p.get("table.name.format");
            pk = p.getOrDefault("primary.key.fields", "id");
            batchSize = Integer.parseInt(p.getOrDefault("batch.size", "500"));
            try {
                conn = DriverManager.getConnection(p.get("connection.url"),
                        p.getOrDefault("connection.username", "postgres"), p.getOrDefault("connection.password", ""));
                conn.setAutoCommit(false);
            } catch (SQLException e) {
                throw new ConnectException(e);
            }
        }

        @Override public void put(Collection<SinkRecord> records) {
            for (SinkRecord r : records) {
                if (r.value() == null) continue; // tombstone
                Struct env = (Struct) r.value();
                String op = env.getString("op");
                if ("d".equals(op)) {
                    deletes.add(((Struct) env.get("before")).get(pk));
                } else {
                    upserts.add((Struct) env.get("after"));
                }
                if (upserts.size() + deletes.size() >= batchSize) flush();
            }
            flush();
        }

        private String sqlFor(Schema s) {
            return upsertSql.computeIfAbsent(s, k -> {
                StringBuilder cols = new StringBuilder(), vals = new StringBuilder(), set = new StringBuilder();
                for (Field f : s.fields()) {
                    String c = "\"" + f.name() + "\"";
                    if (cols.length() > 0) { cols.append(", "); vals.append(", "); }
                    cols.append(c);
                    String n = f.schema().name();
                    vals.append("io.debezium.time.ZonedTimestamp".equals(n) ? "cast(? as timestamptz)"
                            : "io.debezium.data.Json".equals(n) ? "cast(? as jsonb)" : "?");
                    if (!f.name().equals(pk)) {
                        if (set.length() > 0) set.append(", ");
                        set.append(c).append(" = EXCLUDED.").append(c);
                    }
                }
                return "INSERT INTO " + table + " (" + cols + ") VALUES (" + vals + ") ON CONFLICT (\"" + pk
                        + "\") DO UPDATE SET " + set;
            });
        }

        private static void bind(PreparedStatement ps, int i, Field f, Object v) throws SQLException {
            String n = f.schema().name();
            if (v == null) ps.setObject(i, null);
            else if ("io.debezium.time.Date".equals(n)) ps.setObject(i, LocalDate.ofEpochDay((Integer) v));
            else if (v instanceof BigDecimal) ps.setBigDecimal(i, (BigDecimal) v);
            else ps.setObject(i, v);
        }

        private void flush() {
            if (upserts.isEmpty() && deletes.isEmpty()) return;
            try {
                if (!upserts.isEmpty()) {
                    Schema s = upserts.get(0).schema();
                    try (PreparedStatement ps = conn.prepareStatement(sqlFor(s))) {
                        for (Struct row : upserts) {
                            int i = 1;
                            for (Field f : s.fields()) bind(ps, i++, f, row.getWithoutDefault(f.name()));
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
                if (!deletes.isEmpty()) {
                    try (PreparedStatement ps = conn.prepareStatement("DELETE FROM " + table + " WHERE \"" + pk + "\" = ?")) {
                        for (Object k : deletes) { ps.setObject(1, k); ps.addBatch(); }
                        ps.executeBatch();
                    }
                }
                conn.commit();
            } catch (SQLException e) {
                try { conn.rollback(); } catch (SQLException ignored) { }
                throw new ConnectException("flush failed", e);
            } finally {
                upserts.clear();
                deletes.clear();
            }
        }

        @Override public void stop() {
            try { if (conn != null) conn.close(); } catch (SQLException ignored) { }
        }
    }
}
