"""Cell options and the mode in percent files: ``disabled="true"``/``cache="true"``
in the ``# %%`` marker, ``reactive: {mode: lazy}`` in the header, exact round trip."""

from __future__ import annotations

import pytest

from reactive_kernel.core.nbformat_percent import (
    FormatError,
    NotebookCell,
    NotebookDoc,
    dumps,
    loads,
)

DOC = NotebookDoc(
    (
        NotebookCell("a", "python", "x = 1", disabled=True),
        NotebookCell("b", "sql", "SELECT 1", "df", cache=True),
        NotebookCell("c", "python", "y = 2\n\n", disabled=True, cache=True),
        NotebookCell("d", "python", "# text", markdown=True),
    ),
    {"mode": "lazy"},
)


def test_options_and_mode_round_trip_exactly() -> None:
    text = dumps(DOC)
    assert '# %% id="a" disabled="true"\n' in text
    assert '# %% id="b" cache="true"\n%%sql df\nSELECT 1\n' in text
    assert "#   reactive:\n#     mode: lazy\n" in text
    assert loads(text) == DOC
    assert dumps(loads(text)) == text


def test_options_off_are_not_written() -> None:
    text = dumps(NotebookDoc((NotebookCell("a", "python", "x = 1"),), {}))
    assert "disabled" not in text and "cache" not in text


@pytest.mark.parametrize(
    "marker,disabled,cache",
    [
        ('id="a" disabled=true', True, False),
        ('id="a" cache="false" disabled="True"', True, False),
        ('{"id": "a", "cache": true}', False, True),
    ],
)
def test_hand_written_options(marker: str, disabled: bool, cache: bool) -> None:
    cell = loads(f"# %% {marker}\nx = 1\n").cells[0]
    assert (cell.disabled, cell.cache) == (disabled, cache)


def test_bad_option_value_is_a_clear_error() -> None:
    with pytest.raises(FormatError) as err:
        loads('# %% id="a" cache="yes"\nx = 1\n')
    assert err.value.line == 1 and "'cache'" in str(err.value)
