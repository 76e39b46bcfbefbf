"""Printouts (reportlab), money and dates written the location's way (babel): a receipt on 80 mm till-roll paper,
to print or e-mail (the shop, the receipt's number and time, each line with its quantity, price and discount, the
taxes by name, the tip, the total and how it was paid), and the day at the till on A4."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.models import UserRead
from app.services import clock, mail
from app.services.accounts import activity
from app.services.catalogue import locations
from app.services.money import checkout, day_close, receipts

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
    moment = format_datetime(clock.to_local(shown.issued_at, place.time_zone), 'medium', locale=locale).replace(
        '\u202f', '\u00a0')
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


def day_close_pdf(location_id: int, day, *, actor: UserRead) -> bytes:
    """The day at the till as an A4 PDF: the day's figures (:func:`day_close.summary`), its receipts and refunds,
    and, once closed, the cash counted against the cash expected. Money and dates in the location's way.

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    figures = day_close.summary(location_id, day, actor=actor)
    place = locations.get_location(location_id, actor=actor)
    locale, currency = place.locale or 'en_CA', place.currency
    start, end = clock.day_bounds(day, place.time_zone)
    listed = receipts.list_receipts(location_id, actor=actor, start=start, end=end)

    def money(cents: int) -> str:
        return format_currency(cents / 100, currency, locale=locale).replace('\u202f', '\u00a0')

    styles = getSampleStyleSheet()
    small = ParagraphStyle('small', fontName='Helvetica', fontSize=8, leading=10)
    story = [Paragraph(f'{escape(place.name)} — the day at the till', styles['Title']),
             Paragraph(escape(format_date(day, 'full', locale=locale)), styles['Normal']), Spacer(1, 4 * mm)]
    rows = [['Sales', str(figures.receipts)], ['Before tax (after discounts and refunds)', money(figures.net_cents)],
            ['Tax', money(figures.tax_cents)]]
    rows += [[f'Paid by {METHOD_NAMES.get(m, m).lower()}', money(c)] for m, c in sorted(figures.payments.items())]
    rows += [['Refunds', money(figures.refunds_cents)]]
    rows += [[f'Tips for {name}', money(c)] for name, c in figures.tips.items()]
    rows += [["Still owed on the day's sales", money(figures.balance_cents)],
             ['Cash expected (beyond the float)', money(figures.expected_cash_cents)]]
    if figures.closed:
        counted = figures.counted_cash_cents or 0
        rows += [['Cash counted', money(counted)], ['Difference', money(counted - figures.expected_cash_cents)]]
    else:
        rows += [['Cash counted', 'not closed yet']]
    summary = Table(rows, colWidths=[110 * mm, 40 * mm], hAlign='LEFT')
    summary.setStyle(TableStyle([('ALIGN', (1, 0), (1, -1), 'RIGHT'), ('FONTSIZE', (0, 0), (-1, -1), 9),
                                 ('LINEBELOW', (0, 0), (-1, -1), 0.25, colors.HexColor('#C9D1DE'))]))
    story.append(summary)
    story += [Paragraph(escape(day_close.after_close_note(late, money)), small)
              for late in figures.confirmed_after_close]
    if figures.earlier_receipts:
        story += [Spacer(1, 4 * mm), Paragraph('Payments for earlier receipts', styles['Heading2'])]
        story += [Paragraph(escape(day_close.earlier_receipt_note(late, money)), small)
                  for late in figures.earlier_receipts]
    story += [Spacer(1, 6 * mm), Paragraph('Receipts', styles['Heading2'])]
    lines = [['No.', 'Time', 'Customer', 'Items', 'Total', 'Paid']]
    for r in reversed(listed):
        total = r.total_cents if r.total_cents is not None else r.amount_cents
        lines.append([r.number + (' (refund)' if r.kind == 'refund' else ''),
                      format_time(clock.to_local(r.issued_at, place.time_zone), 'short', locale=locale)
                      .replace('\u202f', '\u00a0'), Paragraph(escape(r.customer_name or 'Walk-in'), small),
                      Paragraph(escape(r.descriptions[:120]), small), money(total), money(r.paid_cents)])
    table = Table(lines, colWidths=[22 * mm, 16 * mm, 38 * mm, 58 * mm, 22 * mm, 22 * mm], repeatRows=1,
                  hAlign='LEFT')
    table.setStyle(TableStyle([('FONTSIZE', (0, 0), (-1, -1), 8), ('ALIGN', (4, 0), (5, -1), 'RIGHT'),
                               ('BACKGROUND', (0, 0), (-1, 0), colors.HexColor('#3B4A6B')),
                               ('TEXTCOLOR', (0, 0), (-1, 0), colors.white), ('VALIGN', (0, 0), (-1, -1), 'TOP'),
                               ('GRID', (0, 0), (-1, -1), 0.25, colors.HexColor('#C9D1DE'))]))
    story.append(table)
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f'{place.name} {day}', leftMargin=15 * mm, rightMargin=15 * mm,
                      topMargin=15 * mm, bottomMargin=15 * mm).build(story)
    return buffer.getvalue()


def email_receipt(receipt_id: int, to: str, *, actor: UserRead) -> str:
    """Mail the receipt as PDF to ``to`` (e.g. the customer's address); logged. Returns the address used.

    :raises ValidationError: not an e-mail address (``field='email'``), or no mail server set up
    :raises OSError, smtplib.SMTPException: the mail server refused or could not be reached
    :raises NotFoundError, PermissionDeniedError: as :func:`receipt_pdf`
    """
    address = mail.check_address(to)
    pdf = receipt_pdf(receipt_id, actor=actor)
    shown = checkout.receipt_details(receipt_id, actor=actor)
    place = locations.get_location(shown.location_id, actor=actor)
    mail.send([address], subject=f'{place.name}: receipt {shown.number}', attachment=pdf,
              filename=f'receipt-{shown.number}.pdf', media_type=('application', 'pdf'),
              body=f'Thank you for your visit to {place.name}. Your receipt {shown.number} is attached.')
    activity.record(actor, 'receipt_mailed', f'Receipt {shown.number} mailed to {address}',
                    location_id=shown.location_id)
    return address
