// A random mix of changes to a real PostgreSQL table, for the end-to-end tests that check a
// sink's target against the source after Debezium and fanout: the table public.customers
// (id int primary key, email text not null, name text, seq bigint not null) with REPLICA
// IDENTITY FULL, and a generator of inserts, updates, e-mail changes, deletes and primary-key
// changes (`update ... set id = ...`, which Debezium sends as d + c). Every statement stamps the
// row with a fresh `seq` from a sequence, so "older" is visible in the target.
//
// Deterministic for a seed. Thread-compatible: one generator per thread.
#ifndef FANOUT_TESTS_SUPPORT_CUSTOMER_CHANGES_H_
#define FANOUT_TESTS_SUPPORT_CUSTOMER_CHANGES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/support/postgres.h"

namespace fanout::testing {

struct Customer {
  std::string email;
  std::optional<std::string> name;  // null sometimes
  std::int64_t seq = 0;
};

// The schema above (with its sequence public.change_seq).
extern const char* const kCustomersSchema;

// SQL string literal.
std::string SqlQuote(const std::string& text);
// JSON string literal.
std::string JsonQuote(const std::string& text);

// The table as it is now, read in one query.
std::map<int, Customer> ReadCustomers(Postgres& db);

class CustomerChanges {
 public:
  // Ids live in 1..max_id (inserts and primary-key changes pick among them).
  explicit CustomerChanges(int max_id) : max_id_(max_id) {}

  // Inserts rows 1..count (before the connector: they become snapshot reads).
  bool Seed(Postgres& db, int count);

  struct Change {
    std::string kind;                 // "insert", "update", "email change", "delete", "key change"
    std::vector<std::string> emails;  // the addresses the change touches (old and new)
    bool ran = false;                 // the statement succeeded
  };

  // Picks one change for step `i` from the model, calls `before` with it (e.g. to cache the
  // addresses it touches), runs it, and updates the model.
  Change Step(int i, std::mt19937& random, Postgres& db,
              const std::function<void(const Change&)>& before = nullptr);

  // The generator's view of the table (seq not tracked).
  const std::map<int, Customer>& model() const { return model_; }
  int max_id() const { return max_id_; }

 private:
  int max_id_;
  std::map<int, Customer> model_;
};

}  // namespace fanout::testing

#endif  // FANOUT_TESTS_SUPPORT_CUSTOMER_CHANGES_H_
