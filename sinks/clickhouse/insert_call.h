// InsertCall: one Sink::Write of the ClickHouse sink. The batch's rows are grouped by table, and
// each group is sent as one `INSERT INTO <table> FORMAT JSONEachRow`. When ClickHouse refuses a
// group for a row it cannot take (errors.h), each half of the group is sent as its own INSERT,
// recursively, down to the single row at fault, which is a bad record: the good rows of the
// batch are inserted, and ClickHouse never inserts part of a refused INSERT (the rows of one
// INSERT form one block, all or nothing). Requests of one call go one after another.
//
// Thread-safety: none. Start and every completion run on the sink's strand, which also owns the
// InsertContext (its HTTP client).
#ifndef FANOUT_SINKS_CLICKHOUSE_INSERT_CALL_H_
#define FANOUT_SINKS_CLICKHOUSE_INSERT_CALL_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/clickhouse/action.h"
#include "sinks/net/http_client.h"
#include "sinks/sink.h"

namespace fanout {

// What every request of one sink shares. Used on the sink's strand only.
struct InsertContext {
  explicit InsertContext(NetStrand on) : strand(std::move(on)) {}

  NetStrand strand;           // the sink's
  std::string sink_name;      // for logs
  std::string base_path;      // "" or "/ch": prefixes "/?query=..."
  std::string host_header;    // "host:port"
  std::string authorization;  // the Authorization header value, or empty
  std::chrono::milliseconds timeout{10000};
  std::shared_ptr<HttpClient> client;
};

// The request target that runs `query` (URL-encoded here) with the sink's fixed settings:
// date_time_input_format=best_effort (ISO 8601 with 'T', fractions and zone, as the decoder
// writes times).
std::string ClickHouseQueryTarget(std::string_view base_path, std::string_view query);

// A POST of `body` (or a GET when `body` is empty) to `target` with the headers every request
// carries.
std::shared_ptr<const HttpRequest> MakeClickHouseRequest(const InsertContext& context,
                                                         std::string target, std::string body);

class InsertCall : public std::enable_shared_from_this<InsertCall> {
 public:
  using Done = std::function<void(std::vector<ActionResult>)>;

  // `actions` stay alive until `done` has run. `done` runs exactly once, on the strand.
  InsertCall(std::shared_ptr<InsertContext> context, std::vector<const ClickHouseAction*> actions,
             Done done);

  // Sends the first request. Call on the strand, once.
  void Start();

 private:
  struct Range {  // positions in order_, all of one table
    std::size_t begin = 0;
    std::size_t end = 0;
  };

  // Sends the next range still to do, or calls `done_` when none is left.
  void SendNext();
  // SendNext once the exchange that just ended has given its connection back to the pool (the
  // pool calls back first and releases after), so the next INSERT reuses it.
  void SendNextLater();
  void OnExchange(Range range, HttpExchangeResult exchange);

  std::shared_ptr<InsertContext> context_;
  std::vector<const ClickHouseAction*> actions_;
  std::vector<std::size_t> order_;  // action indices, grouped by table (first-seen order)
  std::vector<ActionResult> results_;
  std::vector<Range> todo_;  // a stack: the back goes next
  Done done_;
};

}  // namespace fanout

#endif  // FANOUT_SINKS_CLICKHOUSE_INSERT_CALL_H_
