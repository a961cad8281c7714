-- One tick of the demo's change generator (scripts/demo.sh runs it in a loop): a new customer,
-- an order with items, price and stock updates, an order moving on, an e-mail change, and now and
-- then a cancelled order deleted and a customer deleted.
begin;
insert into customers (first_name, last_name, email, city)
select f, 'Demo', lower(f) || '.' || txid_current() || '.' || (random() * 1e6)::int || '@example.com', 'Oslo'
from (select (array['Ada','Alan','Grace','Edsger','Barbara','Donald'])[1 + (random() * 5)::int] as f) s;

with new_order as (
  insert into orders (customer_id, status)
  select id, 'new' from customers order by random() limit 1
  returning id
)
insert into order_items (order_id, line, product_id, quantity, unit_price)
select new_order.id, l, p.id, 1 + (random() * 2)::int, p.price
from new_order cross join generate_series(1, 2) as l
join lateral (select id, price from products order by random() limit 1) p on true;
commit;

update products set price = round(price * (0.95 + random() * 0.1)::numeric, 2),
                    stock = greatest(stock - 1, 0), updated_at = now()
where id = (select id from products order by random() limit 1);

update orders set status = case status when 'new' then 'paid' when 'paid' then 'shipped'
                                       else 'delivered' end, updated_at = now()
where id = (select id from orders where status <> 'delivered' and status <> 'cancelled'
            order by random() limit 1);

update customers set email = 'moved.' || id || '.' || (random() * 1e6)::int || '@example.org',
                     updated_at = now()
where id = (select id from customers order by random() limit 1) and random() < 0.3;

delete from orders where id = (select id from orders where status = 'new' order by random() limit 1)
  and random() < 0.2;
