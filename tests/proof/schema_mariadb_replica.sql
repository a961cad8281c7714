-- make proof --source mariadb: the replica tables in each group's PostgreSQL replica database. The
-- postgres sink writes a change of MariaDB's <db>.<table> to the target table <table> (the search
-- path's, public) by default. The PostgreSQL types that hold what Debezium's MySQL connector sends
-- for schema_mariadb.sql's columns.
create table public.items (
  id     int primary key,
  name   text not null,
  qty    int,
  price  numeric(12,2),
  big    text,
  ts     timestamp(6),          -- DATETIME: a wall clock, sent as UTC
  doc    jsonb,
  meta   jsonb,
  bin    bytea,
  uid    text,
  flag   text,
  rev    int not null default 0
);
create table public.misc (
  id     int primary key,
  kind   text,
  opts   text,                  -- SET: comma-separated
  d      date,
  f      double precision,
  active boolean,               -- BIT(1)
  tiny   smallint,
  note   text,
  rev    int not null default 0
);
