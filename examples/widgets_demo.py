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
# # Widgets drive the notebook
#
# Move the slider or pick a region: the cells that read them re-run, and only
# those. The SQL query takes both as bind parameters (`:min_qty`, `:region`);
# the table and the chart below follow. Needs `reactive-kernel[widgets]`.
#
#     make run     # then open widgets_demo.py in the web notebook

# %% id="orders" type="sql"
CREATE TABLE orders (fruit TEXT, region TEXT, qty INTEGER);
INSERT INTO orders VALUES
  ('apple', 'north', 3), ('pear', 'south', 5), ('plum', 'north', 1),
  ('apple', 'south', 2), ('kiwi', 'south', 1), ('pear', 'north', 4),
  ('plum', 'south', 6), ('kiwi', 'north', 2);

# %% id="controls"
import ipywidgets as widgets

min_qty_slider = widgets.IntSlider(value=2, min=1, max=10, description="min qty")
region_pick = widgets.Dropdown(options=["all", "north", "south"], value="all", description="region")
widgets.VBox([min_qty_slider, region_pick])

# %% id="params"
min_qty = min_qty_slider.value
region = region_pick.value
print(f"fruit with at least {min_qty} sold, region: {region}")

# %% id="by_fruit" type="sql" name="by_fruit"
SELECT fruit, SUM(qty) AS qty
FROM orders
WHERE :region = 'all' OR region = :region
GROUP BY fruit
HAVING SUM(qty) >= :min_qty
ORDER BY fruit

# %% id="chart"
from IPython.display import SVG


def bar_chart(labels, values, width=360, bar=22):
    """A horizontal bar chart as SVG (no plotting library needed)."""
    top = max(values, default=0) or 1
    rows = []
    for i, (label, value) in enumerate(zip(labels, values)):
        y = i * (bar + 6)
        w = (width - 110) * value / top
        rows.append(
            f'<text x="0" y="{y + 16}" font-size="13">{label}</text>'
            f'<rect x="60" y="{y}" width="{w:.0f}" height="{bar}" fill="#4c78a8"/>'
            f'<text x="{66 + w:.0f}" y="{y + 16}" font-size="13">{value}</text>'
        )
    height = max(len(rows), 1) * (bar + 6)
    body = "".join(rows) or '<text x="0" y="16" font-size="13">no fruit left</text>'
    return SVG(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">{body}</svg>')


bar_chart(list(by_fruit["fruit"]), list(by_fruit["qty"]))
