#include "tests/support/postgres.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

namespace fanout::testing {

Postgres::Postgres(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  if (!connected()) ADD_FAILURE() << "cannot connect to PostgreSQL: " << error();
}

Postgres::~Postgres() { PQfinish(conn_); }

bool Postgres::connected() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

std::string Postgres::error() const { return conn_ ? PQerrorMessage(conn_) : "no connection"; }

bool Postgres::Exec(const std::string& sql, bool must_succeed) {
  PGresult* result = PQexec(conn_, sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  if (!ok && must_succeed)
    ADD_FAILURE() << "SQL failed: " << sql << "\n" << PQresultErrorMessage(result);
  PQclear(result);
  return ok;
}

std::string Postgres::Scalar(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  std::string value;
  if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
    value = PQgetvalue(result, 0, 0);
  } else {
    ADD_FAILURE() << "SQL failed: " << sql << "\n" << PQresultErrorMessage(result);
  }
  PQclear(result);
  return value;
}

std::string WithDatabase(const std::string& url, const std::string& database) {
  std::size_t slash = url.rfind('/');
  std::size_t query = url.find('?', slash);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return url.substr(0, slash + 1) + database + rest;
}

}  // namespace fanout::testing
