-- make proof --source mariadb: the source tables in the run's MariaDB database (run.sh creates the
-- database and feeds this file to the mariadb client). Row images are FULL (stack's my.cnf), so
-- every update and delete carries the whole old row.
-- items: the scalar types the proof checks, a long text column (2.5-6 kB), JSON (a LONGTEXT with a
-- json_valid check in MariaDB), binary, DATETIME(6).
create table items (
  id     int primary key,
  name   varchar(200) not null,
  qty    int,
  price  decimal(12,2),
  big    longtext,
  ts     datetime(6),
  doc    json,
  meta   json,
  bin    varbinary(64),
  uid    char(36),
  flag   varchar(8),
  rev    int not null default 0
) engine = InnoDB default charset = utf8mb4;

-- misc: MySQL's own kinds of values: ENUM, SET, DATE, DOUBLE, BIT(1), TINYINT.
create table misc (
  id     int primary key,
  kind   enum('small','medium','large'),
  opts   set('red','green','blue'),
  d      date,
  f      double,
  active bit(1),
  tiny   tinyint,
  note   varchar(100),
  rev    int not null default 0
) engine = InnoDB default charset = utf8mb4;

-- marker: written once at the end; when it reaches Kafka, every change before it has. Not routed.
create table marker (id int primary key, v bigint not null) engine = InnoDB;
