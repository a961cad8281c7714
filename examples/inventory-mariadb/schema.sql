-- The demo `inventory` database on MariaDB (`make demo SOURCE=mariadb`): the same small shop as
-- examples/inventory/schema.sql. Loaded once by scripts/demo.sh. Row images are FULL (the stack's
-- my.cnf), so deletes and updates carry the whole old row, as REPLICA IDENTITY FULL does there.
create table customers (
  id          int auto_increment primary key,
  first_name  varchar(100) not null,
  last_name   varchar(100) not null,
  email       varchar(200) not null unique,
  city        varchar(100),
  created_at  timestamp(6) not null default current_timestamp(6),
  updated_at  timestamp(6) not null default current_timestamp(6)
) engine = InnoDB default charset = utf8mb4;

create table products (
  id          int auto_increment primary key,
  sku         varchar(20) not null unique,
  name        varchar(200) not null,
  description text,
  price       decimal(10,2) not null check (price >= 0),
  stock       int not null default 0,
  updated_at  timestamp(6) not null default current_timestamp(6)
) engine = InnoDB default charset = utf8mb4;

-- No foreign keys: InnoDB's cascades are not in the binlog, so Debezium would not see them;
-- changes.sql deletes an order's items itself.
create table orders (
  id          int auto_increment primary key,
  customer_id int not null,
  status      enum('new','paid','shipped','delivered','cancelled') not null default 'new',
  total       decimal(12,2) not null default 0,
  created_at  timestamp(6) not null default current_timestamp(6),
  updated_at  timestamp(6) not null default current_timestamp(6)
) engine = InnoDB default charset = utf8mb4;

create table order_items (
  order_id    int not null,
  line        int not null,
  product_id  int not null,
  quantity    int not null check (quantity > 0),
  unit_price  decimal(10,2) not null,
  primary key (order_id, line)
) engine = InnoDB default charset = utf8mb4;

insert into customers (first_name, last_name, email, city)
with recursive n(n) as (select 1 union all select n + 1 from n where n < 200),
s as (select n,
             elt(1 + n % 16, 'Ada','Alan','Grace','Edsger','Barbara','Donald','Frances','Ken','Margaret','Linus',
                 'Radia','Tim','Katherine','John','Hedy','Dennis') as f,
             elt(1 + (n * 7) % 16, 'Lovelace','Turing','Hopper','Dijkstra','Liskov','Knuth','Allen','Thompson',
                 'Hamilton','Torvalds','Perlman','Berners-Lee','Johnson','Backus','Lamarr','Ritchie') as l,
             elt(1 + n % 8, 'Zürich','Lisbon','Osaka','Austin','Nairobi','Oslo','Recife','Krakow') as c
      from n)
select f, l, concat(lower(f), '.', lower(l), n, '@example.com'), c from s;

insert into products (sku, name, description, price, stock)
with recursive n(n) as (select 1 union all select n + 1 from n where n < 100)
select concat('SKU-', lpad(n, 5, '0')),
       concat(elt(1 + n % 10, 'Mechanical keyboard','USB-C hub','27" monitor','Laptop stand',
                  'Noise-cancelling headphones','Webcam','Desk lamp','Ergonomic mouse','Standing desk',
                  'Cable organiser'), ' ', n),
       concat('Demo product number ', n),
       round(5 + rand() * 495, 2),
       floor(rand() * 500)
from n;

insert into orders (customer_id, status, created_at)
with recursive n(n) as (select 1 union all select n + 1 from n where n < 500)
select 1 + floor(rand() * 200), elt(1 + floor(rand() * 4), 'new','paid','shipped','delivered'),
       now(6) - interval floor(rand() * 30 * 86400) second
from n;

insert into order_items (order_id, line, product_id, quantity, unit_price)
select o.id, l.l, p.id, 1 + floor(rand() * 3), p.price
from orders o
cross join (select 1 as l union all select 2 union all select 3) l
join products p on p.id = 1 + ((o.id * 13 + l.l * 7) % 100);

update orders o join (select order_id, sum(quantity * unit_price) as total from order_items group by order_id) s
  on o.id = s.order_id
set o.total = s.total;
