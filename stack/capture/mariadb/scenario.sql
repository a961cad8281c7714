-- Streamed from the binlog after the snapshot (stack/capture.sh mariadb).
insert into customers (id, email, name) values (4, 'dee@example.com', 'Dee');
update customers set name = 'Ada Lovelace' where id = 1;
update customers set email = 'bob@example.org' where id = 2;
delete from customers where id = 3;
-- primary-key change: Debezium emits d + tombstone + c
update customers set id = 40 where id = 4;
-- a multi-row statement: one binlog event, several rows (source.row 0, 1, 2)
insert into tiny values (2, 'two'), (3, 'three'), (4, 'four');
update tiny set note = concat(note, '!') where id in (2, 3, 4);
-- a transaction with two tables
begin;
insert into customers (id, email, name) values (5, 'eve@example.com', 'Eve');
update types set c_int = 42, c_json = '[]', c_enum = 'large', c_set = '', c_blob = x'0a0b0c', c_longblob = x'ff00',
  c_time = '100:00:00.5', c_datetime6 = '2024-02-29 12:34:56.000001', c_year = 1901 where id = 0;
commit;
-- binlog rotation between two changes
flush binary logs;
update tiny set note = 'after rotation' where id = 1;
delete from types where id = 0;
-- stack/capture.sh then restarts the server (a new binlog file) and runs after-restart.sql.
