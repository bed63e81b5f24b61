"""The lazy engine answers like the real one, and becomes it on first use."""

from __future__ import annotations

import pytest

from reactive_kernel.runtime.sql import SqlEngine
from reactive_kernel.runtime.sql_lazy import LazySqlEngine, SqlError


def test_defaults_match_the_real_engine_without_connecting() -> None:
    lazy, real = LazySqlEngine(), SqlEngine()
    try:
        assert (lazy.masked_url, lazy.dialect, lazy.is_embedded) == (
            real.masked_url,
            real.dialect,
            real.is_embedded,
        )
        assert lazy.drop_tables(["table:t"]) == []
        assert not lazy.connected
    finally:
        real.close()


def test_first_use_connects_and_a_bad_switch_keeps_the_default() -> None:
    lazy = LazySqlEngine()
    with pytest.raises(SqlError):
        lazy.switch("nosuchdialect://x")
    assert lazy.masked_url == "sqlite://"
    lazy.switch("sqlite://")
    assert lazy.connected and lazy.dialect == "sqlite"
    lazy.run("CREATE TABLE t (x INTEGER)", {})
    assert lazy.drop_tables(["table:t"]) == ["table:t"]
    lazy.close()
