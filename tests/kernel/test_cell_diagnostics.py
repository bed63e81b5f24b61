"""The cell object carries ``mutates-foreign`` diagnostics (PROTOCOL.md section 9),
and they follow the defining cell as cells are created, edited and deleted."""

from __future__ import annotations

from harness import KernelHarness


def _diag(cell: dict) -> list[tuple[str, list[str]]]:  # type: ignore[type-arg]
    return [(d["code"], d["names"]) for d in cell["diagnostics"]]


def test_cell_object_carries_the_diagnostic(kernel: KernelHarness, uid: str) -> None:
    owner, mut = f"own{uid}", f"mut{uid}"
    name = f"items_{uid}"
    kernel.create(owner, f"{name} = []")
    r = kernel.create(mut, f"{name}.append(1)\nlen({name})")
    (created,) = r.of("cell_created")
    assert _diag(created["cell"]) == [("mutates-foreign", [name])]
    message = created["cell"]["diagnostics"][0]["message"]
    assert name in message and f"cell {owner}" in message and "move the mutation" in message

    r = kernel.comm("run", cell_id=mut)  # a warning never blocks the cell
    assert kernel.cells()[mut]["status"] == "success"
    assert _diag(kernel.cells()[mut]) == [("mutates-foreign", [name])]
    assert kernel.cells()[owner]["diagnostics"] == []

    # the owner stops defining the name: the warning goes, and the event says so
    r = kernel.comm("register", cell_id=owner, code=f"other_{uid} = 1")
    entries = {s["cell_id"]: s for s in r.of("cell_updated")[0]["statuses"]}
    assert entries[mut]["diagnostics"] == []
    assert kernel.cells()[mut]["diagnostics"] == []

    # a new definer of the name: the warning comes back naming it
    second = f"sec{uid}"
    r = kernel.create(second, f"{name} = [0]")
    entries = {s["cell_id"]: s for s in r.of("cell_created")[0]["statuses"]}
    assert entries[mut]["diagnostics"][0]["names"] == [name]
    assert f"cell {second}" in entries[mut]["diagnostics"][0]["message"]

    # deleting the definer clears it again
    r = kernel.comm("delete", cell_id=second)
    entries = {s["cell_id"]: s for s in r.of("cell_deleted")[0]["statuses"]}
    assert entries[mut]["diagnostics"] == []


def test_no_diagnostic_for_own_names_or_modules(kernel: KernelHarness, uid: str) -> None:
    kernel.create(f"imp{uid}", f"import collections as coll_{uid}\ntext_{uid} = 'abc'")
    r = kernel.create(
        f"use{uid}",
        f"mine_{uid} = []\nmine_{uid}.append(1)\ncoll_{uid}.OrderedDict().update()\n"
        f"up_{uid} = text_{uid}.upper()",
    )
    assert r.of("cell_created")[0]["cell"]["diagnostics"] == []


def test_execute_with_cell_id_carries_diagnostics(kernel: KernelHarness, uid: str) -> None:
    kernel.execute(f"d_{uid} = {{}}", cell_id=f"la{uid}")
    kernel.execute(f"d_{uid}['k'] = 1", cell_id=f"lb{uid}")
    cell = kernel.cells()[f"lb{uid}"]
    assert _diag(cell) == [("mutates-foreign", [f"d_{uid}"])]
