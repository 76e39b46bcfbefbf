"""Exports of an :class:`~app.services.analytics.reports.AnalyticsReport`: Excel, PDF and CSV.

- Excel (openpyxl, write-only): one sheet per section, styled and frozen header rows, number and
  date formats, native Excel charts for the revenue trends.
- PDF (reportlab): title, period, locations, KPI table, revenue chart, tables, page numbers.
- CSV: one long table ``section, label, value`` (money in major units, rates as fractions).

Text cells of every format go through :mod:`app.services.cells` (no formula can be smuggled in as a name).

Big exports — every booking of the period (:class:`BookingRows`, a ``Bookings`` sheet in Excel or a
CSV of its own) — are written chunk by chunk straight to a file (openpyxl's write-only mode keeps no
rows in memory), calling ``progress(fraction, message)`` after each chunk, from a worker thread.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font, PatternFill
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.config import get_settings
from app.models import UserRead
from app.services import cells, files
from app.services.analytics.metrics import DEFINITIONS
from app.services.analytics.reports import AnalyticsReport, BookingRows, booking_rows, ensure_analyst
from app.services.errors import ValidationError

FORMATS = ('xlsx', 'pdf', 'csv')
HEADER_FILL = PatternFill('solid', fgColor='3B4A6B')
HEADER_FONT = Font(bold=True, color='FFFFFF')
MONEY = '#,##0.00'
PERCENT = '0.0%'
KPIS = [  # key in the report's kpis, label, kind (money, rate, count, days)
    ('revenue_cents', 'Collected revenue', 'money'), ('booked_value_cents', 'Booked value', 'money'),
    ('previous_revenue_cents', 'Revenue, previous period', 'money'), ('growth', 'Growth', 'rate'),
    ('bookings', 'Bookings (due)', 'count'), ('no_show_rate', 'No-show rate', 'rate'),
    ('cancellation_rate', 'Cancellation rate', 'rate'), ('retention_rate', 'Retention (90 days)', 'rate'),
    ('churn_rate', 'Churn rate', 'rate'), ('conversion_rate', 'Inquiry conversion rate', 'rate'),
    ('customers', 'Customers with a visit (all time)', 'count'), ('customers_booked', 'Customers booked', 'count'),
    ('customers_visited', 'Customers visited', 'count'), ('repeat_share', 'Repeat share', 'rate'),
    ('lead_time_mean_days', 'Lead time, mean (days)', 'days'),
    ('lead_time_median_days', 'Lead time, median (days)', 'days'), ('same_day_share', 'Booked the same day share',
                                                                    'rate'),
    ('lead_time_unknown', 'Bookings without a lead time', 'count'),
    ('hour_unknown_share', 'Time of day unknown share', 'rate'),
    ('unmeasured_bookings', 'Bookings with no length nor service duration', 'count'),
    ('history_days', 'Days of data', 'count'),
]
PAYMENT_WORDS = {'cash': 'Cash', 'card': 'Card', 'mobile_money': 'Mobile money', 'gift_card': 'Gift card',
                 'deposit': 'Deposit', 'unknown': 'Unknown'}
BREAKDOWN_TITLES = {'weekday': 'Weekday', 'hour': 'Hour', 'staff': 'Staff member', 'service': 'Service',
                    'category': 'Category', 'channel': 'Channel', 'source': 'Source (as exported)'}
BREAKDOWN_HEADER = ['Bookings', 'Cancellations', 'Cancellation rate', 'Due', 'No-shows', 'No-show rate',
                    'Booked value']


Progress = Callable[[float, str], None]


def export(report: AnalyticsReport, path: Path, *, fmt: str, title: str, currency: str, locations: list[str],
           bookings: BookingRows | None = None, progress: Progress | None = None, locale: str = 'en_CA') -> Path:
    """Write ``report`` for the named ``locations`` to ``path`` as ``fmt`` (xlsx, pdf or csv); returns the path.
    The PDF writes amounts, rates and dates the way ``locale`` (the location's, a babel/CLDR code) writes them;
    Excel keeps numbers and dates as such (the reader's Excel shows them its way); CSV stays machine-readable.

    ``bookings`` adds a ``Bookings`` sheet to an Excel file (streamed, see the module docstring).

    :raises ValidationError: unknown format
    """
    if fmt not in FORMATS:
        raise ValidationError(f'Choose one of {", ".join(FORMATS)}, not "{fmt}".', field='format')
    tell = progress or (lambda _fraction, _message: None)
    tell(0.0, 'Writing the report')
    if fmt == 'xlsx':
        _xlsx(report, Path(path), title=title, currency=currency, locations=', '.join(locations), bookings=bookings,
              progress=tell)
    else:
        {'pdf': partial(_pdf, locale=locale), 'csv': _csv}[fmt](report, Path(path), title=title, currency=currency,
                                        locations=', '.join(locations))
    tell(1.0, 'Done')
    return Path(path)


def export_bookings_csv(rows: BookingRows, path: Path, *, progress: Progress | None = None) -> Path:
    """Write every booking of ``rows`` to ``path`` as CSV (header first), chunk by chunk; returns the path."""
    tell = progress or (lambda _fraction, _message: None)
    with Path(path).open('w', newline='', encoding='utf-8') as handle:
        writer = csv.writer(handle)
        writer.writerow(cells.csv_row(rows.header))
        for done in _stream(rows, lambda row: writer.writerow(cells.csv_row(row))):
            tell(done / max(rows.total, 1), f'{done:,} of {rows.total:,} bookings written')
    tell(1.0, 'Done')
    return Path(path)


def _stream(rows: BookingRows, write: Callable[[list], object]) -> Iterator[int]:
    """Write each row; yields the count written after each chunk."""
    done = 0
    for chunk in rows.chunks:
        for row in chunk:
            write(row)
        done += len(chunk)
        yield done


DETAIL = 'bookings'
"""Download kind: a CSV of every booking of the period."""
DETAIL_XLSX = 'bookings-xlsx'
"""Download kind: a workbook of every booking of the period (the report's workbook holds the figures only: with
the hotel file's 119,390 bookings in it, it took 50 s to write; the figures alone take well under a second)."""
KEEP_DOWNLOADS = timedelta(hours=1)


def export_for_download(report: AnalyticsReport, *, actor: UserRead, kind: str, title: str, currency: str,
                        locations: list[str], time_zone: str, progress: Progress | None = None,
                        locale: str = 'en_CA') -> Path:
    """Write a download into ``<data dir>/exports`` and return its path: ``kind`` is a report format,
    :data:`DETAIL` or :data:`DETAIL_XLSX`. Files older than an hour are removed.

    :raises ValidationError: unknown kind
    :raises PermissionDeniedError: ``actor`` may not see analytics of the report's locations
    """
    ensure_analyst(actor, report.location_ids)
    folder = files.private_folder(get_settings().data_dir / 'exports')
    for old in folder.iterdir():
        if datetime.now(UTC).timestamp() - old.stat().st_mtime > KEEP_DOWNLOADS.total_seconds():
            old.unlink(missing_ok=True)
    if kind == DETAIL:
        rows = booking_rows(report.location_ids, report.start, report.end, actor=actor, time_zone=time_zone)
        return files.private_file(export_bookings_csv(rows, folder / f'{uuid.uuid4().hex}.csv', progress=progress))
    if kind == DETAIL_XLSX:
        rows = booking_rows(report.location_ids, report.start, report.end, actor=actor, time_zone=time_zone)
        return files.private_file(export_bookings_xlsx(rows, folder / f'{uuid.uuid4().hex}.xlsx', title=title,
                                                       progress=progress))
    return files.private_file(export(report, folder / f'{uuid.uuid4().hex}.{kind}', fmt=kind, title=title,
                                     currency=currency, locations=locations, progress=progress, locale=locale))


def sections(report: AnalyticsReport) -> dict[str, tuple[list[str], list[list]]]:
    """Every table of the report, as the page shows it: section name → (header, rows); money in major units,
    rates as fractions (a header ending in "rate" or "share" marks them), dates as dates, methods in words."""
    money = lambda cents: None if cents is None else round(cents / 100, 2)  # noqa: E731
    basis = 'Collected revenue' if report.revenue_basis == 'collected' else 'Booked value'
    kpis = [[label, money(report.kpis.get(key)) if kind == 'money' else report.kpis.get(key)]
            for key, label, kind in KPIS if key in report.kpis]
    by = [[kind.replace('_', ' '), PAYMENT_WORDS.get(name, name) if kind == 'payment_method' else name, money(value)]
          for kind, pairs in report.revenue_by.items() for name, value in pairs]
    people = ['Customer', 'Visits', 'Lifetime value', 'Last visit', 'Segment', 'Usual interval (days)',
              'Days since last visit', 'Churn risk']
    person = lambda c: [c.get('name', c['customer_id']), c['visits'], money(c['lifetime_value_cents']),  # noqa: E731
                        date.fromisoformat(c['last_visit']), c['segment'], c.get('usual_interval_days'),
                        c.get('days_since_last_visit'), c['churn_risk']]
    hours = [f'{h:02d}:00' for h in report.peak_hours_columns]
    result = {
        'Summary': (['Figure', 'Value'], kpis),
        f'{basis} per day': (['Day', basis], [[date.fromisoformat(d), money(v)] for d, v in report.revenue_daily]),
        f'{basis} per week': (['Week from', basis], [[date.fromisoformat(d), money(v)]
                                                     for d, v in report.revenue_weekly]),
        f'{basis} per month': (['Month', basis], [[date.fromisoformat(d), money(v)]
                                                  for d, v in report.revenue_monthly]),
        'Revenue by': (['By', 'Name', 'Collected revenue'], by),
        'Customers': (people, [person(c) for c in report.top_customers]),
        'At risk': (people, [person(c) for c in report.at_risk]),
        'Segments': (['Segment', 'Customers'], [[k, v] for k, v in report.segments.items()]),
        'Weekday counts': (['Weekday', 'Due bookings'], [[d, v] for d, v in report.weekday_counts]),
        'No-show rate by weekday': (['Weekday', 'No-show rate'], [[d, v] for d, v in report.no_show_by_weekday]),
        'Peak hours': (['Weekday', *hours], [[d, *row] for d, row in zip(
            ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'], report.peak_hours,
            strict=True)] if hours else []),
        'Lead time': (['Lead time', 'Bookings'], [[k, v] for k, v in report.lead_time.items()]),
        'Cancellation notice': (['Notice', 'Cancellations'], [[k, v] for k, v in report.cancellation_notice.items()]),
        'Staff': (['Staff member', 'Bookings', 'Completed', 'Completion rate', 'No-shows', 'No-show rate',
                   'Cancellations', 'Cancellation rate', 'Collected revenue', 'Utilisation rate'],
                  [[s['staff'], s['bookings'], s['completed'], s['completion_rate'], s['no_shows'],
                    s.get('no_show_rate'), s.get('cancellations'), s.get('cancellation_rate'),
                    money(s['revenue_cents']), s['utilisation']] for s in report.staff]),
    }
    for by, rows in report.breakdowns.items():
        result[f'By {BREAKDOWN_TITLES.get(by, by).lower()}'] = (
            [BREAKDOWN_TITLES.get(by, by), *BREAKDOWN_HEADER],
            [[r['name'], r['bookings'], r['cancellations'], r['cancellation_rate'], r['due'], r['no_shows'],
              r['no_show_rate'], money(r['booked_value_cents'])] for r in rows])
    result['Not enough history'] = (['Figure', 'Why'], [[k.replace('_', ' '), v]
                                                        for k, v in report.not_enough_history.items()])
    result['Definitions'] = (['Figure', 'Definition'], [[k, v] for k, v in DEFINITIONS.items()])
    return result


def _is_rate(column: str) -> bool:
    lowered = column.lower()
    return lowered.endswith(('rate', 'share')) or lowered in {'growth', 'retention (90 days)'}


def _xlsx(report: AnalyticsReport, path: Path, *, title: str, currency: str, locations: str,
          bookings: BookingRows | None = None, progress: Progress) -> None:
    book = Workbook(write_only=True)
    for name, (header, rows) in sections(report).items():
        sheet = _sheet(book, name, header)
        for row in rows:
            sheet.append([_cell(sheet, header[i], value, name, str(row[0])) for i, value in enumerate(row)])
        if ' per ' in name and rows:
            chart = LineChart() if name.endswith('per day') else BarChart()
            chart.title = f'{name} ({currency})'
            chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(rows) + 1))
            chart.width, chart.height = 22, 9
            sheet.add_chart(chart, 'D2')
    if bookings is not None:
        _bookings_sheet(book, bookings, progress)
    book.properties.title = title
    book.properties.subject = f'{locations}, {report.start} – {report.end}'
    progress(0.95, 'Saving the workbook')
    book.save(path)


_DETAIL_FORMATS = {'Starts': 'yyyy-mm-dd hh:mm', 'Booked at (UTC)': 'yyyy-mm-dd hh:mm', 'Price': MONEY}


def _bookings_sheet(book: Workbook, bookings: BookingRows, progress: Progress) -> None:
    """A ``Bookings`` sheet of every row, streamed (progress from 5 % to 90 %). Text goes through
    :func:`cells.excel_value`, so it never starts with ``=`` and openpyxl stores it as text; only the columns with
    a number format get a cell object of their own (half the time of one per cell)."""
    sheet = _sheet(book, 'Bookings', bookings.header)
    formatted = [(i, _DETAIL_FORMATS[h]) for i, h in enumerate(bookings.header) if h in _DETAIL_FORMATS]
    value = cells.excel_value

    def write(row: list) -> None:
        written = [value(v) for v in row]
        for i, number_format in formatted:
            if written[i] is not None:
                cell = WriteOnlyCell(sheet, value=written[i])
                cell.number_format = number_format
                written[i] = cell
        sheet.append(written)

    for done in _stream(bookings, write):
        progress(0.05 + 0.85 * done / max(bookings.total, 1), f'{done:,} of {bookings.total:,} bookings written')


def export_bookings_xlsx(rows: BookingRows, path: Path, *, title: str = 'Bookings',
                         progress: Progress | None = None) -> Path:
    """Write every booking of ``rows`` to ``path`` as a workbook of one ``Bookings`` sheet, chunk by chunk
    (openpyxl's write-only mode keeps no rows in memory); returns the path."""
    tell = progress or (lambda _fraction, _message: None)
    tell(0.0, 'Writing the bookings')
    book = Workbook(write_only=True)
    _bookings_sheet(book, rows, tell)
    book.properties.title = title
    tell(0.95, 'Saving the workbook')
    book.save(path)
    tell(1.0, 'Done')
    return Path(path)


def _sheet(book: Workbook, name: str, header: list[str]):
    sheet = book.create_sheet(name[:31])
    sheet.freeze_panes = 'A2'
    for index, _ in enumerate(header):
        sheet.column_dimensions[chr(65 + index)].width = 18
    sheet.append([_header_cell(sheet, h) for h in header])
    return sheet


def _text_safe_cell(sheet, value) -> WriteOnlyCell:
    """A cell whose text can never be a formula (:mod:`app.services.cells`); numbers and dates as they are."""
    value = cells.excel_value(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = 's'  # openpyxl would store text starting with '=' as a formula
    return cell


def _header_cell(sheet, text: str) -> WriteOnlyCell:
    cell = _text_safe_cell(sheet, text)
    cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    return cell


def _cell(sheet, column: str, value, section: str, label: str = '') -> WriteOnlyCell:
    """A cell formatted by its column (or, in the Summary, by its row's ``label``)."""
    cell = _text_safe_cell(sheet, value)
    kind = _SUMMARY_KINDS.get(label) if section == 'Summary' else None
    if isinstance(value, date):
        cell.number_format = 'yyyy-mm-dd' if 'month' not in section else 'mmm yyyy'
    elif kind == 'money' or column in {'Collected revenue', 'Booked value', 'Lifetime value'}:
        cell.number_format = MONEY
    elif kind == 'rate' or (kind is None and _is_rate(column)):
        cell.number_format = PERCENT
    elif kind == 'days':
        cell.number_format = '0.0'
    return cell


_SUMMARY_KINDS = {label: kind for _, label, kind in KPIS}


def _csv(report: AnalyticsReport, path: Path, *, title: str, currency: str, locations: str) -> None:
    with path.open('w', newline='', encoding='utf-8') as handle:
        writer = csv.writer(handle)
        writer.writerow(['section', 'label', 'value'])
        for label, value in (('title', title), ('locations', locations), ('period', f'{report.start} – {report.end}'),
                             ('currency', currency)):
            writer.writerow(cells.csv_row(['report', label, value]))
        for name, (_header, rows) in sections(report).items():
            for row in rows:
                writer.writerow(cells.csv_row([name, ' / '.join(str(v) for v in row[:-1]), row[-1]]))


def _pdf(report: AnalyticsReport, path: Path, *, title: str, currency: str, locations: str,
         locale: str = 'en_CA') -> None:
    styles = getSampleStyleSheet()
    period = (f'{format_date(report.start, "medium", locale=locale)} – '
              f'{format_date(report.end, "medium", locale=locale)}')
    story = [Paragraph(escape(title), styles['Title']),  # Paragraph reads markup: names are text
             Paragraph(f'{escape(locations)} · {escape(period)} · {currency}, before tax', styles['Normal']),
             Spacer(1, 0.4 * cm)]
    all_sections = sections(report)
    header, rows = all_sections.pop('Summary')
    monthly = next(name for name in all_sections if name.endswith(' per month'))
    story += [_table(header, [[label, _shown(label, value, locale, _SUMMARY_KINDS.get(label))]
                              for label, value in rows]), Spacer(1, 0.5 * cm),
              Paragraph(escape(monthly), styles['Heading2']),
              _bar_chart(all_sections[monthly][1], locale), Spacer(1, 0.3 * cm)]
    small = styles['BodyText'].clone('cell', fontSize=7, leading=8.5)
    for name, (header, rows) in all_sections.items():
        if not rows or (' per ' in name and not name.startswith('No-show')):
            continue  # the daily and weekly series are in the Excel and CSV files; the months are charted above
        if name in ('Definitions', 'Not enough history'):
            shown = [[Paragraph(escape(str(a)), small), Paragraph(escape(str(b)), small)] for a, b in rows]
            story += [Paragraph(name, styles['Heading2']), _table(header, shown, widths=[4.5 * cm, 13 * cm])]
            continue
        cells = [[_shown(header[i], v, locale) for i, v in enumerate(r)] for r in rows]
        if len(header) > 8 and name != 'Peak hours':  # wide (the staff table): the page's width, headers wrapped
            heading = small.clone('head', fontName='Helvetica-Bold', textColor=colors.white, fontSize=6, leading=7)
            # a column as wide as its longest header word or cell (cells do not wrap; names capped at 24)
            longest = [max([len(word) for word in h.split()] + [min(len(str(r[i])), 24) for r in cells[:50]]) + 2
                       for i, h in enumerate(header)]
            table = _table([Paragraph(escape(h), heading) for h in header], cells, font_size=7,
                           widths=[PDF_WIDTH * n / sum(longest) for n in longest])
        else:
            table = _table(header, cells, font_size=6 if name == 'Peak hours' else 8)
        story += [Paragraph(escape(name), styles['Heading2']), table, Spacer(1, 0.3 * cm)]
    document = SimpleDocTemplate(str(path), pagesize=A4, title=title, leftMargin=PDF_MARGIN, rightMargin=PDF_MARGIN,
                                 topMargin=1.5 * cm, bottomMargin=1.5 * cm)
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)


PDF_MARGIN = 1.6 * cm
PDF_WIDTH = A4[0] - 2 * PDF_MARGIN
"""The width a table may take on the PDF's page."""


def _table(header: list, rows: Iterable[list], *, widths: list[float] | None = None,
           font_size: int = 8) -> Table:
    table = Table([header, *rows], repeatRows=1, hAlign='LEFT', colWidths=widths)
    table.setStyle(TableStyle([
        ('BACKGROUND', (0, 0), (-1, 0), colors.HexColor('#3B4A6B')), ('TEXTCOLOR', (0, 0), (-1, 0), colors.white),
        ('FONTNAME', (0, 0), (-1, 0), 'Helvetica-Bold'), ('FONTSIZE', (0, 0), (-1, -1), font_size),
        ('VALIGN', (0, 0), (-1, -1), 'TOP'),
        ('ROWBACKGROUNDS', (0, 1), (-1, -1), [colors.white, colors.HexColor('#F1F4F9')]),
        ('GRID', (0, 0), (-1, -1), 0.25, colors.HexColor('#C9D1DE')),
    ]))
    return table


def _bar_chart(rows: list[list], locale: str = 'en_CA') -> Drawing:
    drawing = Drawing(17 * cm, 6 * cm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 1.5 * cm, 1 * cm, 15 * cm, 4.5 * cm
    chart.data = [[float(v) for _, v in rows] or [0]]
    chart.categoryAxis.categoryNames = [format_date(d, 'MMM yy', locale=locale) for d, _ in rows] or ['']
    chart.valueAxis.labelTextFormat = lambda value: format_decimal(value, '#,##0', locale=locale)
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor('#3B4A6B')
    drawing.add(chart)
    return drawing


def _page_number(canvas, document) -> None:
    canvas.saveState()
    canvas.setFont('Helvetica', 8)
    canvas.drawRightString(A4[0] - 1.6 * cm, 0.8 * cm, f'Page {document.page}')
    canvas.drawString(1.6 * cm, 0.8 * cm, 'ClientPulse')
    canvas.restoreState()


def _shown(label: str, value, locale: str = 'en_CA', kind: str | None = None) -> str:
    """A PDF cell in ``locale``'s writing (babel): rates as percentages, amounts with two decimals, dates short
    (``kind`` — money, rate, count, days — overrides what the column's ``label`` suggests). The narrow no-break
    space some locales group thousands with becomes a no-break space: the PDF's built-in fonts (WinAnsi) have
    no narrow one."""
    return _written(label, value, locale, kind).replace('\u202f', '\u00a0')


def _written(label: str, value, locale: str, kind: str | None = None) -> str:
    if value is None:
        return '–'
    if kind == 'rate' or (kind is None and isinstance(value, float) and _is_rate(label)):
        return format_percent(value, '#,##0.0 %', locale=locale)
    if kind == 'count' or (isinstance(value, int) and kind is None):
        return format_decimal(value, '#,##0', locale=locale)
    if kind == 'days' or label == 'Churn risk' or label.endswith('(days)'):
        return format_decimal(value, '#,##0.0', locale=locale)
    if isinstance(value, float):
        return format_decimal(value, '#,##0.00', locale=locale)
    if isinstance(value, date):
        return format_date(value, 'short', locale=locale)
    return str(value)
