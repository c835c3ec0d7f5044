"""Inputs that look like what users send, and inputs that look like nothing at all.

Structure-aware inputs start from a valid record and break it the way real
files break: a field with the wrong type, a huge or negative number, odd
unicode, a stray quote; then the file as a whole is truncated, re-encoded,
given a BOM or laced with binary.  Raw inputs are plain random bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

NASTY: tuple[str, ...] = (
    "",
    " ",
    "-1",
    "-0",
    "0",
    "1e309",
    "-1e309",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "9" * 400,
    "-" + "9" * 40,
    "1_000",
    "0x1F",
    "1,5",
    "36.2.1",
    "١٢",  # Arabic-Indic digits
    "²",
    "𝟙𝟚",
    "\x00",
    "\u202e",
    "\ufeff",
    "\u200b",
    "\ud7ff",
    "é\u0301",
    "\r",
    "\n",
    "\r\n",
    '"',
    '""',
    "'",
    ";",
    ",",
    "\t",
    "#",
    "|",
    "null",
    "true",
    "[]",
    "{}",
    "2016-02-30",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "2016-13-01",
    "31 February 2016",
    "19-Sep-2016",
    "2016-09-19T25:00:00",
    "Battles",
    "Air/drone strike",
    "Violence against civilians",
    "x" * 5000,
)

values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.integers().map(str),
    st.floats().map(repr),
    st.from_regex(r"-?\d{1,4}-\d{1,2}-\d{1,2}", fullmatch=True),
)
"""One field's text: a nasty constant, random unicode, a number, a date-like string."""


@st.composite
def mutated_rows(
    draw: st.DrawFn, columns: Sequence[str], valid: Mapping[str, str], max_rows: int = 4
) -> list[list[str]]:
    """A few rows that start valid, each with some fields replaced, dropped or added."""
    rows: list[list[str]] = []
    for _ in range(draw(st.integers(0, max_rows))):
        row = [valid.get(c, "") for c in columns]
        for _ in range(draw(st.integers(0, 4))):
            if row:
                row[draw(st.integers(0, len(row) - 1))] = draw(values)
        shape = draw(st.sampled_from(("same", "same", "same", "short", "long")))
        if shape == "short" and row:
            row = row[: draw(st.integers(0, len(row) - 1))]
        elif shape == "long":
            row = row + draw(st.lists(values, min_size=1, max_size=3))
        rows.append(row)
    return rows


def csv_text(rows: Sequence[Sequence[str]], delimiter: str = ",") -> str:
    """Rows written as CSV text (the csv module quotes what needs quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def damaged(draw: st.DrawFn, text: str) -> bytes:
    """``text`` as a file might arrive: intact, truncated, re-encoded, BOM'd or with binary."""
    how = draw(
        st.sampled_from(
            ("utf-8", "utf-8", "bom", "truncate", "cp1252", "utf-16", "binary", "nul", "lf")
        )
    )
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if how == "cp1252":
        return text.encode("cp1252", "replace")
    if how == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    if how == "lf":
        return text.replace("\r\n", "\n").encode("utf-8", "surrogatepass")
    data = text.encode("utf-8", "surrogatepass")
    if how == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if how == "binary":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
    if how == "nul":
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"\x00" + data[at:]
    return data


raw_bytes = st.binary(max_size=4096)
"""Plain random bytes."""

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | values,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value (floats include NaN and infinities, as json.dumps writes them)."""


def json_text(value: Any) -> str:
    """``value`` as JSON text, NaN and Infinity included (Python's json reads them)."""
    return json.dumps(value, ensure_ascii=False)
