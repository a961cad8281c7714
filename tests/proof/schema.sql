-- make proof: the source tables (also created, unchanged, in each group's replica database).
-- items: every scalar type the proof checks, a TOASTed text column, REPLICA IDENTITY FULL (so an
-- update that leaves `big` unchanged still has its value in the before image).
create table public.items (
  id     int primary key,
  name   text not null,
  qty    int,
  price  numeric(12,2),
  big    text,
  ts     timestamptz,
  doc    jsonb,
  meta   json,
  blob   bytea,
  uid    uuid,
  flag   text,
  rev    int not null default 0
);
alter table public.items alter column big set storage external;  -- out of line, uncompressed
alter table public.items replica identity full;

-- arrs: array columns and jsonb, default replica identity (deletes carry only the key, updates
-- no before image).
create table public.arrs (
  id      int primary key,
  tags    text[],
  nums    int[],
  amounts numeric[],
  attrs   jsonb,
  rev     int not null default 0
);

-- marker: written once at the end; when it reaches Kafka, every change before it has. Not routed.
create table public.marker (id int primary key, v bigint not null);
