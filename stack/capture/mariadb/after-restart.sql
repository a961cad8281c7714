-- Streamed after stack/capture.sh restarted MariaDB: the server opened a new binlog file, and the
-- connector reconnected by itself.
update tiny set note = 'after restart' where id = 1;
-- sentinel: the capture waits for it
insert into tiny values (999, 'sentinel');
