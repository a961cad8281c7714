#include "tests/support/customer_changes.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

namespace fanout::testing {

const char* const kCustomersSchema = R"(
  create sequence public.change_seq;
  create table public.customers (id int primary key, email text not null, name text,
                                 seq bigint not null);
  alter table public.customers replica identity full;
)";

namespace {

const std::vector<std::optional<std::string>> kNames = {
    "Ada", "Grace Hopper", "O'Brien \"Bo\"", "Zoë Ørsted", "back\\slash", std::nullopt};

}  // namespace

std::string SqlQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string JsonQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::map<int, Customer> ReadCustomers(Postgres& db) {
  // Unit separators: any text is safe.
  const std::string text = db.Scalar(
      "select coalesce(string_agg(id || chr(31) || email || chr(31) || "
      "coalesce(name, chr(30)) || chr(31) || seq, chr(29) order by id), '') "
      "from public.customers");
  std::map<int, Customer> rows;
  std::stringstream records(text);
  for (std::string record; std::getline(records, record, '\x1d');) {
    std::vector<std::string> fields;
    std::stringstream parts(record);
    for (std::string field; std::getline(parts, field, '\x1f');) fields.push_back(field);
    if (fields.size() != 4) {
      ADD_FAILURE() << "unexpected row: " << record;
      continue;
    }
    Customer row;
    row.email = fields[1];
    if (fields[2] != "\x1e") row.name = fields[2];
    row.seq = std::stoll(fields[3]);
    rows[std::stoi(fields[0])] = row;
  }
  return rows;
}

bool CustomerChanges::Seed(Postgres& db, int count) {
  for (int id = 1; id <= count; ++id) {
    Customer row{"first" + std::to_string(id) + "@example.com",
                 kNames[static_cast<std::size_t>(id) % kNames.size()], 0};
    if (!db.Exec("insert into public.customers values (" + std::to_string(id) + ", " +
                 SqlQuote(row.email) + ", " + (row.name ? SqlQuote(*row.name) : "null") +
                 ", nextval('public.change_seq'))")) {
      return false;
    }
    model_[id] = row;
  }
  return true;
}

CustomerChanges::Change CustomerChanges::Step(int i, std::mt19937& random, Postgres& db,
                                              const std::function<void(const Change&)>& before) {
  std::vector<int> present;
  std::vector<int> absent;
  for (int id = 1; id <= max_id_; ++id) (model_.contains(id) ? present : absent).push_back(id);
  auto pick = [&](const std::vector<int>& ids) { return ids[random() % ids.size()]; };
  const std::string email = "m" + std::to_string(i) + "@example.com";
  const std::optional<std::string> name = kNames[random() % kNames.size()];
  const std::string name_sql = name ? SqlQuote(*name) : "null";
  const auto r = random() % 100;
  Change change;
  std::string sql;
  int id = 0;
  int new_id = 0;
  if (present.empty() || (r < 22 && !absent.empty())) {
    change.kind = "insert";
    id = pick(absent);
    change.emails = {email};
    sql = "insert into public.customers values (" + std::to_string(id) + ", " + SqlQuote(email) +
          ", " + name_sql + ", nextval('public.change_seq'))";
  } else if (r < 50 || (r >= 86 && absent.empty())) {
    change.kind = "update";
    id = pick(present);
    change.emails = {model_[id].email};
    sql = "update public.customers set name = " + name_sql +
          ", seq = nextval('public.change_seq') where id = " + std::to_string(id);
  } else if (r < 72) {
    change.kind = "email change";
    id = pick(present);
    change.emails = {model_[id].email, email};
    sql = "update public.customers set email = " + SqlQuote(email) +
          ", seq = nextval('public.change_seq') where id = " + std::to_string(id);
  } else if (r < 86) {
    change.kind = "delete";
    id = pick(present);
    change.emails = {model_[id].email};
    sql = "delete from public.customers where id = " + std::to_string(id);
  } else {
    change.kind = "key change";
    id = pick(present);
    new_id = pick(absent);
    const bool with_email = random() % 2 == 0;
    change.emails = {model_[id].email};
    if (with_email) change.emails.push_back(email);
    sql = "update public.customers set id = " + std::to_string(new_id) +
          (with_email ? ", email = " + SqlQuote(email) : std::string()) +
          ", seq = nextval('public.change_seq') where id = " + std::to_string(id);
  }
  if (before) before(change);
  if (!db.Exec(sql)) return change;
  change.ran = true;
  if (change.kind == "insert") {
    model_[id] = Customer{email, name, 0};
  } else if (change.kind == "update") {
    model_[id].name = name;
  } else if (change.kind == "email change") {
    model_[id].email = email;
  } else if (change.kind == "delete") {
    model_.erase(id);
  } else {
    Customer row = model_[id];
    if (change.emails.size() == 2) row.email = email;
    model_.erase(id);
    model_[new_id] = row;
  }
  return change;
}

}  // namespace fanout::testing
