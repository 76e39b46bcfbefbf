"""A receipt as a PDF (reportlab) on 80 mm till-roll paper, to print or e-mail: the shop, the receipt's number and
time, each line with its quantity, price and discount, the taxes by name, the tip, the total and how it was paid,
money and dates written the location's way (babel)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from babel.dates import format_datetime
from babel.numbers import format_currency
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.models import UserRead
from app.services import clock
from app.services.catalogue import locations
from app.services.money import checkout

WIDTH = 80 * mm
METHOD_NAMES = {'card': 'Card', 'cash': 'Cash', 'mobile_money': 'Mobile money', 'gift_card': 'Gift card'}


def receipt_pdf(receipt_id: int, *, actor: UserRead) -> bytes:
    """The receipt ``receipt_id`` as PDF bytes (one 80 mm wide page, as long as it needs).

    :raises NotFoundError: no such receipt
    :raises PermissionDeniedError: not a front-desk role, or another location's receipt
    """
    shown = checkout.receipt_details(receipt_id, actor=actor)
    place = locations.get_location(shown.location_id, actor=actor)
    locale, currency = place.locale or 'en_CA', place.currency

    def money(cents: int) -> str:
        return format_currency(cents / 100, currency, locale=locale).replace('\u202f', '\u00a0')

    normal = ParagraphStyle('n', fontName='Helvetica', fontSize=8, leading=10)
    bold = ParagraphStyle('b', parent=normal, fontName='Helvetica-Bold', fontSize=10, leading=12)
    title = 'Refund' if shown.kind == 'refund' else 'Receipt'
    moment = format_datetime(clock.to_local(shown.issued_at, place.time_zone), 'medium', locale=locale)
    story = [Paragraph(escape(place.name), bold)]
    for text in (place.address, place.phone):
        if text:
            story.append(Paragraph(escape(text), normal))
    story += [Spacer(1, 2 * mm), Paragraph(f'{title} {escape(shown.number)} · {escape(moment)}', normal),
              Paragraph(escape(shown.customer_name) + (f' · {escape(shown.staff_name)}' if shown.staff_name else ''),
                        normal)]
    if shown.refund_of:
        story.append(Paragraph(f'Of receipt {escape(shown.refund_of)}: {escape(shown.reason)}', normal))
    story.append(Spacer(1, 2 * mm))
    rows = []
    taxes: dict[str, int] = {}
    for line in shown.lines:
        each = f' × {money(line.unit_price_cents)}' if line.unit_price_cents is not None else ''
        rows.append([Paragraph(f'{line.quantity}{each} {escape(line.description)}', normal),
                     money(line.total_cents if line.total_cents is not None else line.net_cents)])
        if line.discount_cents:
            rows.append([Paragraph(f'&nbsp;&nbsp;discount −{money(line.discount_cents)}', normal), ''])
        for name, cents in line.taxes.items():
            taxes[name] = taxes.get(name, 0) + cents
    net = sum(line.net_cents for line in shown.lines)
    rows.append(['Before tax', money(net)])
    rows += [[name, money(cents)] for name, cents in taxes.items()]
    if shown.tip_cents:
        rows.append(['Tip', money(shown.tip_cents)])
    total = shown.total_cents if shown.total_cents is not None else net + sum(taxes.values())
    rows.append(['Total', money(abs(total) if shown.kind == 'refund' else total)])
    for method, amount, tendered in shown.payments:
        rows.append([METHOD_NAMES.get(method, method) + (' (paid back)' if amount < 0 else ''), money(abs(amount))])
        if tendered:
            rows.append(['  handed over', money(tendered)])
            rows.append(['  change', money(tendered - amount)])
    if shown.balance_cents:
        rows.append(['Still to pay', money(shown.balance_cents)])
    table = Table(rows, colWidths=[WIDTH - 34 * mm, 22 * mm], hAlign='LEFT')
    total_row = next(i for i, row in enumerate(rows) if row[0] == 'Total')
    table.setStyle(TableStyle([
        ('FONTNAME', (0, 0), (-1, -1), 'Helvetica'), ('FONTSIZE', (0, 0), (-1, -1), 8),
        ('ALIGN', (1, 0), (1, -1), 'RIGHT'), ('VALIGN', (0, 0), (-1, -1), 'TOP'),
        ('LINEABOVE', (0, total_row), (-1, total_row), 0.5, colors.black),
        ('FONTNAME', (0, total_row), (-1, total_row), 'Helvetica-Bold'),
        ('TOPPADDING', (0, 0), (-1, -1), 1), ('BOTTOMPADDING', (0, 0), (-1, -1), 1),
        ('LEFTPADDING', (0, 0), (-1, -1), 0), ('RIGHTPADDING', (0, 0), (-1, -1), 0),
    ]))
    story += [table, Spacer(1, 3 * mm), Paragraph('Thank you!', normal)]
    height = (60 + 5 * len(rows) + 5 * len(shown.lines)) * mm
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=(WIDTH, height), leftMargin=5 * mm, rightMargin=5 * mm, topMargin=5 * mm,
                      bottomMargin=5 * mm, title=f'{title} {shown.number}').build(story)
    return buffer.getvalue()
