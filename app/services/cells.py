"""Text that leaves ClientPulse in spreadsheets: CSV and Excel cells, neutralised in one place.

A spreadsheet program runs a cell as a formula when its text starts with ``=``, ``+``, ``-`` or ``@`` (and
some also after a tab or carriage return): a customer called ``=HYPERLINK(…)`` or a sign-in attempt typed as
``=cmd|' /C calc'!A0`` would become a live formula on the desk's computer. Following OWASP's "CSV Injection"
rules, such text is prefixed with a single quote, so it shows as the text it is. Only text is touched:
numbers and dates ClientPulse computed itself go out as numbers and dates (a negative amount stays a number).
Every export (analytics CSV and Excel, the bookings list, the activity log) writes its cells through here.

Source: OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')
"""The first characters OWASP lists as starting a formula."""


def safe_text(text: str) -> str:
    """``text`` as a spreadsheet shows it literally: prefixed with ``'`` when it would start a formula.

    >>> safe_text('=1+1'), safe_text('-5 %'), safe_text('Alex')
    ("'=1+1", "'-5 %", 'Alex')
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_value(value: object) -> str:
    """One CSV cell: '' for None, ISO dates and times, numbers as written, anything else as safe text."""
    if value is None:
        return ''
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bool, int, float, Decimal)):
        return str(value)
    return safe_text(str(value))


def csv_row(values: list) -> list[str]:
    """A row of :func:`csv_value` cells."""
    return [csv_value(v) for v in values]


def excel_value(value: object) -> object:
    """One Excel cell's value: numbers, dates and None as they are; anything else as safe text (the caller
    marks the cell as text, so openpyxl never stores it as a formula)."""
    if value is None or isinstance(value, (bool, int, float, Decimal, datetime, date)):
        return value
    return safe_text(str(value))
