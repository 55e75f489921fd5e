"""List every customer, inactive ones included, paged 1000 at a time.

QBO returns only active name-list objects unless the query filters on Active, so a plain
"select * from Customer" silently leaves out the inactive ones.
"""

from _client import connect

from qbo.query import col, select

with connect() as qb:
    every = select("Customer").where(col("Active").in_([True, False])).order_by(col("Id"))
    count = 0
    for customer in qb.customers.iter(every):  # pages of 1000 until the last one
        count += 1
        state = "" if customer.Active else " (inactive)"
        print(f"{customer.Id:>6}  {customer.DisplayName}{state}  balance {customer.Balance:,.2f}")
    print(f"{count} customers")
