-- The PostgreSQL type matrix (issue 15 item 3): one table with a column of each type the Debezium
-- PostgreSQL connector emits with its default settings, used by
-- tests/integration/postgres_type_matrix_test.cc and reusable by a proof workload.
--
-- Sections, split on the `-- @@ <name>` marker lines (each a plain SQL script):
--   schema    types and the table; run in the SOURCE database and, unchanged, in the replica
--             (target) database, so the replica column types are the source's own
--   snapshot  rows present before the connector starts (read by the snapshot, op r)
--   changes   streamed inserts, updates (with and without an unchanged TOASTed column) and
--             deletes, after the snapshot was replicated
--
-- REPLICA IDENTITY DEFAULT on purpose: an update that leaves `big_text` (stored out of line)
-- unchanged gives Debezium's `__debezium_unavailable_value` placeholder for it.
--
-- What round-trips exactly and what Debezium itself cannot carry: sinks/postgres/README.md
-- ("Column types").

-- @@ schema
create extension if not exists hstore;
create type public.tm_mood as enum ('sad', 'ok', 'happy', 'with space', 'quo"te');
create domain public.tm_posint as integer check (value > 0);
create domain public.tm_code as varchar(8);
create table public.type_matrix (
  id          int primary key,
  -- scalars
  c_bool      boolean,
  c_int2      smallint,
  c_int4      integer,
  c_int8      bigint,
  c_float4    real,
  c_float8    double precision,
  c_numeric   numeric,
  c_numeric_p numeric(12, 3),
  c_money     money,
  c_text      text,
  c_varchar   varchar(20),
  c_char      char(5),
  c_bytea     bytea,
  c_uuid      uuid,
  c_json      json,
  c_jsonb     jsonb,
  c_xml       xml,
  c_date      date,
  c_time      time,
  c_time3     time(3),
  c_timetz    timetz,
  c_ts        timestamp,
  c_ts3       timestamp(3),
  c_tstz      timestamptz,
  c_interval  interval,
  c_inet      inet,
  c_cidr      cidr,
  c_macaddr   macaddr,
  c_macaddr8  macaddr8,
  c_bit1      bit(1),
  c_bit       bit(12),
  c_varbit    varbit(16),
  c_enum      public.tm_mood,
  c_hstore    public.hstore,
  c_int4range int4range,
  c_int8range int8range,
  c_numrange  numrange,
  c_tsrange   tsrange,
  c_tstzrange tstzrange,
  c_daterange daterange,
  c_tsvector  tsvector,
  c_point     point,
  c_line      line,
  c_lseg      lseg,
  c_box       box,
  c_path      path,
  c_polygon   polygon,
  c_circle    circle,
  c_oid       oid,
  c_dom_int   public.tm_posint,
  c_dom_code  public.tm_code,
  -- arrays
  a_text      text[],
  a_varchar   varchar(10)[],
  a_char      char(3)[],
  a_int2      smallint[],
  a_int4      integer[],
  a_int8      bigint[],
  a_float4    real[],
  a_float8    double precision[],
  a_numeric   numeric[],
  a_numeric_p numeric(10, 2)[],
  a_bool      boolean[],
  a_uuid      uuid[],
  a_date      date[],
  a_time      time[],
  a_timetz    timetz[],
  a_ts        timestamp[],
  a_tstz      timestamptz[],
  a_json      json[],
  a_jsonb     jsonb[],
  a_bytea     bytea[],
  a_inet      inet[],
  a_cidr      cidr[],
  a_macaddr   macaddr[],
  a_int4range int4range[],
  a_daterange daterange[],
  a_tstzrange tstzrange[],
  a_enum      public.tm_mood[],
  a_hstore    public.hstore[],
  a_int4_2d   integer[][],
  a_text_2d   text[][],
  a_money     money[],
  a_interval  interval[],
  a_varbit    varbit[],
  a_xml       xml[],
  a_point     point[],
  -- large, stored out of line: unchanged by an update, it arrives as the TOAST placeholder
  big_text    text,
  big_array   text[],
  big_jsonb   jsonb
);
alter table public.type_matrix alter column big_text set storage external;
alter table public.type_matrix alter column big_array set storage external;
alter table public.type_matrix alter column big_jsonb set storage external;

-- @@ snapshot
-- Row 1: ordinary values. Row 2: edge values (quoting, NaN, infinities, extremes). Row 3: NULLs
-- and arrays holding NULL elements and the text "NULL". Row 4: empty arrays and strings. Row 5:
-- more of what Debezium cannot carry as it is (json whitespace, numeric ±Infinity, months).
insert into public.type_matrix values (
  1, true, 12, 123456, 1234567890123, 1.5, 2.25, 12345.67890, 1234.5, 12.34,
  'plain', 'varchar', 'ab', '\x00ff10', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"a":1,"b":[true,null,2.50]}', '{"k": "v", "n": 1.50}', '<a x="1">t</a>',
  '2024-02-29', '13:14:15.123456', '01:02:03.456', '10:11:12.5+02', '2024-01-02 03:04:05.678901',
  '2024-01-02 03:04:05.678', '2024-01-02 03:04:05.678901+00', '1 day 02:03:04.5',
  '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
  B'1', B'101100111000', B'1011', 'happy', 'a=>1, b=>NULL, "c d"=>"e\"f"',
  '[1,5)', '[10,20)', '(1.5,2.5]', '[2024-01-01 00:00,2024-01-02 00:00)',
  '[2024-01-01 00:00+00,2024-01-02 00:00+00)', '[2024-01-01,2024-02-01)',
  'a fat cat:1 sat:2', '(1.5,-2)', '{1,-1,0}', '[(0,0),(1,1)]', '(2,2),(0,0)', '[(0,0),(1,1),(2,0)]',
  '((0,0),(1,1),(1,0))', '<(1,1),2>', 4294967295, 7, 'code-1',
  '{t1,t5}', '{a,b}', '{ab,c}', '{1,-2}', '{1,2,3}', '{9007199254740993,-1}', '{1.5,-0.25}',
  '{0.1,1e300}', '{1.10,-2,3.000}', '{1.10,2}', '{true,false}',
  '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{2024-02-29,1970-01-01}', '{13:14:15.5,00:00:00}',
  '{10:11:12+02}', '{"2024-01-02 03:04:05.678901","1969-12-31 23:59:59"}',
  '{"2024-01-02 03:04:05.678901+00"}', array['{"a":1}', '[1,2]']::json[],
  array['{"k":"v"}', '"s"']::jsonb[], '{"\\x00ff","\\x"}', '{10.0.0.1,::1}', '{10.0.0.0/8}',
  '{08:00:2b:01:02:03}', '{"[1,5)"}', '{"[2024-01-01,2024-02-01)"}',
  '{"[\"2024-01-01 00:00:00+00\",\"2024-01-02 00:00:00+00\")"}', '{happy,sad}',
  array['a=>1'::public.hstore, 'b=>NULL'], '{{1,2},{3,4}}', '{{a,b},{c,d}}', '{1.25}',
  '{"1 day"}', '{101}', array['<a/>'::xml], '{"(1,2)"}',
  'small', '{s}', '{"small": true}');
insert into public.type_matrix values (
  2, false, -32768, -2147483648, -9223372036854775808, 'NaN', '-Infinity', 'NaN', -99999999.999,
  -90000000000000.01, E'quote " backslash \\ comma , braces {} tab\t nl\n NULL', 'Zürich – 東京',
  'x', '\x', '00000000-0000-0000-0000-000000000000', '[]', '[]', '<r/>', 'infinity', '24:00:00',
  '00:00:00', '23:59:59.999999-14:59', 'infinity', '-infinity', '-infinity', '-200 years -1 mons 3 days -00:00:00.25',
  '::1', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff:ff:ff', B'0', B'000000000000',
  B'', 'quo"te', '', 'empty', '(,)', '[-5,5]', 'empty', '[,infinity)', 'empty',
  '', '(0,0)', '{0,1,-5}', '[(0,0),(0,1)]', '(0,0),(0,0)', '((0,0))', '((0,0))', '<(0,0),0>', 0, 1,
  '',
  array[E'quote "', E'back\\slash', 'comma,', '{brace}', '', 'NULL', ' lead', 'trail ', E'nl\n'],
  '{""}', '{"   "}', '{32767,-32768}', '{2147483647}', '{9223372036854775807,-9223372036854775808}',
  '{NaN,Infinity,-Infinity}', '{NaN,-Infinity,5e-324}', '{NaN,0,-0.000001}', '{0.00,-99999999.99}',
  '{false}', '{00000000-0000-0000-0000-000000000000}', '{infinity,-infinity}', '{24:00:00}',
  '{00:00:00-14:59}', '{infinity,-infinity}', '{infinity,-infinity}', array['"q\"uote"']::json[],
  array['{"a":[{}]}', 'null']::jsonb[], '{""}', '{}', '{}', '{}', '{empty}', '{}', '{}',
  array['quo"te', 'with space']::public.tm_mood[], array['""=>""'::public.hstore],
  '{{1},{2}}', array[array['"', '\'], array[',', '']], '{}', '{}', '{}', '{}', '{}',
  repeat('0123456789abcdef', 1000), (select array_agg(md5(i::text)) from generate_series(1, 700) i),
  (select jsonb_object_agg('k' || i, md5(i::text)) from generate_series(1, 700) i));
insert into public.type_matrix (id, a_text, a_int4, a_numeric, a_date, a_tstz, a_jsonb, a_bool, a_uuid)
  values (3, '{NULL,"NULL",null,x}', '{NULL,1}', '{NULL,1.5}', '{NULL,2024-01-01}',
          '{NULL,"2024-01-02 03:04:05+00"}', array[null, 'null']::jsonb[], '{NULL,true}',
          '{NULL}');
insert into public.type_matrix (id, c_json, c_numeric, a_numeric, c_date, c_ts, c_ts3, c_tstz,
                                c_interval, c_varbit, c_timetz, c_money)
  values (5, '{ "b" : 1,  "a" : [1, 2], "b" : 2 }', 'Infinity', '{-Infinity,1}', '-infinity',
          '-infinity', 'infinity', 'infinity', '1 year 2 mons -3 days 04:05:06.25', B'0010',
          '00:00:00+00', 12345678901234567.89);
insert into public.type_matrix (id, c_text, c_varchar, a_text, a_int4, a_numeric, a_jsonb, a_bytea,
                                a_date, c_json, c_jsonb)
  values (4, '', '', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}');

-- @@ changes
-- Inserts.
insert into public.type_matrix (id, c_int4, c_numeric, c_tstz, c_date, a_text, a_int8, a_numeric,
                                a_tstz, a_ts, a_date, a_jsonb, a_bool, a_varchar, big_text,
                                big_array, big_jsonb)
  values (10, 10, 3.14159, '2025-06-01 12:00:00.000001+00', '0001-01-01',
          '{"with \"quotes\"","back\\slash","{}",""}', '{1,2}', '{0.5}',
          '{"2025-06-01 12:00:00+00"}', '{"1900-01-01 00:00:00"}', '{1900-01-01}',
          array['{"x":[1,2.50]}']::jsonb[], '{true}', '{"a b"}',
          repeat('x', 20000), (select array_agg(md5(i::text)) from generate_series(1, 800) i),
          (select jsonb_object_agg('k' || i, i) from generate_series(1, 800) i));
insert into public.type_matrix (id, c_text, a_text) values (11, 'to be deleted', '{gone}');
insert into public.type_matrix select 12, c_bool, c_int2, c_int4, c_int8, c_float4, c_float8,
  c_numeric, c_numeric_p, c_money, c_text, c_varchar, c_char, c_bytea, c_uuid, c_json, c_jsonb,
  c_xml, c_date, c_time, c_time3, c_timetz, c_ts, c_ts3, c_tstz, c_interval, c_inet, c_cidr,
  c_macaddr, c_macaddr8, c_bit1, c_bit, c_varbit, c_enum, c_hstore, c_int4range, c_int8range,
  c_numrange, c_tsrange, c_tstzrange, c_daterange, c_tsvector, c_point, c_line, c_lseg, c_box,
  c_path, c_polygon, c_circle, c_oid, c_dom_int, c_dom_code, a_text, a_varchar, a_char, a_int2,
  a_int4, a_int8, a_float4, a_float8, a_numeric, a_numeric_p, a_bool, a_uuid, a_date, a_time,
  a_timetz, a_ts, a_tstz, a_json, a_jsonb, a_bytea, a_inet, a_cidr, a_macaddr, a_int4range,
  a_daterange, a_tstzrange, a_enum, a_hstore, a_int4_2d, a_text_2d, a_money, a_interval,
  a_varbit, a_xml, a_point, big_text, big_array, big_jsonb
  from public.type_matrix where id = 2;
-- Updates that leave the TOASTed columns unchanged: Debezium sends the placeholder for them.
update public.type_matrix set a_text = '{u1,"u 2"}', c_numeric = -0.001, a_int4 = '{7}'
  where id = 10;
update public.type_matrix set c_text = 'updated', a_tstz = '{"2030-01-01 00:00:00+00"}'
  where id = 2;
-- An update that changes every column of the row, TOASTed ones included.
update public.type_matrix set big_text = repeat('y', 30000), big_array = '{short}',
  big_jsonb = '{"short": 1}', c_money = 0.01, a_numeric_p = '{-1.01}', c_interval = '3 mons'
  where id = 12;
-- A row set to NULLs.
update public.type_matrix set a_text = null, a_jsonb = null, c_jsonb = null where id = 1;
-- Deletes.
delete from public.type_matrix where id = 11;
delete from public.type_matrix where id = 4;
