-- stack/capture.sh: runs in database 'capture' AFTER both connectors finished their snapshot
-- (streamed events). One statement = one transaction unless marked otherwise.

-- inserts: two rows in ONE transaction (same source.txId), one with most columns null
begin;
insert into public.customers (first_name, last_name, email, balance, born, notes, profile)
  values ('Barbara', 'Liskov', 'barbara@example.com', 99999999.99, '1939-11-07', 'max numeric(10,2)', '[1, "two", {"three": 3}]');
insert into public.customers (first_name) values ('Niklaus');
commit;

-- plain update (default replica identity: before = null)
update public.customers set balance = balance + 100, notes = 'balance raised' where id = 1;

-- update that changes the unique email
update public.customers set email = 'ada.lovelace@example.org' where id = 1;

-- delete -> d + tombstone
delete from public.customers where id = 4;

-- primary-key change -> d (old key) + tombstone + c (new key), headers __debezium.oldkey / __debezium.newkey
update public.customers set id = 102 where id = 2;

-- TOAST: a new big row (full payload in the c event) ...
insert into public.big (id, payload)
  select 2, string_agg(md5(i::text || random()::text), '') from generate_series(1, 500) as i;
-- ... then an update that leaves payload untouched -> payload = "__debezium_unavailable_value"
update public.big set rev = rev + 1;

-- REPLICA IDENTITY FULL: update and delete with the full before image
update public.tiny set label = 'uno' where id = 1;
delete from public.tiny where id = 2;

-- truncate -> op t (skipped.operations=none)
truncate public.tiny;

-- sentinel: capture.sh waits for this row in both prefixes before dumping
insert into public.tiny values (999, 'end-of-capture');
