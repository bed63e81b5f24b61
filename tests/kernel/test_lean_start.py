"""A kernel loads the SQL machinery only when a notebook uses SQL.

SQLAlchemy and sqlglot (with a connection to the embedded database) were half
of a kernel's start-up time and memory; a notebook without SQL never needs them.
"""

from __future__ import annotations

from typing import Any

SQL_MODULES = "sorted(m for m in ('sqlalchemy', 'sqlglot') if m in __import__('sys').modules)"


def test_sql_machinery_loads_on_first_use(fresh_kernel: Any) -> None:
    k = fresh_kernel
    assert k.value(SQL_MODULES) == "[]"
    snapshot = k.snapshot()  # what a front end asks first: no SQL needed to answer
    assert snapshot["database"] == "sqlite://"
    k.create("py", "n = 3")
    k.comm("run", cell_id="py")
    assert k.value(SQL_MODULES) == "[]"
    r = k.comm("create", cell_id="q", cell_type="sql", code="SELECT :n AS v", name="t")
    assert r.reply is not None and r.reply["ok"], r.reply
    assert k.value(SQL_MODULES) == "['sqlglot']"  # analysed, not yet run
    k.comm("run", cell_id="q")
    assert k.cells()["q"]["status"] == "success"
    assert k.value("int(t['v'][0]) if hasattr(t, '__getitem__') else t") == "3"
    assert k.value(SQL_MODULES) == "['sqlalchemy', 'sqlglot']"


def test_networkx_loads_with_the_first_cell(fresh_kernel: Any) -> None:
    k = fresh_kernel
    loaded = "'networkx' in __import__('sys').modules"
    assert k.value(loaded) == "False"
    k.create("g0", "g0 = 1")
    k.create("g1", "g1 = g0 + 1")
    k.comm("run", cell_id="g0")
    assert k.value("g1") == "2"
    assert k.value(loaded) == "True"
