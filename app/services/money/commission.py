"""What each staff member earned in a period: the takings credited to them (services and products, after discounts
and refunds, before tax), their commission at the rates set on the Staff page, and their tips; as rows, CSV or Excel.

Commission = round(services × service rate) + round(products × product rate), each rounded half up to the minor
unit (as in :mod:`app.services.money.pricing`). A line is credited to the staff member on it (the booking's, or who
served a walk-in); a refund line to the same one, so a refund takes its commission back.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from io import BytesIO, StringIO

from sqlmodel import SQLModel, col, select

from app.models import Location, Receipt, ReceiptLine, StaffMember, UserRead
from app.services import cells, clock
from app.services.accounts.access import MANAGING_ROLES, ensure_reader
from app.services.amounts import number_format, to_major
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError
from app.services.i18n import N_, _
from app.services.money.pricing import part_of

HEADER = [N_('Staff member'), N_('Services'), N_('Service rate %'), N_('Products'), N_('Product rate %'),
          N_('Commission'), N_('Tips')]
"""The columns' titles in English (translated where written: :func:`to_csv`, :func:`to_xlsx`)."""


class CommissionRow(SQLModel):
    """One staff member's period (minor units of the location's ``currency``; rates in basis points)."""

    staff_member_id: int
    name: str
    services_cents: int = 0
    products_cents: int = 0
    service_rate_bp: int = 0
    product_rate_bp: int = 0
    commission_cents: int = 0
    tips_cents: int = 0
    currency: str = 'USD'


def report(location_id: int, first: date, last: date, *, actor: UserRead) -> list[CommissionRow]:
    """Every staff member with takings or tips from ``first`` to ``last`` (local days, inclusive), by name.

    :raises ValidationError: ``last`` before ``first`` (``field='last'``)
    :raises PermissionDeniedError: not an owner or manager, or another location
    """
    ensure_reader(actor, location_id, MANAGING_ROLES, N_('see commission'))
    if last < first:
        raise ValidationError(_('The period ends before it starts.'), field='last')
    with session_scope() as session:
        location = session.get(Location, location_id)
        if location is None:
            raise NotFoundError(_('That location no longer exists.'))
        start, _first_end = clock.day_bounds(first, location.time_zone)
        _last_start, end = clock.day_bounds(last, location.time_zone)
        members = {m.id: m for m in session.exec(select(StaffMember).where(StaffMember.location_id == location_id))}
        rows = {i: CommissionRow(staff_member_id=i, name=m.name, service_rate_bp=m.service_commission_bp,
                                 product_rate_bp=m.product_commission_bp, currency=location.currency)
                for i, m in members.items()}
        in_period = (Receipt.location_id == location_id, Receipt.issued_at >= start, Receipt.issued_at < end)
        for staff_id, service_id, amount in session.exec(
                select(ReceiptLine.staff_member_id, ReceiptLine.service_id, ReceiptLine.amount_cents)
                .join(Receipt, Receipt.id == ReceiptLine.receipt_id).where(*in_period)
                .where(col(ReceiptLine.staff_member_id).is_not(None))):
            if staff_id in rows:
                if service_id is not None:
                    rows[staff_id].services_cents += amount
                else:
                    rows[staff_id].products_cents += amount
        for staff_id, tip in session.exec(select(Receipt.tip_staff_member_id, Receipt.tip_cents).where(
                *in_period).where(Receipt.tip_cents != 0)):
            if staff_id in rows:
                rows[staff_id].tips_cents += tip
    for row in rows.values():
        row.commission_cents = (part_of(row.services_cents, Decimal(row.service_rate_bp) / 10_000)
                                + part_of(row.products_cents, Decimal(row.product_rate_bp) / 10_000))
    return sorted((r for r in rows.values() if r.services_cents or r.products_cents or r.tips_cents),
                  key=lambda r: r.name.lower())


def _values(row: CommissionRow) -> list:
    def money(cents: int) -> Decimal:
        return to_major(cents, row.currency)

    return [row.name, money(row.services_cents), Decimal(row.service_rate_bp) / 100, money(row.products_cents),
            Decimal(row.product_rate_bp) / 100, money(row.commission_cents), money(row.tips_cents)]


def to_csv(rows: list[CommissionRow]) -> bytes:
    """The rows as CSV (money in major units with the currency's own decimals; names neutralised for
    spreadsheets)."""
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow([_(title) for title in HEADER])
    for row in rows:
        writer.writerow(cells.csv_row(_values(row)))
    return out.getvalue().encode('utf-8')


def to_xlsx(rows: list[CommissionRow], title: str) -> bytes:
    """The rows as an Excel workbook (one sheet, money as numbers shown with the currency's own decimals)."""
    from openpyxl import Workbook  # here, not at the top: openpyxl (and numpy) would slow every start of the app
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _('Commission')[:31]
    sheet.append([cells.excel_value(title)])
    sheet.append([_(title) for title in HEADER])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([cells.excel_value(v) for v in _values(row)])
    money = number_format(rows[0].currency) if rows else '#,##0.00'
    for column in 'BDFG':
        for cell in sheet[column][2:]:
            cell.number_format = money
    out = BytesIO()
    book.save(out)
    return out.getvalue()
