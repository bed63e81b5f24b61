"""Parsing of the panel requests (``variables``, ``table_page``): table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from reactive_kernel.core.inspect_requests import TablePage, Variables
from reactive_kernel.core.notebook import OpError
from reactive_kernel.core.protocol import parse_request


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"op": "variables"}, Variables(None, None)),
        ({"op": "variables", "subscribe": True, "req": 3}, Variables(3, True)),
        ({"op": "table_page", "name": "t"}, TablePage(None, "t", 0, 50, None, False)),
        (
            {"op": "table_page", "name": "t", "offset": 40, "limit": 20, "sort": {"column": "a"}},
            TablePage(None, "t", 40, 20, "a", False),
        ),
        (
            {"op": "table_page", "name": "t", "sort": {"column": "a", "descending": True}},
            TablePage(None, "t", 0, 50, "a", True),
        ),
    ],
)
def test_valid(data: dict[str, Any], expected: object) -> None:
    assert parse_request(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        {"op": "variables", "subscribe": 1},
        {"op": "table_page"},
        {"op": "table_page", "name": ""},
        {"op": "table_page", "name": "t", "offset": -1},
        {"op": "table_page", "name": "t", "offset": True},
        {"op": "table_page", "name": "t", "limit": "10"},
        {"op": "table_page", "name": "t", "sort": "a"},
        {"op": "table_page", "name": "t", "sort": {"column": 3}},
    ],
)
def test_invalid_is_a_clear_bad_request(data: dict[str, Any]) -> None:
    with pytest.raises(OpError) as info:
        parse_request(data)
    assert info.value.code == "bad_request"
    assert info.value.message.endswith(".")
