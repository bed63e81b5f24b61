"""Client values quoted in error messages are bounded."""

from __future__ import annotations

import pytest

from reactive_kernel.core.quoting import QUOTE_LIMIT, quote, shorten


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ruby", "'ruby'"),
        ("", "''"),
        ("a\nb", "'a\\nb'"),
        ("x" * QUOTE_LIMIT, repr("x" * QUOTE_LIMIT)),
        ("x" * (QUOTE_LIMIT + 1), f"{'x' * QUOTE_LIMIT!r}… ({QUOTE_LIMIT + 1} characters)"),
        (5, "5"),
        (None, "None"),
        (list(range(100)), repr(list(range(100)))[:QUOTE_LIMIT] + "… (a list)"),
    ],
)
def test_quote(value: object, expected: str) -> None:
    assert quote(value) == expected


def test_quote_of_a_megabyte_is_short_and_one_line() -> None:
    text = quote("\n" * (1 << 20))
    assert len(text) < 200 and "\n" not in text and "1048576 characters" in text


def test_shorten() -> None:
    assert shorten("sqlite:///a.db") == "sqlite:///a.db"
    assert shorten("u" * 50, 10) == "uuuuuuuuuu… (50 characters)"
