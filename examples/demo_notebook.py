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
# Each `# %%` line starts a cell; `id="..."` names it. The kernel orders the
# cells by what they read and write, so `report` could sit at the top and
# still run last. Run it headless:
#
#     python -m reactive_kernel run examples/demo_notebook.py
#
# Open it in JupyterLab through jupytext, or convert it:
#
#     python -m reactive_kernel convert examples/demo_notebook.py demo.ipynb
#
# SQL cells will fit in as `# %% id="by_fruit" type="sql" name="by_fruit"`
# cells once the kernel supports them; `orders` is kept as plain rows so that a
# query can take over the aggregation later.

# %% id="orders"
orders = [
    {"fruit": "apple", "qty": 3},
    {"fruit": "pear", "qty": 5},
    {"fruit": "plum", "qty": 1},
    {"fruit": "apple", "qty": 2},
]
len(orders)

# %% id="prices"
prices = {"apple": 1.20, "pear": 0.90, "plum": 2.50}

# %% id="by_fruit"
by_fruit = {}
for _row in orders:
    by_fruit[_row["fruit"]] = by_fruit.get(_row["fruit"], 0) + _row["qty"]
sorted(by_fruit.items())

# %% id="total"
total = round(sum(prices[fruit] * qty for fruit, qty in by_fruit.items()), 2)
print(f"total: {total:.2f}")

# %% id="vat"
vat_rate = 0.2
vat = round(total * vat_rate, 2)
print(f"VAT at {vat_rate:.0%}: {vat:.2f}")

# %% id="report"
print(f"{sum(by_fruit.values())} items, total {total:.2f} + VAT {vat:.2f} = {total + vat:.2f}")
