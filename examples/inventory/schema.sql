-- The demo `inventory` database: a small shop. Loaded once by scripts/demo.sh.
create table customers (
  id          serial primary key,
  first_name  text not null,
  last_name   text not null,
  email       text not null unique,
  city        text,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

create table products (
  id          serial primary key,
  sku         text not null unique,
  name        text not null,
  description text,
  price       numeric(10,2) not null check (price >= 0),
  stock       int not null default 0,
  updated_at  timestamptz not null default now()
);

create table orders (
  id          serial primary key,
  customer_id int not null references customers(id) on delete cascade,
  status      text not null default 'new' check (status in ('new','paid','shipped','delivered','cancelled')),
  total       numeric(12,2) not null default 0,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

create table order_items (
  order_id    int not null references orders(id) on delete cascade,
  line        int not null,
  product_id  int not null references products(id),
  quantity    int not null check (quantity > 0),
  unit_price  numeric(10,2) not null,
  primary key (order_id, line)
);

-- Deletes and updates carry the whole old row, so downstream routes can invalidate old keys.
alter table customers replica identity full;
alter table products replica identity full;
alter table orders replica identity full;
alter table order_items replica identity full;

insert into customers (first_name, last_name, email, city)
select f, l, lower(f) || '.' || lower(l) || n || '@example.com', c
from (select n,
             (array['Ada','Alan','Grace','Edsger','Barbara','Donald','Frances','Ken','Margaret','Linus',
                    'Radia','Tim','Katherine','John','Hedy','Dennis'])[1 + n % 16] as f,
             (array['Lovelace','Turing','Hopper','Dijkstra','Liskov','Knuth','Allen','Thompson','Hamilton',
                    'Torvalds','Perlman','Berners-Lee','Johnson','Backus','Lamarr','Ritchie'])[1 + (n * 7) % 16] as l,
             (array['Zürich','Lisbon','Osaka','Austin','Nairobi','Oslo','Recife','Krakow'])[1 + n % 8] as c
      from generate_series(1, 200) as n) s;

insert into products (sku, name, description, price, stock)
select 'SKU-' || lpad(n::text, 5, '0'),
       (array['Mechanical keyboard','USB-C hub','27" monitor','Laptop stand','Noise-cancelling headphones',
              'Webcam','Desk lamp','Ergonomic mouse','Standing desk','Cable organiser'])[1 + n % 10] || ' ' || n,
       'Demo product number ' || n,
       round((5 + random() * 495)::numeric, 2),
       (random() * 500)::int
from generate_series(1, 100) as n;

insert into orders (customer_id, status, created_at)
select 1 + (random() * 199)::int,
       (array['new','paid','shipped','delivered'])[1 + (random() * 3)::int],
       now() - (random() * interval '30 days')
from generate_series(1, 500);

insert into order_items (order_id, line, product_id, quantity, unit_price)
select o.id, l, p.id, 1 + (random() * 3)::int, p.price
from orders o
cross join generate_series(1, 3) as l
join products p on p.id = 1 + ((o.id * 13 + l * 7) % 100);

update orders o set total = s.total
from (select order_id, sum(quantity * unit_price) as total from order_items group by order_id) s
where o.id = s.order_id;
