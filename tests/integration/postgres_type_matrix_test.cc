// PostgreSQL type fidelity (issue 15 item 3), end to end on the real stack: a source table with a
// column of each type the Debezium PostgreSQL connector emits with its default settings
// (tests/data/postgres/type_matrix.sql) → the real Debezium 3.2 (JsonConverter WITH schemas: the
// logical types need them) → `fanout run` → a replica table of the same definition.
//
// Snapshot rows, then inserts, updates with and without an unchanged TOASTed column (Debezium's
// placeholder) and deletes. Then source and replica must be equal row by row, as md5 of the row:
// every column Debezium carries faithfully as it is, and each column it cannot carry faithfully
// (sinks/postgres/README.md, "Column types") in its documented form -- so a change in what
// Debezium sends, or in how fanout writes it, fails here rather than passing unnoticed. Nothing
// may be dead-lettered.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/debezium_fixture.h"
#include "tests/support/kafka_topic.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace fanout::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr auto kConverge = std::chrono::seconds(120);

// The sections of type_matrix.sql, by the name after its `-- @@ ` marker lines.
std::map<std::string, std::string> ReadSections() {
  std::ifstream in(std::string(FANOUT_REPO_DIR) + "/tests/data/postgres/type_matrix.sql");
  std::map<std::string, std::string> sections;
  std::string line;
  std::string current;
  while (std::getline(in, line)) {
    if (line.starts_with("-- @@ ")) {
      current = line.substr(6);
      continue;
    }
    if (!current.empty()) sections[current] += line + "\n";
  }
  return sections;
}

// How one column is compared: the expression over the source row and the one over the replica
// row whose values must be equal. Both are the column itself when Debezium carries it faithfully.
struct Compared {
  std::string name;
  std::string source;
  std::string replica;
};

Compared Same(const std::string& column) { return {column, column, column}; }

// An array column whose elements are compared through `element` (`e` is the element), keeping
// NULL and the empty array apart.
std::string EachElement(const std::string& column, const std::string& element) {
  return "case when " + column + " is null then null else array(select " + element +
         " from unnest(" + column + ") with ordinality u(e, n) order by n) end";
}

// `streamed`: after the `changes` section (see a_numeric).
std::vector<Compared> ComparedColumns(bool streamed) {
  std::vector<Compared> out;
  for (const char* column :
       {"c_bool",      "c_int2",      "c_int4",     "c_int8",      "c_float4",    "c_float8",
        "c_numeric_p", "c_text",      "c_varchar",  "c_char",      "c_bytea",     "c_uuid",
        "c_json",      "c_jsonb",     "c_xml",      "c_date",      "c_time",      "c_time3",
        "c_ts",        "c_ts3",       "c_tstz",     "c_inet",      "c_cidr",      "c_macaddr",
        "c_macaddr8",  "c_bit1",      "c_bit",      "c_enum",      "c_hstore",    "c_int4range",
        "c_int8range", "c_numrange",  "c_tsrange",  "c_tstzrange", "c_daterange", "c_point",
        "c_oid",       "c_dom_int",   "c_dom_code", "a_text",      "a_varchar",   "a_char",
        "a_int2",      "a_int4",      "a_int8",     "a_float4",    "a_float8",    "a_numeric_p",
        "a_bool",      "a_uuid",      "a_date",     "a_ts",        "a_tstz",      "a_json",
        "a_jsonb",     "a_bytea",     "a_inet",     "a_cidr",      "a_macaddr",   "a_int4range",
        "a_daterange", "a_tstzrange", "a_enum",     "a_hstore",    "big_text",    "big_array",
        "big_jsonb"}) {
    out.push_back(Same(column));
  }
  // numeric NaN and ±Infinity: null (decimal.handling.mode=precise has no such values); in an
  // array one of them makes the whole array null. Unconstrained numerics lose trailing zeros.
  out.push_back({"c_numeric",
                 "case when c_numeric in ('NaN', 'Infinity', '-Infinity') then null "
                 "else trim_scale(c_numeric) end",
                 "c_numeric"});
  // Debezium 3.2.7 sends row 1's numeric[] as null when the row is streamed (an update of other
  // columns; its Connect log: "Invalid Java object for schema with type ARRAY: class
  // java.lang.String"); the snapshot and other rows carry it.
  out.push_back(
      {"a_numeric",
       std::string(streamed ? "case when id = 1 then null else " : "case when true then ") +
           "case when a_numeric && '{NaN,Infinity,-Infinity}'::numeric[] then null "
           "else " +
           EachElement("a_numeric", "trim_scale(e)") + " end end",
       "a_numeric"});
  // time[]: an item 24:00:00 arrives as 00:00:00 (a scalar time keeps it).
  out.push_back({"a_time",
                 EachElement("a_time", "case when e = '24:00:00' then '00:00:00'::time else e end"),
                 "a_time"});
  // money: in the snapshot through a double (the JDBC driver's PGmoney), rounded to cents by
  // Debezium: exact below 10^13; larger amounts are checked one by one below.
  const std::string money = "case when abs(c_money::numeric) < 1e13 then c_money end";
  out.push_back({"c_money", money, money});
  // timetz: the instant of the day in UTC; the offset is not carried.
  out.push_back({"c_timetz", "c_timetz at time zone 'UTC'", "c_timetz"});
  out.push_back({"a_timetz", EachElement("a_timetz", "e at time zone 'UTC'"), "a_timetz"});
  // interval: Debezium's microseconds, a month being 30.4375 days (365.25 / 12) and a day 24 h.
  out.push_back({"c_interval",
                 "trunc(((extract(year from c_interval) * 12 + extract(month from c_interval)) * "
                 "30.4375 + extract(day from c_interval)) * 86400000000 + "
                 "extract(hour from c_interval) * 3600000000 + "
                 "extract(minute from c_interval) * 60000000 + "
                 "extract(microseconds from c_interval))",
                 "trunc(extract(epoch from c_interval) * 1000000)"});
  // varbit: the bits from the highest 1 (Debezium's Bits do not carry leading zeros).
  out.push_back({"c_varbit", "ltrim(c_varbit::text, '0')", "c_varbit::text"});
  // Multi-dimensional arrays: Debezium sends one item per sub-array, null for int[][] and
  // Java's array identity text ("[Ljava.lang.String;@1b6d3586") for text[][].
  out.push_back({"a_int4_2d",
                 "case when a_int4_2d is null then null "
                 "else array_fill(null::int, array[array_length(a_int4_2d, 1)]) end",
                 "a_int4_2d"});
  out.push_back({"a_text_2d", "array_length(a_text_2d, 1)",
                 "case when bool_and_java(a_text_2d) then array_length(a_text_2d, 1) end"});
  // Types Debezium 3.2 does not emit with default settings: the replica column stays NULL.
  for (const char* column : {"c_tsvector", "c_line", "c_lseg", "c_box", "c_path", "c_polygon",
                             "c_circle", "a_money", "a_interval", "a_varbit", "a_xml", "a_point"}) {
    out.push_back({column, "null::text", std::string(column) + "::text"});
  }
  return out;
}

class PostgresTypeMatrixTest : public DebeziumFixture {
 protected:
  void TearDown() override {
    if (fanout_ && fanout_->running()) {
      fanout_->Signal(SIGTERM);
      (void)fanout_->Wait(std::chrono::seconds(30));
    }
    replica_.reset();
    if (!name_.empty()) {
      Postgres server(RequireEnv("FANOUT_REPLICA_PG_URL"));
      (void)server.Exec("drop database if exists " + name_ + " with (force)", false);
    }
    DebeziumFixture::TearDown();
  }

  void SetUpSourceAndReplica() {
    sections_ = ReadSections();
    ASSERT_EQ(sections_.size(), 3u) << "type_matrix.sql: schema, snapshot, changes";
    CreateDatabase(sections_["schema"]);
    ASSERT_TRUE(db_->Exec(sections_["snapshot"]));
    // The replica: a database of its own on the replica cluster, with the same definitions.
    const std::string replica_url = WithDatabase(RequireEnv("FANOUT_REPLICA_PG_URL"), name_);
    {
      Postgres server(RequireEnv("FANOUT_REPLICA_PG_URL"));
      ASSERT_TRUE(server.Exec("create database " + name_));
    }
    replica_ = std::make_unique<Postgres>(replica_url);
    ASSERT_TRUE(replica_->connected());
    ASSERT_TRUE(replica_->Exec(sections_["schema"]));
    // The comparison's helper for a_text_2d (see ComparedColumns).
    ASSERT_TRUE(
        replica_->Exec("create function bool_and_java(a text[]) returns boolean language sql as "
                       "$$ select bool_and(e like '[Ljava.lang.String;@%') from unnest(a) e $$"));
    // Text forms of timestamptz, ranges and money depend on the session.
    for (Postgres* db : {db_.get(), replica_.get()}) {
      ASSERT_TRUE(db->Exec("set timezone = 'UTC'; set lc_monetary = 'C'"));
    }
    RegisterSchemaConnector();
    dlq_topic_ = name_ + ".dlq";
    config_ = WriteFanoutConfig(name_ + "-tm",
                                "sinks:\n  replica: { type: postgres, dsn: \"" + replica_url +
                                    "\", pool_size: 2, batch_size: 50, timeout: 5s }\n"
                                    "routes:\n  - { name: type-matrix, from: public.type_matrix, "
                                    "to: replica }\n"
                                    "dead_letter: { topic: " +
                                    dlq_topic_ + " }\n");
    log_ = TempPath("fanout.log");
  }

  // DebeziumFixture::RegisterConnector sends JSON without schemas; the logical types (decimals,
  // dates, timestamps, bits) cannot be decoded without them.
  void RegisterSchemaConnector() {
    const std::string path = TempPath("connector.json");
    std::ofstream(path) << R"({
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1",
  "database.port": "${FANOUT_PG_PORT}",
  "database.user": "postgres",
  "database.dbname": ")" << name_
                        << R"(",
  "topic.prefix": ")" << name_
                        << R"(",
  "plugin.name": "pgoutput",
  "slot.name": ")" << name_
                        << R"(",
  "publication.name": ")"
                        << name_ << R"(_pub",
  "publication.autocreate.mode": "filtered",
  "table.include.list": "public.type_matrix",
  "key.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "key.converter.schemas.enable": "true",
  "value.converter.schemas.enable": "true",
  "snapshot.mode": "initial",
  "topic.creation.default.partitions": "1",
  "topic.creation.default.replication.factor": "1",
  "tasks.max": "1"
})";
    ASSERT_EQ(RunStackScript("connect.sh register " + name_ + " " + path), 0);
    connector_registered_ = true;
  }

  // "id:md5 ..." of every row, each row as its compared expressions.
  std::string Digest(Postgres& db, bool source) {
    std::string row;
    for (const Compared& c : ComparedColumns(streamed_)) {
      row += (row.empty() ? "" : ", ") + ("(" + (source ? c.source : c.replica) + ")");
    }
    return db.Scalar("select coalesce(string_agg(id || ':' || md5(row(" + row +
                     ")::text), ' ' order by id), '') from public.type_matrix");
  }

  bool Converged() {
    const std::string source = Digest(*db_, true);
    return !source.empty() && source == Digest(*replica_, false);
  }

  // Each column whose compared values differ, with both, for a readable failure.
  std::string Differences() {
    std::ostringstream out;
    for (const Compared& c : ComparedColumns(streamed_)) {
      const std::string query = "select coalesce(string_agg(id || '=' || coalesce((";
      const std::string tail =
          ")::text, '<null>'), ' | ' order by id), '') from public.type_matrix";
      const std::string source = db_->Scalar(query + c.source + tail);
      const std::string replica = replica_->Scalar(query + c.replica + tail);
      if (source != replica) {
        out << c.name << ":\n  source  " << source << "\n  replica " << replica << "\n";
      }
    }
    return out.str();
  }

  std::string Replica(const std::string& expression, int id) {
    return replica_->Scalar(
        "select coalesce((" + expression +
        ")::text, '<null>') from public.type_matrix where id = " + std::to_string(id));
  }

  std::map<std::string, std::string> sections_;
  bool streamed_ = false;
  std::unique_ptr<Postgres> replica_;
  std::unique_ptr<ChildProcess> fanout_;
  std::string dlq_topic_;
  std::string config_;
  std::string log_;
};

TEST_F(PostgresTypeMatrixTest, EveryColumnTypeRoundTripsThroughDebezium) {
  SetUpSourceAndReplica();
  fanout_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{FANOUT_BINARY, "run", "-c", config_}, log_);

  // Snapshot (op r).
  ASSERT_TRUE(WaitFor([&] { return Converged(); }, kConverge)) << Differences() << ReadFile(log_);
  EXPECT_EQ(replica_->Scalar("select string_agg(id::text, ',' order by id) from "
                             "public.type_matrix"),
            "1,2,3,4,5");

  // Inserts, updates (the TOASTed columns unchanged, then changed), deletes.
  ASSERT_TRUE(db_->Exec(sections_["changes"]));
  streamed_ = true;
  ASSERT_TRUE(WaitFor(
      [&] {
        return Converged() && replica_->Scalar("select count(*) from public.type_matrix") ==
                                  db_->Scalar("select count(*) from public.type_matrix");
      },
      kConverge))
      << Differences() << ReadFile(log_);
  EXPECT_EQ(replica_->Scalar("select string_agg(id::text, ',' order by id) from "
                             "public.type_matrix"),
            "1,2,3,5,10,12");

  // The measured failure of issue 15: a text[] column.
  EXPECT_EQ(Replica("a_text", 10), "{u1,\"u 2\"}");
  EXPECT_EQ(Replica("a_text", 3), "{NULL,\"NULL\",NULL,x}");
  // The TOASTed columns an update left alone kept their values (Debezium sent the placeholder).
  EXPECT_EQ(Replica("length(big_text) || ' ' || cardinality(big_array) || ' ' || "
                    "(select count(*) from jsonb_object_keys(big_jsonb))",
                    10),
            "20000 800 800");
  EXPECT_EQ(Replica("length(big_text)", 2), "16000");
  EXPECT_EQ(Replica("a_tstz", 2), "{\"2030-01-01 00:00:00+00\"}");
  // ±infinity, including the values Debezium 3.2 mangles (and fanout's decoder restores).
  EXPECT_EQ(Replica("c_date || ' ' || c_ts || ' ' || c_ts3 || ' ' || c_tstz", 2),
            "infinity infinity -infinity -infinity");
  EXPECT_EQ(Replica("a_date::text || ' ' || a_ts::text || ' ' || a_tstz::text", 12),
            "{infinity,-infinity} {infinity,-infinity} {infinity,-infinity}");

  // json: the text exactly as written, whitespace and duplicate keys included.
  EXPECT_EQ(Replica("c_json", 5), R"({ "b" : 1,  "a" : [1, 2], "b" : 2 })");
  // The documented lossy forms, spelled out.
  EXPECT_EQ(Replica("c_numeric", 1), "12345.6789");
  EXPECT_EQ(Replica("c_numeric_p", 1), "1234.500");
  EXPECT_EQ(Replica("c_numeric", 2), "<null>");
  // money: a snapshot row through a double, a streamed one (row 2's update) exact.
  EXPECT_EQ(Replica("c_money::numeric", 5), "12345678901234568.00");
  EXPECT_EQ(Replica("c_money::numeric", 2), "-90000000000000.01");
  EXPECT_EQ(Replica("c_numeric", 5), "<null>");
  EXPECT_EQ(Replica("a_numeric", 1), "<null>");  // streamed: Debezium's null, see above
  EXPECT_EQ(Replica("a_numeric", 10), "{0.5}");
  EXPECT_EQ(Replica("a_numeric_p", 1), "{1.10,2.00}");
  EXPECT_EQ(Replica("a_numeric", 2), "<null>");
  EXPECT_EQ(Replica("c_interval", 1), "26:03:04.5");
  EXPECT_EQ(Replica("c_interval", 12), "2191:30:00");
  EXPECT_EQ(Replica("c_timetz", 1), "08:11:12.5+00");
  EXPECT_EQ(Replica("c_varbit", 5), "10");
  EXPECT_EQ(Replica("a_int4_2d", 1), "{NULL,NULL}");
  EXPECT_EQ(Replica("a_time", 12), "{00:00:00}");
  EXPECT_EQ(Replica("c_time", 12), "24:00:00");
  EXPECT_EQ(Replica("c_tsvector::text || c_box::text || a_money::text", 1), "<null>");

  EXPECT_THAT(ReadTopic(dlq_topic_), IsEmpty()) << "dead letters";
  EXPECT_THAT(ReadFile(log_), ::testing::Not(HasSubstr("dead-lettered")));
  fanout_->Signal(SIGTERM);
  EXPECT_EQ(fanout_->Wait(std::chrono::seconds(30)), std::optional<int>(0)) << ReadFile(log_);
}

}  // namespace
}  // namespace fanout::testing
