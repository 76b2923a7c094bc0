"""Helpers shared by every file the app writes for spreadsheets (CSV, XLSX)."""

from __future__ import annotations

#: A cell starting with one of these may run as a formula when a spreadsheet opens the file.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (an apostrophe in front)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def unguard_cell(value: str) -> str:
    """Take off the guard safe_cell() put on, when a file comes back in."""
    return value[1:] if value.startswith("'") and value[1:2] in FORMULA_START else value
