-- stack/capture.sh: runs in database 'capture' BEFORE the connectors exist -> snapshot events (op=r).
create table public.customers (
  id         serial primary key,
  first_name text not null,
  last_name  text,
  email      text unique,
  balance    numeric(10,2),
  born       date,
  updated_at timestamptz default now(),
  notes      text,
  profile    jsonb
);
-- 'rev' exists so an UPDATE can leave the TOASTed payload untouched (-> __debezium_unavailable_value).
create table public.big (
  id      int primary key,
  payload text,
  rev     int not null default 0
);
-- always out-of-line, never compressed: the placeholder does not depend on pglz's luck
alter table public.big alter column payload set storage external;
-- REPLICA IDENTITY FULL: update/delete events carry the complete 'before' row
create table public.tiny (
  id    int primary key,
  label text
);
alter table public.tiny replica identity full;

insert into public.customers (first_name, last_name, email, balance, born, updated_at, notes, profile) values
  ('Ada',    'Lovelace', 'ada@example.com',   1234.50, '1815-12-10', '2024-01-02 03:04:05.123456+00', 'first programmer', '{"tier": "gold", "tags": ["math", "poetry"]}'),
  ('Alan',   'Turing',   'alan@example.com',   -20.00, '1912-06-23', '2024-01-02 03:04:05+02',        null,               '{"tier": "silver"}'),
  ('Grace',  'Hopper',   'grace@example.com',    0.01, '1906-12-09', now(),
     E'quote " backslash \\ newline\n tab\t end', '{"nested": {"a": [1, 2.5, {"b": null}], "t": true}}'),
  ('Edsger', null,       null,                   null, null,         now(), 'unicode: Zürich – 東京 – 🚀', null);

-- ~16 KB of random hex: far above the 2 KB TOAST threshold
insert into public.big (id, payload)
  select 1, string_agg(md5(i::text || random()::text), '') from generate_series(1, 500) as i;

insert into public.tiny values (1, 'one'), (2, 'two');
