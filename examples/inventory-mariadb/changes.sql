-- One tick of the demo's change generator on MariaDB (scripts/demo.sh SOURCE=mariadb runs it in a
-- loop): a new customer, an order with items, price and stock updates, an order moving on, an
-- e-mail change, and now and then a new order cancelled and deleted (its items first).
start transaction;
insert into customers (first_name, last_name, email, city)
select f, 'Demo', concat(lower(f), '.', uuid_short(), '@example.com'), 'Oslo'
from (select elt(1 + floor(rand() * 6), 'Ada','Alan','Grace','Edsger','Barbara','Donald') as f) s;

insert into orders (customer_id, status) select id, 'new' from customers order by rand() limit 1;
set @order_id = last_insert_id();
set @p1 = 1 + floor(rand() * 100), @p2 = 1 + floor(rand() * 100);
insert into order_items (order_id, line, product_id, quantity, unit_price)
select @order_id, l.l, p.id, 1 + floor(rand() * 2), p.price
from (select 1 as l union all select 2) l
join products p on p.id = if(l.l = 1, @p1, @p2);
update orders set total = (select coalesce(sum(quantity * unit_price), 0) from order_items where order_id = @order_id)
where id = @order_id;
commit;

update products set price = round(price * (0.95 + rand() * 0.1), 2), stock = greatest(stock - 1, 0),
                    updated_at = now(6)
order by rand() limit 1;

update orders set status = case status when 'new' then 'paid' when 'paid' then 'shipped' else 'delivered' end,
                  updated_at = now(6)
where status not in ('delivered', 'cancelled')
order by rand() limit 1;

set @p = rand();
update customers set email = concat('moved.', id, '.', uuid_short(), '@example.org'), updated_at = now(6)
where @p < 0.3
order by rand() limit 1;

set @p = rand();
start transaction;
select id into @gone from orders where status = 'new' and @p < 0.2 order by rand() limit 1;
delete from order_items where order_id = @gone;
delete from orders where id = @gone;
commit;
set @gone = null;
