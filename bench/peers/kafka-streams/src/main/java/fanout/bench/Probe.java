package fanout.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Measuring side of bench/e2e/run.sh (not part of the peer's work).
 *
 * <pre>
 * Probe wait BOOTSTRAP GROUP INPUT TIMEOUT_S
 *     Polls the group's committed offsets on INPUT every 20 ms until they reach INPUT's end
 *     offsets; prints "done_ms=<epoch ms>". Under exactly-once the offsets commit in the same
 *     transaction as the output, so this is the moment all output is committed (read_committed);
 *     under at-least-once offsets are committed only after every output record is acknowledged.
 * Probe create BOOTSTRAP PARTITIONS TOPIC...      creates the topics (replication factor 1)
 * Probe cleanup BOOTSTRAP PREFIX                  deletes every topic and consumer group named PREFIX*
 * Probe verify BOOTSTRAP OUTPUT
 *     Reads OUTPUT read_committed to its end; prints records, distinct source positions
 *     (fanout.source.partition/offset headers), tombstones and first/last record timestamps.
 * Probe latency BOOTSTRAP INPUT OUTPUT DATA.tsv RATE SECONDS
 *     Produces DATA.tsv lines (key TAB value; empty value = tombstone), cycling, at RATE records/s
 *     for SECONDS to INPUT while a read_committed consumer tails OUTPUT. Latency per output record =
 *     wall-clock time the consumer received it - CreateTime of its input record (found through the
 *     fanout.source.partition/offset headers). Prints count, missing and p50/p90/p99/max in ms.
 * </pre>
 */
public final class Probe {
  public static void main(String[] args) throws Exception {
    switch (args.length > 0 ? args[0] : "") {
      case "wait" -> waitGroup(args[1], args[2], args[3], Integer.parseInt(args[4]));
      case "verify" -> verify(args[1], args[2]);
      case "create" -> create(args[1], Integer.parseInt(args[2]), Arrays.copyOfRange(args, 3, args.length));
      case "cleanup" -> cleanup(args[1], args[2]);
      case "latency" -> latency(args[1], args[2], args[3], args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]));
      default -> {
        System.err.println("usage: Probe wait|verify|latency ...");
        System.exit(1);
      }
    }
  }

  static Properties consumerProps(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return p;
  }

  static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, String topic) {
    List<TopicPartition> tps = new ArrayList<>();
    for (PartitionInfo pi : c.partitionsFor(topic, Duration.ofSeconds(30))) tps.add(new TopicPartition(topic, pi.partition()));
    return tps;
  }

  static void waitGroup(String bootstrap, String group, String input, int timeoutS) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p); KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(bootstrap))) {
      Map<TopicPartition, Long> end = c.endOffsets(partitions(c, input));
      long target = end.values().stream().mapToLong(Long::longValue).sum();
      System.out.println("ready target=" + target);
      long deadline = System.currentTimeMillis() + timeoutS * 1000L;
      long committed = -1;
      while (System.currentTimeMillis() < deadline) {
        Map<TopicPartition, OffsetAndMetadata> offs =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        committed = 0;
        for (TopicPartition tp : end.keySet()) {
          OffsetAndMetadata o = offs.get(tp);
          if (o != null) committed += o.offset();
        }
        if (committed >= target) {
          System.out.println("done_ms=" + System.currentTimeMillis() + " committed=" + committed);
          return;
        }
        Thread.sleep(20);
      }
      System.out.println("timeout committed=" + committed + " target=" + target);
      System.exit(3);
    }
  }

  static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return Admin.create(p);
  }

  static void create(String bootstrap, int partitions, String[] topics) throws Exception {
    try (Admin a = admin(bootstrap)) {
      List<NewTopic> nts = new ArrayList<>();
      for (String t : topics) nts.add(new NewTopic(t, partitions, (short) 1));
      a.createTopics(nts).all().get();
    }
  }

  static void cleanup(String bootstrap, String prefix) throws Exception {
    try (Admin a = admin(bootstrap)) {
      List<String> groups = new ArrayList<>();
      for (ConsumerGroupListing g : a.listConsumerGroups().all().get())
        if (g.groupId().startsWith(prefix)) groups.add(g.groupId());
      if (!groups.isEmpty()) {
        try {
          a.deleteConsumerGroups(groups).all().get();
        } catch (Exception e) {
          System.err.println("cleanup: groups: " + e.getMessage());
        }
      }
      List<String> topics = new ArrayList<>();
      for (String t : a.listTopics().names().get()) if (t.startsWith(prefix)) topics.add(t);
      if (!topics.isEmpty()) a.deleteTopics(topics).all().get();
      System.out.println("cleanup: deleted " + topics.size() + " topics, " + groups.size() + " groups");
    }
  }

  static long headerLong(ConsumerRecord<?, ?> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? -1 : Long.parseLong(new String(h.value(), StandardCharsets.UTF_8));
  }

  static void verify(String bootstrap, String output) {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(bootstrap))) {
      List<TopicPartition> tps = partitions(c, output);
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps); // LSO under read_committed
      long records = 0, tombstones = 0, firstTs = Long.MAX_VALUE, lastTs = 0;
      Set<Long> positions = new HashSet<>();
      long idle = System.currentTimeMillis();
      while (true) {
        boolean atEnd = true;
        for (TopicPartition tp : tps) if (c.position(tp) < end.get(tp)) atEnd = false;
        if (atEnd || System.currentTimeMillis() - idle > 10000) break;
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          idle = System.currentTimeMillis();
          records++;
          if (r.value() == null) tombstones++;
          firstTs = Math.min(firstTs, r.timestamp());
          lastTs = Math.max(lastTs, r.timestamp());
          positions.add(headerLong(r, "fanout.source.partition") << 48 | headerLong(r, "fanout.source.offset"));
        }
      }
      System.out.println("records=" + records + " distinct=" + positions.size() + " tombstones=" + tombstones
          + " first_ts=" + firstTs + " last_ts=" + lastTs);
    }
  }

  static void latency(String bootstrap, String input, String output, String data, int rate, int seconds)
      throws Exception {
    List<byte[][]> lines = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(Paths.get(data), StandardCharsets.UTF_8)) {
      for (String l; (l = in.readLine()) != null; ) {
        int tab = l.indexOf('\t');
        byte[] k = l.substring(0, tab).getBytes(StandardCharsets.UTF_8);
        String v = l.substring(tab + 1);
        lines.add(new byte[][] {k, v.isEmpty() ? null : v.getBytes(StandardCharsets.UTF_8)});
      }
    }
    Map<Long, Long> inputTs = new ConcurrentHashMap<>(); // partition<<48|offset -> CreateTime
    AtomicLong expected = new AtomicLong();
    AtomicLong sendErrors = new AtomicLong();
    List<long[]> received = new ArrayList<>(); // {partition<<48|offset, receive ms}
    AtomicBoolean done = new AtomicBoolean(false);
    AtomicLong receivedCount = new AtomicLong();

    Thread consumer = new Thread(() -> {
      try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(bootstrap))) {
        List<TopicPartition> tps = partitions(c, output);
        c.assign(tps);
        c.seekToBeginning(tps);
        while (!done.get()) {
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(5))) {
            long now = System.currentTimeMillis();
            received.add(new long[] {headerLong(r, "fanout.source.partition") << 48 | headerLong(r, "fanout.source.offset"), now});
            receivedCount.incrementAndGet();
          }
        }
      }
    });
    consumer.start();

    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    long total = (long) rate * seconds;
    long start = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(pp)) {
      for (long i = 0; i < total; i++) {
        long due = start + i * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 200_000) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        byte[][] kv = lines.get((int) (i % lines.size()));
        if (kv[1] != null) expected.incrementAndGet();
        prod.send(new ProducerRecord<>(input, kv[0], kv[1]), (md, e) -> {
          if (e != null) sendErrors.incrementAndGet();
          else inputTs.put((long) md.partition() << 48 | md.offset(), md.timestamp());
        });
      }
      prod.flush();
    }
    long sendSeconds = (System.nanoTime() - start) / 1_000_000;
    long deadline = System.currentTimeMillis() + 20000;
    while (System.currentTimeMillis() < deadline) {
      if (receivedCount.get() >= expected.get()) break;
      Thread.sleep(50);
    }
    Thread.sleep(200);
    done.set(true);
    consumer.join(); // received is read only after the consumer thread ended

    long[] lat = new long[received.size()];
    int n = 0, unknown = 0;
    Set<Long> seen = new HashSet<>();
    int dup = 0;
    for (long[] r : received) {
      Long ts = inputTs.get(r[0]);
      if (!seen.add(r[0])) dup++;
      if (ts == null) unknown++;
      else lat[n++] = r[1] - ts;
    }
    lat = Arrays.copyOf(lat, n);
    Arrays.sort(lat);
    System.out.printf("sent=%d send_ms=%d send_errors=%d expected=%d received=%d duplicates=%d unmatched=%d "
        + "p50_ms=%d p90_ms=%d p99_ms=%d max_ms=%d%n",
        total, sendSeconds, sendErrors.get(), expected.get(), received.size(), dup, unknown,
        pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99), n == 0 ? -1 : lat[n - 1]);
  }

  static long pct(long[] sorted, double q) {
    if (sorted.length == 0) return -1;
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
