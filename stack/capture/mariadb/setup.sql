-- MariaDB capture: one table per concern, every type Debezium's MySQL connector maps with its
-- default settings (time.precision.mode=adaptive_time_microseconds, decimal.handling.mode=precise,
-- bigint.unsigned.handling.mode=long, binary.handling.mode=bytes). Rows inserted here are read by
-- the snapshot (op r); stack/capture/mariadb/scenario.sql is streamed from the binlog.
create table customers (
  id int primary key,
  email varchar(255) not null,
  name text,
  updated_at timestamp(3) not null default current_timestamp(3) on update current_timestamp(3)
);
create table types (
  id bigint unsigned primary key,
  c_tinyint tinyint, c_tinyint1 tinyint(1), c_smallint smallint, c_mediumint mediumint,
  c_int int, c_int_unsigned int unsigned, c_bigint bigint, c_bigint_unsigned bigint unsigned,
  c_float float, c_double double,
  c_decimal decimal(10,3), c_decimal_wide decimal(65,30),
  c_bit1 bit(1), c_bit12 bit(12), c_bit64 bit(64),
  c_bool boolean,
  c_date date, c_time time, c_time3 time(3), c_time6 time(6),
  c_datetime datetime, c_datetime3 datetime(3), c_datetime6 datetime(6),
  c_timestamp timestamp null, c_timestamp3 timestamp(3) null, c_timestamp6 timestamp(6) null,
  c_year year,
  c_char char(4), c_varchar varchar(32), c_text text, c_mediumtext mediumtext, c_longtext longtext,
  c_binary binary(4), c_varbinary varbinary(16), c_blob blob, c_longblob longblob,
  c_enum enum('small','medium','large'), c_set set('red','green','blue'),
  c_json json,
  c_geometry geometry, c_point point, c_linestring linestring, c_polygon polygon,
  c_multipoint multipoint, c_geomcollection geometrycollection
);
create table tiny (id int primary key, note varchar(32));

insert into customers (id, email, name) values
  (1, 'ada@example.com', 'Ada'), (2, 'bob@example.com', 'Bob'), (3, 'cy@example.com', null);
insert into types values (
  18446744073709551615,
  -128, 1, -32768, -8388608, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
  1.5, 2.718281828459045,
  1234567.891, 12345678901234567890123456789012345.123456789012345678901234567890,
  b'1', b'101010101010', b'1111111111111111111111111111111111111111111111111111111111111111',
  true,
  '2024-02-29', '-838:59:59', '12:34:56.789', '23:59:59.999999',
  '1000-01-01 00:00:00', '2024-02-29 12:34:56.789', '9999-12-31 23:59:59.999999',
  '1970-01-01 00:00:01', '2038-01-19 03:14:07.999', '2024-02-29 12:34:56.123456',
  2155,
  'ab', 'héllo wörld', repeat('t', 100), 'medium', 'long',
  x'00ff10', x'deadbeef', x'00010203', x'',
  'medium', 'red,blue',
  '{"a": [1, 2.5, "x", null, true], "b": {"c": 18446744073709551615}}',
  ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(3.5 -4.25)'),
  ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)'),
  ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))'),
  ST_GeomFromText('MULTIPOINT(1 1, 2 2)'),
  ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 1 1))')
);
insert into types (id) values (0);
insert into tiny values (1, 'one');
