package fanout.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Kafka Streams peer of fanout's Kafka sink, doing the same routing as bench/e2e/fanout.yaml:
 * Debezium (PostgreSQL) change events of table public.customers -> the after-image without the
 * columns notes and profile, as JSON, keyed by the row's id; a delete -> a tombstone. Debezium
 * tombstones (null values) and other tables are skipped. Works with and without the JsonConverter
 * schema envelope. Output records carry the same headers fanout writes (fanout.route, op, table,
 * position, source topic/partition/offset) and the wall-clock time they were produced as their
 * timestamp (fanout's producer stamps records the same way).
 *
 * Usage: StreamsPeer BOOTSTRAP APPLICATION_ID INPUT_TOPIC OUTPUT_TOPIC [GUARANTEE [THREADS [COMMIT_MS]]]
 *   GUARANTEE: exactly_once_v2 (default) | at_least_once. COMMIT_MS: commit.interval.ms (1000).
 *   Runs until SIGTERM/SIGINT; prints "peer: RUNNING" once the instance is running.
 */
public final class StreamsPeer {
  static final String ROUTE = "customers-out";
  static final byte[] ROUTE_BYTES = ROUTE.getBytes(StandardCharsets.UTF_8);
  static final String SCHEMA = "public";
  static final String TABLE = "customers";
  static final byte[] TABLE_BYTES = (SCHEMA + "." + TABLE).getBytes(StandardCharsets.UTF_8);
  static final String[] EXCLUDE = {"notes", "profile"};

  static final class Route implements Processor<byte[], byte[], String, byte[]> {
    private final ObjectMapper mapper = new ObjectMapper();
    private ProcessorContext<String, byte[]> context;
    private final Map<String, byte[]> topicBytes = new HashMap<>();

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
      this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      byte[] value = record.value();
      if (value == null) return; // Debezium tombstone: not a change
      JsonNode root;
      try {
        root = mapper.readTree(value);
      } catch (IOException e) {
        return; // fanout sends it to the dead-letter topic; none occur in the benchmark data
      }
      JsonNode env = root.has("schema") && root.has("payload") ? root.get("payload") : root;
      JsonNode source = env.path("source");
      if (!SCHEMA.equals(source.path("schema").asText()) || !TABLE.equals(source.path("table").asText())) return;
      String op = env.path("op").asText();
      if (!(op.equals("c") || op.equals("u") || op.equals("d") || op.equals("r"))) return;

      JsonNode after = env.get("after");
      JsonNode before = env.get("before");
      String key;
      byte[] out;
      try {
        if (after != null && after.isObject()) {
          ObjectNode projected = ((ObjectNode) after).deepCopy();
          for (String column : EXCLUDE) projected.remove(column);
          key = after.path("id").asText();
          out = mapper.writeValueAsBytes(projected);
        } else {
          key = before != null && before.isObject() ? before.path("id").asText() : null;
          out = null; // delete -> tombstone
        }
      } catch (IOException e) {
        return;
      }

      RecordMetadata meta = context.recordMetadata().orElseThrow();
      Headers headers = new RecordHeaders();
      headers.add("fanout.route", ROUTE_BYTES);
      headers.add("fanout.op", op.getBytes(StandardCharsets.UTF_8));
      headers.add("fanout.table", TABLE_BYTES);
      headers.add("fanout.position", position(source).getBytes(StandardCharsets.UTF_8));
      headers.add("fanout.source.topic",
          topicBytes.computeIfAbsent(meta.topic(), t -> t.getBytes(StandardCharsets.UTF_8)));
      headers.add("fanout.source.partition",
          Integer.toString(meta.partition()).getBytes(StandardCharsets.UTF_8));
      headers.add("fanout.source.offset", Long.toString(meta.offset()).getBytes(StandardCharsets.UTF_8));
      context.forward(new Record<>(key, out, System.currentTimeMillis(), headers));
    }

    // fanout's "pg:<last commit lsn>:<lsn>" (source.sequence[0], source.lsn; null -> 0)
    private String position(JsonNode source) {
      long commitLsn = 0;
      String seq = source.path("sequence").asText(null);
      if (seq != null) {
        try {
          JsonNode first = mapper.readTree(seq).path(0);
          if (first.isTextual()) commitLsn = Long.parseLong(first.asText());
        } catch (IOException | NumberFormatException ignored) {
          // keep 0
        }
      }
      return "pg:" + commitLsn + ":" + source.path("lsn").asLong(0);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 4) {
      System.err.println("usage: StreamsPeer BOOTSTRAP APPLICATION_ID INPUT OUTPUT [exactly_once_v2|at_least_once [THREADS [COMMIT_MS]]]");
      System.exit(1);
    }
    String guarantee = args.length > 4 ? args[4] : StreamsConfig.EXACTLY_ONCE_V2;
    int threads = args.length > 5 ? Integer.parseInt(args[5]) : 1;
    int commitMs = args.length > 6 ? Integer.parseInt(args[6]) : 1000;

    Properties p = new Properties();
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitMs);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/fanout-streams-peer-" + args[1]);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    StreamsBuilder b = new StreamsBuilder();
    b.stream(args[2], Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .process(Route::new)
        .to(args[3], Produced.with(Serdes.String(), Serdes.ByteArray()));

    KafkaStreams streams = new KafkaStreams(b.build(), p);
    CountDownLatch done = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING) System.out.println("peer: RUNNING");
      if (now == KafkaStreams.State.ERROR) {
        System.err.println("peer: ERROR");
        done.countDown();
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close();
      done.countDown();
    }));
    streams.start();
    done.await();
    streams.close();
    streams.cleanUp();
  }
}
