package fanout.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.Main;
import org.opensearch.client.opensearch._types.VersionType;
import org.opensearch.client.opensearch.core.bulk.IndexOperation;

/**
 * Peer of fanout's OpenSearch upsert route: reads the Debezium topic with camel-kafka, turns each
 * change event into a versioned `index` (id = row id, version = max(sequence[0], lsn),
 * version_type external_gte, document = the after image) and writes batches of BATCH with
 * camel-opensearch's Bulk operation. Offsets: Kafka auto-commit every second (at-least-once only
 * in the loose sense: a batch still in the aggregator when the process dies may be committed).
 *
 * <p>Args: bootstrap group topic opensearch-url index batch
 */
public final class CamelOpenSearchPeer {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], group = args[1], topic = args[2], url = args[3], index = args[4];
    int batch = Integer.parseInt(args[5]);
    String hostPort = url.replaceFirst("^https?://", "").replaceFirst("/.*$", "");
    Main main = new Main();
    main.configure().addRoutesBuilder(new RouteBuilder() {
      @Override
      public void configure() {
        from("kafka:" + topic + "?brokers=" + bootstrap + "&groupId=" + group
                + "&clientId=" + group + "&autoOffsetReset=earliest&maxPollRecords=" + batch
                + "&autoCommitEnable=true&autoCommitIntervalMs=1000"
                + "&valueDeserializer=org.apache.kafka.common.serialization.StringDeserializer")
            .routeId("peer")
            .process(e -> e.getMessage().setBody(toIndex(e.getMessage().getBody(String.class), index)))
            .filter(body().isNotNull())
            .aggregate(constant(true), new ListAggregation())
            .completionSize(batch)
            .completionTimeout(100)
            .to("opensearch://bench?hostAddresses=" + hostPort + "&operation=Bulk");
      }
    });
    main.run();
  }

  static IndexOperation<Object> toIndex(String value, String index) throws Exception {
    if (value == null || value.isEmpty()) return null;  // Debezium tombstone
    JsonNode v = MAPPER.readTree(value);
    JsonNode after = v.get("after");
    if (after == null || after.isNull()) return null;
    JsonNode src = v.get("source");
    long lsn = src.get("lsn").asLong();
    JsonNode seq = MAPPER.readTree(src.get("sequence").asText());
    long version = Math.max(lsn, seq.get(0).isNull() ? 0 : Long.parseLong(seq.get(0).asText()));
    Map<?, ?> doc = MAPPER.convertValue(after, Map.class);
    return new IndexOperation.Builder<Object>()
        .index(index)
        .id(after.get("id").asText())
        .version(version)
        .versionType(VersionType.ExternalGte)
        .document(doc)
        .build();
  }

  /** Collects the bodies of a batch into one List (the Bulk operation's input). */
  static final class ListAggregation implements AggregationStrategy {
    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
      Object body = newExchange.getMessage().getBody();
      if (oldExchange == null) {
        List<Object> list = new ArrayList<>();
        list.add(body);
        newExchange.getMessage().setBody(list);
        return newExchange;
      }
      oldExchange.getMessage().getBody(List.class).add(body);
      return oldExchange;
    }
  }
}
