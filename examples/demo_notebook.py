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
# Cells run in the order of what they **read** and **write**, not where they
# stand. Change `min_qty` below (then Shift-Enter) and only the cells that
# depend on it re-run: the SQL query, the totals and the summary at the end.
#
# - SQL cells run on the embedded SQLite database; `:min_qty` binds a Python value.
# - Markdown cells can show values: write `{name}` or `{name:.2f}`.
# - Double-click (or Enter on) a markdown cell to edit it; Shift-Enter renders it.
#
# In a terminal: `python -m reactive_kernel run examples/demo_notebook.py`.

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

# %% [markdown] id="summary"
# ## Summary
#
# With a minimum of **{min_qty}** per fruit, {items} items cost
# **{total:.2f}** plus VAT at {vat_rate:.0%}: **{total + vat:.2f}** in all.
