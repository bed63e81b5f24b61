# ---
# jupyter:
#   jupytext:
#     comment_magics: false
#   kernelspec:
#     display_name: Python 3 (reactive)
#     language: python
#     name: reactive
# ---

# %% [markdown] id="intro"
# # A small reactive notebook
#
# Each `# %%` line starts a cell; `id="..."` names it. The kernel orders cells
# by what they read and write, not by where they stand: change `min_qty` and
# only the cells below it in the dataflow re-run. SQL cells run on the
# embedded SQLite database; `:min_qty` is a Python value bound into the query.
#
#     python -m reactive_kernel run examples/demo_notebook.py
#     python -m reactive_kernel convert examples/demo_notebook.py demo.ipynb

# %% id="orders"
%%sql
CREATE TABLE orders (fruit TEXT, qty INTEGER);
INSERT INTO orders VALUES
  ('apple', 3), ('pear', 5), ('plum', 1), ('apple', 2), ('kiwi', 1);

# %% id="min_qty"
min_qty = 2

# %% id="by_fruit"
%%sql by_fruit
SELECT fruit, SUM(qty) AS qty
FROM orders
GROUP BY fruit
HAVING SUM(qty) >= :min_qty
ORDER BY fruit

# %% id="prices"
prices = {"apple": 1.20, "pear": 0.90, "plum": 2.50, "kiwi": 0.60}

# %% id="total"
quantities = dict(zip(by_fruit["fruit"], by_fruit["qty"]))
total = round(sum(prices[f] * q for f, q in quantities.items()), 2)
print(f"total: {total:.2f}")

# %% id="vat"
vat_rate = 0.2
vat = round(total * vat_rate, 2)
vat

# %% id="report"
items = sum(quantities.values())
print(f"{items} items, total {total:.2f} + VAT {vat:.2f} = {total + vat:.2f}")
