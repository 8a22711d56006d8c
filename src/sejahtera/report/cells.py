"""Cells of the CSV and XLSX files people open in a spreadsheet: a text that a spreadsheet
would run as a formula (it starts with =, +, -, @, a tab or a carriage return) is written with
a leading apostrophe, so that a name taken from an uploaded file or typed by a user (a column,
a file, a scenario) is shown, never run. Numbers are left as they are."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: object) -> object:
    """``cell`` as a spreadsheet may safely read it."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def inert_row(row: list[object] | tuple[object, ...]) -> list[object]:
    return [inert(cell) for cell in row]
