"""Printouts (reportlab), money and dates written the location's way (babel): a receipt on 80 mm till-roll paper,
to print or e-mail (the shop, the receipt's number and time, each line with its quantity, price and discount, the
taxes by name, the tip, the total and how it was paid), and the day at the till on A4.

The receipt is the customer's: it speaks the location's language (``Location.language``), whoever prints it, and
the e-mail that carries it too; the day at the till is the desk's, in the language of the one who prints it. Dates
and money follow the location's formats in the language written (:func:`app.services.i18n.locale_for`)."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from babel.dates import format_date, format_datetime, format_time

from app.models import UserRead
from app.services import clock, i18n, mail
from app.services.accounts import activity
from app.services.amounts import format_money
from app.services.catalogue import locations
from app.services.i18n import N_, _, deferred
from app.services.money import checkout, day_close, receipts

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle

# reportlab is imported by the functions that draw a PDF, when the first is drawn: at the top of this module it
# cost every start of the app a few hundred milliseconds (bench/startup.py)
mm = 72 / 25.4
"""A millimetre in PDF points (``reportlab.lib.units.mm``)."""
WIDTH = 80 * mm


TAX_NUMBER_NAMES = {'KE': N_('KRA PIN'), 'RW': N_('TIN'), 'UG': N_('TIN'), 'TZ': N_('TIN')}
"""What a country calls a business's tax registration number on a receipt (KRA PIN; a TIN elsewhere in East
Africa); others: "Tax no."."""


def tax_words(place) -> list[str]:
    """The words a receipt of ``place`` (a location) carries for tax, in the current language: ``['Tax invoice',
    'PIN: P051234567X']`` where it charges a tax and has a tax registration number (VAT-registered), only the
    number where it has one but no tax, nothing otherwise."""
    number = (getattr(place, 'tax_number', '') or '').strip()
    if not number:
        return []
    name = TAX_NUMBER_NAMES.get((place.country or '').upper())
    shown = _('{name}: {number}').format(name=_(name) if name else _('Tax no.'), number=number)
    return [_('Tax invoice'), shown] if place.tax_rates else [shown]


def receipt_pdf(receipt_id: int, *, actor: UserRead) -> bytes:
    """The receipt ``receipt_id`` as PDF bytes (one 80 mm wide page, as long as it needs), in the location's
    language.

    :raises NotFoundError: no such receipt
    :raises PermissionDeniedError: not a front-desk role, or another location's receipt
    """
    place = locations.get_location(checkout.receipt_details(receipt_id, actor=actor).location_id, actor=actor)
    with i18n.speaking(place.language):  # the customer's: the location's language (a walk-in named in it too)
        return _receipt(checkout.receipt_details(receipt_id, actor=actor), place)


def _receipt(shown: checkout.ReceiptShown, place) -> bytes:
    """The receipt's PDF in the current language (the caller's :func:`i18n.speaking` block)."""
    locale, currency = i18n.locale_for(place.locale or 'en_CA'), place.currency

    def money(cents: int) -> str:
        return format_money(cents, currency, locale).replace('\u202f', '\u00a0')

    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    normal = ParagraphStyle('n', fontName='Helvetica', fontSize=8, leading=10)
    bold = ParagraphStyle('b', parent=normal, fontName='Helvetica-Bold', fontSize=10, leading=12)
    title = (_('Refund {number}') if shown.kind == 'refund' else _('Receipt {number}')).format(number=shown.number)
    story = _receipt_heading(shown, place, title, locale, normal, bold)
    rows = _line_rows(shown, money, normal)
    rows += _total_rows(shown, money)
    total_row = len(rows) - 1  # the totals end with the total, drawn in bold under a rule
    rows += _payment_rows(shown, money)
    table = Table(rows, colWidths=[WIDTH - 34 * mm, 22 * mm], hAlign='LEFT')
    table.setStyle(TableStyle([
        ('FONTNAME', (0, 0), (-1, -1), 'Helvetica'), ('FONTSIZE', (0, 0), (-1, -1), 8),
        ('ALIGN', (1, 0), (1, -1), 'RIGHT'), ('VALIGN', (0, 0), (-1, -1), 'TOP'),
        ('LINEABOVE', (0, total_row), (-1, total_row), 0.5, colors.black),
        ('FONTNAME', (0, total_row), (-1, total_row), 'Helvetica-Bold'),
        ('TOPPADDING', (0, 0), (-1, -1), 1), ('BOTTOMPADDING', (0, 0), (-1, -1), 1),
        ('LEFTPADDING', (0, 0), (-1, -1), 0), ('RIGHTPADDING', (0, 0), (-1, -1), 0),
    ]))
    story += [table, Spacer(1, 3 * mm), Paragraph(escape(_('Thank you!')), normal)]
    height = (60 + 5 * len(rows) + 5 * len(shown.lines)) * mm
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=(WIDTH, height), leftMargin=5 * mm, rightMargin=5 * mm, topMargin=5 * mm,
                      bottomMargin=5 * mm, title=title, lang=i18n.current()).build(story)
    return buffer.getvalue()


def _receipt_heading(shown: checkout.ReceiptShown, place, title: str, locale: str, normal: ParagraphStyle,
                     bold: ParagraphStyle) -> list:
    """The receipt's head: the shop (name, address, phone, tax words), the receipt's number and time, the customer
    and staff member, and for a refund the receipt it refunds and why."""
    from reportlab.platypus import Paragraph, Spacer

    moment = format_datetime(clock.to_local(shown.issued_at, place.time_zone), 'medium', locale=locale).replace(
        '\u202f', '\u00a0')
    story = [Paragraph(escape(place.name), bold)]
    story += [Paragraph(escape(text), normal) for text in (place.address, place.phone) if text]
    taxed = tax_words(place) if shown.kind == 'sale' else tax_words(place)[1:] or tax_words(place)
    story += [Paragraph(escape(text), bold if number == 0 and len(taxed) == 2 else normal)
              for number, text in enumerate(taxed)]
    story += [Spacer(1, 2 * mm), Paragraph(f'{escape(title)} · {escape(moment)}', normal),
              Paragraph(escape(shown.customer_name) + (f' · {escape(shown.staff_name)}' if shown.staff_name else ''),
                        normal)]
    if shown.refund_of:
        story.append(Paragraph(escape(_('Of receipt {number}: {reason}').format(number=shown.refund_of,
                                                                               reason=shown.reason)), normal))
    return [*story, Spacer(1, 2 * mm)]


def _line_rows(shown: checkout.ReceiptShown, money, normal: ParagraphStyle) -> list[list]:
    """One row per line (quantity × unit price, what, its amount: :func:`line_amount`) and one under it for its
    discount."""
    from reportlab.platypus import Paragraph

    rows = []
    for line in shown.lines:
        each = f' × {money(line.unit_price_cents)}' if line.unit_price_cents is not None else ''
        rows.append([Paragraph(f'{line.quantity}{each} {escape(line.description)}', normal),
                     money(line_amount(line, shown))])
        if line.discount_cents:
            rows.append([Paragraph('&nbsp;&nbsp;' + escape(_('discount −{amount}').format(
                amount=money(line.discount_cents)).replace('\u2212', '-')), normal), ''])
    return rows


def _total_rows(shown: checkout.ReceiptShown, money) -> list[list]:
    """The totals, the total last: a sale's as :func:`pricing.totals` printed them (adding up); a refund's or
    imported history's as before tax, each tax, the tip and the total."""
    if shown.totals:
        # Helvetica has no minus sign (U+2212: drawn over the next letter): a hyphen-minus on paper
        return [[checkout.total_words(t), checkout.signed(t.cents, money).replace('\u2212', '-')]
                for t in shown.totals]
    taxes: dict[str, int] = {}
    for line in shown.lines:
        for name, cents in line.taxes.items():
            taxes[name] = taxes.get(name, 0) + cents
    net = sum(line.net_cents for line in shown.lines)
    rows = [[_('Before tax'), money(net)], *[[name, money(cents)] for name, cents in taxes.items()]]
    if shown.tip_cents:
        rows.append([_('Tip'), money(shown.tip_cents)])
    total = shown.total_cents if shown.total_cents is not None else net + sum(taxes.values())
    return [*rows, [_('Total'), money(abs(total) if shown.kind == 'refund' else total)]]


def _payment_rows(shown: checkout.ReceiptShown, money) -> list[list]:
    """How it was paid (or paid back): each payment, M-Pesa's receipt number, cash handed over and change; what is
    still to pay."""
    rows = []
    for (method, amount, tendered), reference in zip(shown.payments, shown.payment_refs or [''] * len(
            shown.payments), strict=True):
        name = day_close.method_words(method)
        rows.append([_('{method} (paid back)').format(method=name) if amount < 0 else name, money(abs(amount))])
        if reference:
            rows.append(['  ' + _('M-Pesa receipt {reference}').format(reference=reference), ''])
        if tendered:
            rows.append(['  ' + _('handed over'), money(tendered)])
            rows.append(['  ' + _('change'), money(tendered - amount)])
    if shown.balance_cents:
        rows.append([_('Still to pay'), money(shown.balance_cents)])
    return rows


def line_amount(line: checkout.LineShown, shown: checkout.ReceiptShown) -> int:
    """What a receipt prints beside a line: a sale's price × quantity as entered (they add up to the subtotal); a
    refund's or an imported line's total."""
    if shown.totals and line.total_cents is not None:
        inclusive = any(t.key == 'tax' and t.included for t in shown.totals)
        return (line.total_cents if inclusive else line.net_cents) + line.discount_cents
    return line.total_cents if line.total_cents is not None else line.net_cents


def day_close_pdf(location_id: int, day, *, actor: UserRead) -> bytes:
    """The day at the till as an A4 PDF: the day's figures (:func:`day_close.summary`), its receipts and refunds,
    and, once closed, the cash counted against the cash expected. Money and dates in the location's way.

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    figures = day_close.summary(location_id, day, actor=actor)
    place = locations.get_location(location_id, actor=actor)
    locale, currency = i18n.locale_for(place.locale or 'en_CA'), place.currency
    start, end = clock.day_bounds(day, place.time_zone)
    listed = receipts.list_receipts(location_id, actor=actor, start=start, end=end)

    def money(cents: int) -> str:
        return format_money(cents, currency, locale).replace('\u202f', '\u00a0')

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = ParagraphStyle('small', fontName='Helvetica', fontSize=8, leading=10)
    story = [Paragraph(escape(_('{location} — the day at the till').format(location=place.name)), styles['Title']),
             Paragraph(escape(format_date(day, 'full', locale=locale)), styles['Normal']), Spacer(1, 4 * mm)]
    rows = [[_('Sales'), str(figures.receipts)],
            [_('Before tax (after discounts and refunds)'), money(figures.net_cents)],
            [_('Tax'), money(figures.tax_cents)]]
    rows += [[_('Paid by {method}').format(method=day_close.method_words(m).lower()), money(c)]
             for m, c in sorted(figures.payments.items())]
    rows += [[_('Refunds'), money(figures.refunds_cents)]]
    rows += [[_('Tips for {name}').format(name=day_close.tip_name(name)), money(c)] for name, c in figures.tips.items()]
    rows += [[_("Still owed on the day's sales"), money(figures.balance_cents)],
             [_('Cash expected (beyond the float)'), money(figures.expected_cash_cents)]]
    if figures.closed:
        counted = figures.counted_cash_cents or 0
        rows += [[_('Cash counted'), money(counted)], [_('Difference'), money(counted - figures.expected_cash_cents)]]
    else:
        rows += [[_('Cash counted'), _('not closed yet')]]
    summary = Table(rows, colWidths=[110 * mm, 40 * mm], hAlign='LEFT')
    summary.setStyle(TableStyle([('ALIGN', (1, 0), (1, -1), 'RIGHT'), ('FONTSIZE', (0, 0), (-1, -1), 9),
                                 ('LINEBELOW', (0, 0), (-1, -1), 0.25, colors.HexColor('#C9D1DE'))]))
    story.append(summary)
    story += [Paragraph(escape(day_close.after_close_note(late, money, place.locale)), small)
              for late in figures.confirmed_after_close]
    if figures.earlier_receipts:
        story += [Spacer(1, 4 * mm), Paragraph(escape(_('Payments for earlier receipts')), styles['Heading2'])]
        story += [Paragraph(escape(day_close.earlier_receipt_note(late, money, place.locale)), small)
                  for late in figures.earlier_receipts]
    story += [Spacer(1, 6 * mm), Paragraph(escape(_('Receipts')), styles['Heading2'])]
    lines = [[_('No.'), _('Time'), _('Customer'), _('Items'), _('Total'), _('Paid'), _('M-Pesa receipt')]]
    for r in reversed(listed):
        total = r.total_cents if r.total_cents is not None else r.amount_cents
        lines.append([_('{number} (refund)').format(number=r.number) if r.kind == 'refund' else r.number,
                      format_time(clock.to_local(r.issued_at, place.time_zone), 'short', locale=locale)
                      .replace('\u202f', '\u00a0'), Paragraph(escape(r.customer_name or _('Walk-in')), small),
                      Paragraph(escape(r.descriptions[:120]), small), money(total), money(r.paid_cents),
                      Paragraph(escape(' '.join(r.mpesa_receipts)), small)])
    table = Table(lines, colWidths=[20 * mm, 14 * mm, 32 * mm, 44 * mm, 22 * mm, 22 * mm, 24 * mm], repeatRows=1,
                  hAlign='LEFT')
    table.setStyle(TableStyle([('FONTSIZE', (0, 0), (-1, -1), 8), ('ALIGN', (4, 0), (5, -1), 'RIGHT'),
                               ('BACKGROUND', (0, 0), (-1, 0), colors.HexColor('#3B4A6B')),
                               ('TEXTCOLOR', (0, 0), (-1, 0), colors.white), ('VALIGN', (0, 0), (-1, -1), 'TOP'),
                               ('GRID', (0, 0), (-1, -1), 0.25, colors.HexColor('#C9D1DE'))]))
    story.append(table)
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f'{place.name} {day}', lang=i18n.current(), leftMargin=15 * mm,
                      rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm).build(story)
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
    with i18n.speaking(place.language):  # the customer's mail: the location's language
        subject = _('{location}: receipt {number}').format(location=place.name, number=shown.number)
        body = _('Thank you for your visit to {location}. Your receipt {number} is attached.').format(
            location=place.name, number=shown.number)
        filename = _('receipt-{number}.pdf').format(number=shown.number)
    mail.send([address], subject=subject, attachment=pdf, filename=filename, media_type=('application', 'pdf'),
              body=body)
    activity.record(actor, 'receipt_mailed', deferred(N_('Receipt {number} mailed to {address}'),
                                                      number=shown.number, address=address),
                    location_id=shown.location_id)
    return address
