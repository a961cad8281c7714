package fanout.bench;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * The key template of the Kafka Connect Redis peer (bench/peers/connect-redis/README.md): sets the
 * header {@code CamelHeader.CamelRedis.Keys} to the one-element list {@code [PREFIX + key.FIELD]},
 * which Camel Kafka Connector's sink task maps to the Camel header {@code CamelRedis.Keys}, the keys
 * of camel-spring-redis' {@code DEL}. It is what fanout's {@code invalidate: ["<prefix>{id}"]} does;
 * no SMT shipped with Kafka can concatenate (HeaderFrom copies a field, without a prefix, and with
 * a null header schema for schemaless records, which the Camel task does not accept).
 * Config: {@code prefix} (""), {@code field} ("id"). Works on schemaless (Map) and Struct keys.
 */
public class RedisKeysHeader<R extends ConnectRecord<R>> implements Transformation<R> {
  static final String HEADER = "CamelHeader.CamelRedis.Keys";
  static final Schema KEYS_SCHEMA = SchemaBuilder.array(Schema.STRING_SCHEMA).build();

  private String prefix = "";
  private String field = "id";

  @Override
  public void configure(Map<String, ?> configs) {
    Object p = configs.get("prefix");
    Object f = configs.get("field");
    if (p != null) prefix = p.toString();
    if (f != null) field = f.toString();
  }

  @Override
  public R apply(R record) {
    Object key = record.key();
    Object id;
    if (key instanceof Map) {
      id = ((Map<?, ?>) key).get(field);
    } else if (key instanceof Struct) {
      id = ((Struct) key).get(field);
    } else {
      throw new DataException("record key is neither a map nor a struct: " + key);
    }
    if (id == null) throw new DataException("record key has no field " + field + ": " + key);
    record.headers().add(HEADER, List.of(prefix + id), KEYS_SCHEMA);
    return record;
  }

  @Override
  public ConfigDef config() {
    return new ConfigDef()
        .define("prefix", ConfigDef.Type.STRING, "", ConfigDef.Importance.HIGH, "key prefix")
        .define("field", ConfigDef.Type.STRING, "id", ConfigDef.Importance.HIGH, "field of the record key");
  }

  @Override
  public void close() {}
}
