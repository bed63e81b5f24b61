"""The invariant against an independent oracle, over random operation sequences.

Each sequence (seeded) creates cells from a pool (redefinitions, cycles, ``del``,
builtin shadowing, ``_private`` names, imports, functions reading globals,
errors, drafts that do not parse, SQL cells), then edits, runs, deletes and moves
them at random. The kernel is checked against a fresh run computed by
``tests/oracle.py``:

- at the end of the sequence, every ``success`` cell shows what the fresh run
  shows, and no name is bound that no current cell defines;
- after ``run_all``, every cell's status, every success cell's output and the
  whole namespace equal the fresh run's;
- after deleting every cell, no name of the pool is left.

Half of the sequences also switch lazy mode on and off, disable and enable
cells and turn their result cache on and off (PROTOCOL.md section 8): disabled
cells and their descendants must show ``disabled`` and bind nothing, and with
the cache on, cells restored from it must still equal the fresh run.

A failing sequence is minimized (ops removed while it still fails) and reported
with its seed. ``REACTIVE_ORACLE_SEQUENCES`` sets how many sequences run (300 by
default, spread over shards that run in parallel); ``REACTIVE_ORACLE_SEED``
replays one.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator

import pytest
from harness import KernelHarness, start_kernel, stop_kernel
from oracle import (
    FINGERPRINT_EXPR,
    PY_NAMES,
    PYTHON_POOL,
    SQL_POOL,
    Op,
    Reference,
    random_ops,
)

SEQUENCES = int(os.environ.get("REACTIVE_ORACLE_SEQUENCES", "300"))
SHARDS = 6
ONE_SEED = os.environ.get("REACTIVE_ORACLE_SEED")


@pytest.fixture(scope="module")
def oracle_kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KernelHarness]:
    data = tmp_path_factory.mktemp("oracle-data")  # the result cache's signing key
    km, kc = start_kernel(env={**os.environ, "JUPYTER_DATA_DIR": str(data)})
    try:
        yield KernelHarness(kc)
    finally:
        stop_kernel(km, kc)


class Mismatch(AssertionError):
    pass


def _text(outputs: list[dict[str, object]]) -> str:
    parts = []
    for o in outputs:
        if o.get("output_type") == "stream" and o.get("name") == "stdout":
            text = o.get("text", "")
            parts.append("".join(text) if isinstance(text, list) else str(text))
        elif o.get("output_type") == "display_data":  # a markdown cell's rendering
            data = o.get("data") or {}
            if isinstance(data, dict) and "text/markdown" in data:
                parts.append(str(data["text/markdown"]))
    return "".join(parts)


def _namespace(k: KernelHarness) -> dict[str, str]:
    value = k.value(FINGERPRINT_EXPR)
    assert isinstance(value, str) and value.startswith("{"), value
    # The repr of a dict of str -> str: evaluate it safely as JSON-ish text.
    import ast

    result = ast.literal_eval(value)
    assert isinstance(result, dict)
    return result


def _clear_namespace(k: KernelHarness) -> None:
    """Forcibly drop pool names (only after a failure, so the next sequence
    starts clean); an expression, so no cascade runs."""
    k.value(f"[globals().pop(n, None) for n in {PY_NAMES!r}]")


def run_sequence(k: KernelHarness, ops: list[Op], tag: str) -> None:
    """Run ``ops`` on the kernel and check it against the oracle; raises
    :class:`Mismatch` with what differs. Always deletes its cells."""
    ref = Reference()
    cid = lambda slot: f"{tag}-c{slot}"  # noqa: E731
    try:
        for op in ops:
            if op.kind != "run_all" and not ref.apply(op):
                continue
            pool = SQL_POOL if op.sql else PYTHON_POOL
            if op.kind == "create":
                snip = pool[op.snippet]
                args = {"cell_type": "sql", "name": snip.sql_name} if op.sql else {}
                if snip.markdown is not None:
                    args = {"cell_type": "markdown"}
                after = cid(op.after) if op.after is not None and ref.has(op.after) else None
                r = k.comm("create", cell_id=cid(op.slot), code=snip.code, after=after, **args)
            elif op.kind == "register":
                snip = pool[op.snippet]
                args = {"name": snip.sql_name} if op.sql and snip.sql_name else {}
                if not op.sql:  # python and markdown snippets share a slot: switch types
                    args = {"cell_type": "markdown" if snip.markdown else "python"}
                r = k.comm("register", cell_id=cid(op.slot), code=snip.code, run=op.run, **args)
            elif op.kind == "run":
                r = k.comm("run", cell_id=cid(op.slot))
            elif op.kind == "run_all":
                r = k.comm("run_all")
            elif op.kind == "delete":
                r = k.comm("delete", cell_id=cid(op.slot))
            elif op.kind == "mode":
                r = k.comm("configure", mode="lazy" if op.run else "auto")
            elif op.kind in ("disable", "cache"):
                flag = "disabled" if op.kind == "disable" else "cache"
                r = k.comm("configure_cell", cell_id=cid(op.slot), **{flag: op.run})
            else:
                after = cid(op.after) if op.after is not None and ref.has(op.after) else None
                r = k.comm("move", cell_id=cid(op.slot), after=after)
            if not (r.reply and r.reply["ok"]):
                raise Mismatch(f"{op!r} was refused: {r.reply}")
        check(k, ref, cid, after_run_all=False)
        r = k.comm("run_all")
        if not (r.reply and r.reply["ok"]):
            raise Mismatch(f"run_all was refused: {r.reply}")
        check(k, ref, cid, after_run_all=True)
    finally:
        k.comm("configure", mode="auto")
        for cell in ref.cells:
            k.comm("delete", cell_id=cid(cell.slot))
    left = _namespace(k)
    if left:
        _clear_namespace(k)
        raise Mismatch(f"after deleting every cell these names are still bound: {left}")


def check(k: KernelHarness, ref: Reference, cid: object, after_run_all: bool) -> None:
    fresh = ref.fresh_run()
    cells = k.cells()
    when = "after run_all" if after_run_all else "at the end of the sequence"
    for c in ref.cells:
        kc = cells[cid(c.slot)]  # type: ignore[operator]
        want = fresh.status[c.slot]
        got = kc["status"]
        if (got == "disabled") != (want == "disabled"):
            raise Mismatch(f"{when}: c{c.slot} is {got}, a fresh run gives {want}")
        if got == "success":
            if want != "success":
                raise Mismatch(
                    f"{when}: c{c.slot} is success ({_text(kc['outputs'])!r}) "
                    f"but a fresh run gives {want}"
                )
            if _text(kc["outputs"]) != fresh.output[c.slot]:
                raise Mismatch(
                    f"{when}: c{c.slot} shows {_text(kc['outputs'])!r}, "
                    f"a fresh run {fresh.output[c.slot]!r}"
                )
        if after_run_all:
            expected = {"success": "success", "blocked": "blocked", "disabled": "disabled"}.get(
                want, "error"
            )
            if got != expected:
                raise Mismatch(f"{when}: c{c.slot} is {got}, a fresh run gives {want}")
    ns = _namespace(k)
    defined = {n for c in ref.cells for n in c.writes}
    stray = sorted(set(ns) - defined)
    if stray:
        raise Mismatch(f"{when}: {stray} bound though no current cell defines them")
    if after_run_all and ns != fresh.namespace:
        raise Mismatch(f"{when}: namespace {ns} differs from a fresh run's {fresh.namespace}")


def minimize(k: KernelHarness, ops: list[Op], tag: str) -> tuple[list[Op], str]:
    """Drop ops while the sequence still fails (greedy, one pass per size)."""
    current, reason = ops, ""
    attempt = 0
    chunk = max(1, len(current) // 2)
    while chunk >= 1:
        i = 0
        while i < len(current):
            candidate = current[:i] + current[i + chunk :]
            attempt += 1
            try:
                run_sequence(k, candidate, f"{tag}m{attempt}")
            except Mismatch as exc:
                current, reason = candidate, str(exc)
                continue
            i += chunk
        chunk //= 2
    return current, reason


def seeds_for(shard: int) -> list[int]:
    if ONE_SEED is not None:
        return [int(ONE_SEED)] if shard == 0 else []
    return list(range(shard, SEQUENCES, SHARDS))


@pytest.mark.timeout(0)
@pytest.mark.parametrize("shard", range(SHARDS))
def test_random_sequences_equal_a_fresh_run(oracle_kernel: KernelHarness, shard: int) -> None:
    k = oracle_kernel
    for seed in seeds_for(shard):
        ops = random_ops(random.Random(seed))
        try:
            run_sequence(k, ops, f"s{seed}")
        except Mismatch as exc:
            small, reason = minimize(k, ops, f"s{seed}")
            pytest.fail(
                f"seed {seed} (REACTIVE_ORACLE_SEED={seed}): {exc}\n"
                f"minimal ops ({len(small)} of {len(ops)}): {small}\n"
                f"minimal failure: {reason}",
                pytrace=False,
            )


def test_oracle_pool_covers_the_issue() -> None:
    """The pool has what the invariant is hardest on (a guard against a pool
    that quietly loses its difficult cases)."""
    codes = "\n".join(s.code for s in PYTHON_POOL + SQL_POOL)
    for needle in ("del a", "len = ", "_p", "import math", "def f", "1 / 0", "(5", "CREATE TABLE"):
        assert needle in codes
    assert json.dumps([repr(o) for o in random_ops(random.Random(1))])
