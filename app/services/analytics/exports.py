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
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from xml.sax.saxutils import escape

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from app.config import get_settings
from app.models import UserRead
from app.services import amounts, cells, files, i18n
from app.services.analytics.metrics import DEFINITIONS, definition, weekday_name, word
from app.services.analytics.reports import BOOKING_HEADER, AnalyticsReport, BookingRows, booking_rows, ensure_analyst
from app.services.errors import ValidationError
from app.services.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from reportlab.graphics.shapes import Drawing
    from reportlab.platypus import Table

# openpyxl and reportlab (with numpy under openpyxl) are imported by the functions that write a file, when one is
# first written: at the top of this module they cost every start of the app about a second (bench/startup.py)

FORMATS = ('xlsx', 'pdf', 'csv')
HEADER_COLOUR = '3B4A6B'
MONEY = '#,##0.00'
PERCENT = '0.0%'
KPIS = [  # key in the report's kpis, label, kind (money, rate, count, days)
    ('revenue_cents', N_('Collected revenue'), 'money'), ('booked_value_cents', N_('Booked value'), 'money'),
    ('previous_revenue_cents', N_('Revenue, previous period'), 'money'), ('growth', N_('Growth'), 'rate'),
    ('bookings', N_('Bookings (due)'), 'count'), ('no_show_rate', N_('No-show rate'), 'rate'),
    ('cancellation_rate', N_('Cancellation rate'), 'rate'), ('retention_rate', N_('Retention (90 days)'), 'rate'),
    ('churn_rate', N_('Churn rate'), 'rate'), ('conversion_rate', N_('Inquiry conversion rate'), 'rate'),
    ('customers', N_('Customers with a visit (all time)'), 'count'),
    ('customers_booked', N_('Customers booked'), 'count'),
    ('customers_visited', N_('Customers visited'), 'count'), ('repeat_share', N_('Repeat share'), 'rate'),
    ('lead_time_mean_days', N_('Lead time, mean (days)'), 'days'),
    ('lead_time_median_days', N_('Lead time, median (days)'), 'days'),
    ('same_day_share', N_('Booked the same day share'), 'rate'),
    ('lead_time_unknown', N_('Bookings without a lead time'), 'count'),
    ('hour_unknown_share', N_('Time of day unknown share'), 'rate'),
    ('unmeasured_bookings', N_('Bookings with no length nor service duration'), 'count'),
    ('history_days', N_('Days of data'), 'count'),
]
PAYMENT_WORDS = {'cash': N_('Cash'), 'card': N_('Card'), 'mobile_money': N_('Mobile money'),
                 'gift_card': N_('Gift card'), 'deposit': N_('Deposit'), 'unknown': N_('Unknown')}
"""Payment methods in words (English; shown through :func:`payment_word`)."""
BREAKDOWN_TITLES = {'weekday': N_('Weekday'), 'hour': N_('Hour'), 'staff': N_('Staff member'),
                    'service': N_('Service'), 'category': N_('Category'), 'channel': N_('Channel'),
                    'source': N_('Source (as exported)')}
BREAKDOWN_SHEETS = {'weekday': N_('By weekday'), 'hour': N_('By hour'), 'staff': N_('By staff member'),
                    'service': N_('By service'), 'category': N_('By category'), 'channel': N_('By channel'),
                    'source': N_('By source (as exported)')}
BREAKDOWN_HEADER = [N_('Bookings'), N_('Cancellations'), N_('Cancellation rate'), N_('Due'), N_('No-shows'),
                    N_('No-show rate'), N_('Booked value')]
REVENUE_BY = {'service': N_('service'), 'category': N_('category'), 'staff': N_('staff'), 'channel': N_('channel'),
              'product': N_('product'), 'payment_method': N_('payment method')}
"""The dimensions of the "Revenue by" table in words."""
SHORT_FIGURES = {'segments': N_('segments'), 'churn': N_('churn'), 'at_risk': N_('at risk')}
"""Figures that may lack history, in words (the "Not enough history" table)."""
PER = {('collected', 'day'): N_('Collected revenue per day'), ('collected', 'week'): N_('Collected revenue per week'),
       ('collected', 'month'): N_('Collected revenue per month'), ('booked', 'day'): N_('Booked value per day'),
       ('booked', 'week'): N_('Booked value per week'), ('booked', 'month'): N_('Booked value per month')}
"""The revenue trends' sections, by revenue basis and period."""


def payment_word(method: str) -> str:
    """A payment method's code in the reader's language (an unknown code as it is)."""
    return _(PAYMENT_WORDS[method]) if method in PAYMENT_WORDS else method


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
        raise ValidationError(_('Choose one of {formats}, not "{format}".').format(formats=', '.join(FORMATS),
                                                                                     format=fmt), field='format')
    tell = progress or (lambda _fraction, _message: None)
    tell(0.0, _('Writing the report'))
    if fmt == 'xlsx':
        _xlsx(report, Path(path), title=title, currency=currency, locations=', '.join(locations), bookings=bookings,
              progress=tell)
    else:
        {'pdf': partial(_pdf, locale=locale), 'csv': _csv}[fmt](report, Path(path), title=title, currency=currency,
                                        locations=', '.join(locations))
    tell(1.0, _('Done'))
    return Path(path)


def export_bookings_csv(rows: BookingRows, path: Path, *, progress: Progress | None = None) -> Path:
    """Write every booking of ``rows`` to ``path`` as CSV (header first), chunk by chunk; returns the path."""
    tell = progress or (lambda _fraction, _message: None)
    with Path(path).open('w', newline='', encoding='utf-8') as handle:
        writer = csv.writer(handle)
        writer.writerow(cells.csv_row(rows.header))
        for done in _stream(rows, lambda row: writer.writerow(cells.csv_row(row))):
            tell(done / max(rows.total, 1), _written_count(done, rows.total))
    tell(1.0, _('Done'))
    return Path(path)


def _written_count(done: int, total: int) -> str:
    """Progress of a detail export in words: ``1,000 of 5,000 bookings written``."""
    return ngettext('{done} of {total} booking written', '{done} of {total} bookings written', total).format(
        done=f'{done:,}', total=f'{total:,}')


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
        rows = booking_rows(report.location_ids, report.start, report.end, actor=actor, time_zone=time_zone,
                            currency=currency)
        return files.private_file(export_bookings_csv(rows, folder / f'{uuid.uuid4().hex}.csv', progress=progress))
    if kind == DETAIL_XLSX:
        rows = booking_rows(report.location_ids, report.start, report.end, actor=actor, time_zone=time_zone,
                            currency=currency)
        return files.private_file(export_bookings_xlsx(rows, folder / f'{uuid.uuid4().hex}.xlsx', title=title,
                                                       progress=progress))
    return files.private_file(export(report, folder / f'{uuid.uuid4().hex}.{kind}', fmt=kind, title=title,
                                     currency=currency, locations=locations, progress=progress, locale=locale))


class Section(NamedTuple):
    """One section of the report: ``key`` (its English name, what the writers decide by), ``name`` and ``header``
    in the reader's language, ``columns`` (the English header, what cells are formatted by), the ``rows`` and, for
    the Summary, each row's ``kinds`` (money, rate, count, days)."""

    key: str
    name: str
    header: list[str]
    columns: list[str]
    rows: list[list]
    kinds: list[str] | None = None


def tables(report: AnalyticsReport, currency: str | None = None) -> list[Section]:
    """Every table of the report, as the page shows it, in the current language (words from the data — names,
    services — as they are); money in major units of ``currency`` (the report's minor units are its: a float with
    two decimals for a currency counted in hundredths or None, else an exact Decimal with the currency's own
    decimals: ``1500`` RWF, ``1.500`` BHD), rates as fractions (an English column name ending in "rate" or "share"
    marks them), dates as dates, methods, weekdays, buckets and segments in words."""
    money = _major_units(currency)
    return [
        _summary_section(report, money),
        *_trend_sections(report, money),
        _section('Revenue by', N_('Revenue by'), [N_('By'), N_('Name'), N_('Collected revenue')],
                 [_revenue_by_row(kind, name, money(value)) for kind, pairs in report.revenue_by.items()
                  for name, value in pairs]),
        _section('Customers', N_('Customers'), PEOPLE, [_person_row(c, money) for c in report.top_customers]),
        _section('At risk', N_('At risk'), PEOPLE, [_person_row(c, money) for c in report.at_risk]),
        *_pattern_sections(report),
        _section('Staff', N_('Staff'), STAFF_HEADER, [_staff_row(s, money) for s in report.staff]),
        *(_section(f'By {by}', BREAKDOWN_SHEETS.get(by, by), [BREAKDOWN_TITLES.get(by, by), *BREAKDOWN_HEADER],
                   [_breakdown_row(by, r, money) for r in rows]) for by, rows in report.breakdowns.items()),
        _section('Not enough history', N_('Not enough history'), [N_('Figure'), N_('Why')],
                 [[_(SHORT_FIGURES[k]) if k in SHORT_FIGURES else k.replace('_', ' '), i18n.shown(v)]
                  for k, v in report.not_enough_history.items()]),
        _section('Definitions', N_('Definitions'), [N_('Figure'), N_('Definition')],
                 [[_(k), definition(k)] for k in DEFINITIONS]),
    ]


PEOPLE = ['Customer', 'Visits', 'Lifetime value', 'Last visit', 'Segment', 'Usual interval (days)',
          'Days since last visit', 'Churn risk']
"""The columns of the Customers and At risk tables (English; shown translated)."""
STAFF_HEADER = [N_('Staff member'), N_('Bookings'), N_('Completed'), N_('Completion rate'), N_('No-shows'),
                N_('No-show rate'), N_('Cancellations'), N_('Cancellation rate'), N_('Collected revenue'),
                N_('Utilisation rate')]
WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']


def _major_units(currency: str | None) -> Callable[[int | None], float | Decimal | None]:
    """How the tables write an amount in minor units: :func:`amounts.cell_number` (None stays None)."""
    return lambda cents: None if cents is None else amounts.cell_number(cents, currency)


def _section(key: str, name: str, columns: list[str], rows: list[list], kinds: list[str] | None = None,
             header: list[str] | None = None) -> Section:
    """A section whose header is its English ``columns`` translated (unless ``header`` is given)."""
    return Section(key, _(name), header or [_(c) for c in columns], columns, rows, kinds)


def _summary_section(report: AnalyticsReport, money: Callable) -> Section:
    """The key figures the report has (:data:`KPIS`, in that order), each row's kind alongside."""
    shown = [(key, label, kind) for key, label, kind in KPIS if key in report.kpis]
    return _section('Summary', N_('Summary'), [N_('Figure'), N_('Value')],
                    [[_(label), money(report.kpis[key]) if kind == 'money' else report.kpis[key]]
                     for key, label, kind in shown], [kind for _key, _label, kind in shown])


def _trend_sections(report: AnalyticsReport, money: Callable) -> list[Section]:
    """The revenue (or booked value) per day, per week and per month."""
    basis = 'Collected revenue' if report.revenue_basis == 'collected' else 'Booked value'
    return [_section(f'per {period}', PER[report.revenue_basis, period], [first, basis],
                     [[date.fromisoformat(d), money(v)] for d, v in series])
            for period, first, series in (('day', N_('Day'), report.revenue_daily),
                                          ('week', N_('Week from'), report.revenue_weekly),
                                          ('month', N_('Month'), report.revenue_monthly))]


def _revenue_by_row(kind: str, name: str, value: float | Decimal | None) -> list:
    """A row of "Revenue by": the dimension and the name in words (payment methods and categories translated)."""
    shown = payment_word(name) if kind == 'payment_method' else word(name) if kind == 'category' else name
    return [_(REVENUE_BY[kind]) if kind in REVENUE_BY else kind.replace('_', ' '), shown, value]


def _person_row(customer: dict, money: Callable) -> list:
    """A row of the Customers or At risk table (:data:`PEOPLE`)."""
    c = customer
    return [i18n.shown(c.get('name')) or c['customer_id'], c['visits'], money(c['lifetime_value_cents']),
            date.fromisoformat(c['last_visit']), word(c['segment']), c.get('usual_interval_days'),
            c.get('days_since_last_visit'), c['churn_risk']]


def _pattern_sections(report: AnalyticsReport) -> list[Section]:
    """When people book and cancel: segments, weekday counts and no-shows, peak hours, lead time, notice."""
    hours = [f'{h:02d}:00' for h in report.peak_hours_columns]
    return [
        _section('Segments', N_('Segments'), [N_('Segment'), N_('Customers')],
                 [[word(k), v] for k, v in report.segments.items()]),
        _section('Weekday counts', N_('Weekday counts'), [N_('Weekday'), N_('Due bookings')],
                 [[weekday_name(d), v] for d, v in report.weekday_counts]),
        _section('No-show rate by weekday', N_('No-show rate by weekday'), [N_('Weekday'), N_('No-show rate')],
                 [[weekday_name(d), v] for d, v in report.no_show_by_weekday]),
        _section('Peak hours', N_('Peak hours'), ['Weekday', *hours],
                 [[weekday_name(d), *row] for d, row in zip(WEEKDAYS, report.peak_hours, strict=True)]
                 if hours else [], header=[_('Weekday'), *hours]),
        _section('Lead time', N_('Lead time'), [N_('Lead time'), N_('Bookings')],
                 [[word(k), v] for k, v in report.lead_time.items()]),
        _section('Cancellation notice', N_('Cancellation notice'), [N_('Notice'), N_('Cancellations')],
                 [[word(k), v] for k, v in report.cancellation_notice.items()]),
    ]


def _staff_row(s: dict, money: Callable) -> list:
    """A row of the Staff table (:data:`STAFF_HEADER`)."""
    return [s['staff'], s['bookings'], s['completed'], s['completion_rate'], s['no_shows'], s.get('no_show_rate'),
            s.get('cancellations'), s.get('cancellation_rate'), money(s['revenue_cents']), s['utilisation']]


def _breakdown_row(by: str, r: dict, money: Callable) -> list:
    """A row of a "By …" breakdown (:data:`BREAKDOWN_HEADER`), its name in words (weekdays, categories)."""
    name = (weekday_name(r['name']) if by == 'weekday' else word(i18n.shown(r['name'])) if by == 'category'
            else i18n.shown(r['name']))
    return [name, r['bookings'], r['cancellations'], r['cancellation_rate'], r['due'], r['no_shows'],
            r['no_show_rate'], money(r['booked_value_cents'])]


def sections(report: AnalyticsReport) -> dict[str, tuple[list[str], list[list]]]:
    """Every table of the report (:func:`tables`): section name → (header, rows), in the current language."""
    return {t.name: (t.header, t.rows) for t in tables(report)}


def _is_rate(column: str) -> bool:
    lowered = column.lower()
    return lowered.endswith(('rate', 'share')) or lowered in {'growth', 'retention (90 days)'}


def _xlsx(report: AnalyticsReport, path: Path, *, title: str, currency: str, locations: str,
          bookings: BookingRows | None = None, progress: Progress) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference

    book = Workbook(write_only=True)
    money = amounts.number_format(currency)
    for table in tables(report, currency):
        name, rows = table.name, table.rows
        sheet = _sheet(book, name, table.header)
        for number, row in enumerate(rows):
            kind = table.kinds[number] if table.kinds else None
            sheet.append([_cell(sheet, table.columns[i], value, table.key, kind, money)
                          for i, value in enumerate(row)])
        if table.key.startswith('per ') and rows:
            chart = LineChart() if table.key == 'per day' else BarChart()
            chart.title = f'{name} ({currency})'
            chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(rows) + 1))
            chart.width, chart.height = 22, 9
            sheet.add_chart(chart, 'D2')
    if bookings is not None:
        _bookings_sheet(book, bookings, progress)
    book.properties.title = title
    book.properties.subject = f'{locations}, {report.start} – {report.end}'
    progress(0.95, _('Saving the workbook'))
    book.save(path)


_DETAIL_FORMATS = {'Starts': 'yyyy-mm-dd hh:mm', 'Booked at (UTC)': 'yyyy-mm-dd hh:mm', 'Price': MONEY}
"""Number formats of the detail columns, by their English name (:data:`BOOKING_HEADER`, in that order)."""


def _bookings_sheet(book: Workbook, bookings: BookingRows, progress: Progress) -> None:
    """A ``Bookings`` sheet of every row, streamed (progress from 5 % to 90 %). Text goes through
    :func:`cells.excel_value`, so it never starts with ``=`` and openpyxl stores it as text; only the columns with
    a number format get a cell object of their own (half the time of one per cell)."""
    sheet = _sheet(book, _('Bookings'), bookings.header)
    formats = {**_DETAIL_FORMATS, 'Price': bookings.price_format}
    formatted = [(i, formats[h]) for i, h in enumerate(BOOKING_HEADER) if h in formats]
    value = cells.excel_value
    from openpyxl.cell import WriteOnlyCell

    def write(row: list) -> None:
        written = [value(v) for v in row]
        for i, number_format in formatted:
            if written[i] is not None:
                cell = WriteOnlyCell(sheet, value=written[i])
                cell.number_format = number_format
                written[i] = cell
        sheet.append(written)

    for done in _stream(bookings, write):
        progress(0.05 + 0.85 * done / max(bookings.total, 1), _written_count(done, bookings.total))


def export_bookings_xlsx(rows: BookingRows, path: Path, *, title: str = 'Bookings',
                         progress: Progress | None = None) -> Path:
    """Write every booking of ``rows`` to ``path`` as a workbook of one ``Bookings`` sheet, chunk by chunk
    (openpyxl's write-only mode keeps no rows in memory); returns the path."""
    tell = progress or (lambda _fraction, _message: None)
    tell(0.0, _('Writing the bookings'))
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    _bookings_sheet(book, rows, tell)
    book.properties.title = title
    tell(0.95, _('Saving the workbook'))
    book.save(path)
    tell(1.0, _('Done'))
    return Path(path)


def _sheet(book: Workbook, name: str, header: list[str]):
    sheet = book.create_sheet(name[:31])
    sheet.freeze_panes = 'A2'
    for index in range(len(header)):
        sheet.column_dimensions[chr(65 + index)].width = 18
    sheet.append([_header_cell(sheet, h) for h in header])
    return sheet


def _text_safe_cell(sheet, value) -> WriteOnlyCell:
    """A cell whose text can never be a formula (:mod:`app.services.cells`); numbers and dates as they are."""
    from openpyxl.cell import WriteOnlyCell

    value = cells.excel_value(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = 's'  # openpyxl would store text starting with '=' as a formula
    return cell


def _header_cell(sheet, text: str) -> WriteOnlyCell:
    from openpyxl.styles import Font, PatternFill

    cell = _text_safe_cell(sheet, text)
    cell.font, cell.fill = Font(bold=True, color='FFFFFF'), PatternFill('solid', fgColor=HEADER_COLOUR)
    return cell


def _cell(sheet, column: str, value, section: str, kind: str | None = None, money: str = MONEY) -> WriteOnlyCell:
    """A cell formatted by its (English) ``column``, or by its row's ``kind`` (the Summary's rows); ``section``:
    the table's English key; ``money``: the number format of amounts (:func:`~app.services.amounts.number_format`
    of the currency)."""
    cell = _text_safe_cell(sheet, value)
    if isinstance(value, date):
        cell.number_format = 'yyyy-mm-dd' if 'month' not in section else 'mmm yyyy'
    elif kind == 'money' or column in {'Collected revenue', 'Booked value', 'Lifetime value'}:
        cell.number_format = money
    elif kind == 'rate' or (kind is None and _is_rate(column)):
        cell.number_format = PERCENT
    elif kind == 'days':
        cell.number_format = '0.0'
    return cell


def _csv(report: AnalyticsReport, path: Path, *, title: str, currency: str, locations: str) -> None:
    with path.open('w', newline='', encoding='utf-8') as handle:
        writer = csv.writer(handle)
        writer.writerow(['section', 'label', 'value'])
        for label, value in (('title', title), ('locations', locations), ('period', f'{report.start} – {report.end}'),
                             ('currency', currency)):
            writer.writerow(cells.csv_row(['report', label, value]))
        for table in tables(report, currency):
            for row in table.rows:
                writer.writerow(cells.csv_row([table.name, ' / '.join(str(v) for v in row[:-1]), row[-1]]))


def _pdf(report: AnalyticsReport, path: Path, *, title: str, currency: str, locations: str,
         locale: str = 'en_CA') -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    cm = CM
    styles = getSampleStyleSheet()
    period = (f'{format_date(report.start, "medium", locale=locale)} – '
              f'{format_date(report.end, "medium", locale=locale)}')
    story = [Paragraph(escape(title), styles['Title']),  # Paragraph reads markup: names are text
             Paragraph(escape(_('{locations} · {period} · {currency}, before tax').format(
                 locations=locations, period=period, currency=currency)), styles['Normal']),
             Spacer(1, 0.4 * cm)]
    all_tables = {t.key: t for t in tables(report, currency)}
    money = amounts.number_format(currency)
    summary, monthly = all_tables.pop('Summary'), all_tables['per month']
    story += [_table(summary.header, [[label, _shown('', value, locale, kind, money)]
                                      for (label, value), kind in zip(summary.rows, summary.kinds, strict=True)]),
              Spacer(1, 0.5 * cm), Paragraph(escape(monthly.name), styles['Heading2']),
              _bar_chart(monthly.rows, locale), Spacer(1, 0.3 * cm)]
    small = styles['BodyText'].clone('cell', fontSize=7, leading=8.5)
    for key, table in all_tables.items():
        name, header, rows = table.name, table.header, table.rows
        if not rows or key.startswith('per '):
            continue  # the daily and weekly series are in the Excel and CSV files; the months are charted above
        if key in ('Definitions', 'Not enough history'):
            shown = [[Paragraph(escape(str(a)), small), Paragraph(escape(str(b)), small)] for a, b in rows]
            story += [Paragraph(escape(name), styles['Heading2']), _table(header, shown, widths=[4.5 * cm, 13 * cm])]
            continue
        cells = [[_shown(table.columns[i], v, locale, money=money) for i, v in enumerate(r)] for r in rows]
        if len(header) > 8 and key != 'Peak hours':  # wide (the staff table): the page's width, headers wrapped
            heading = small.clone('head', fontName='Helvetica-Bold', textColor=colors.white, fontSize=6, leading=7)
            # a column as wide as its longest header word or cell (cells do not wrap; names capped at 24)
            longest = [max([len(word) for word in h.split()] + [min(len(str(r[i])), 24) for r in cells[:50]]) + 2
                       for i, h in enumerate(header)]
            drawn = _table([Paragraph(escape(h), heading) for h in header], cells, font_size=7,
                           widths=[PDF_WIDTH * n / sum(longest) for n in longest])
        else:
            drawn = _table(header, cells, font_size=6 if key == 'Peak hours' else 8)
        story += [Paragraph(escape(name), styles['Heading2']), drawn, Spacer(1, 0.3 * cm)]
    document = SimpleDocTemplate(str(path), pagesize=A4, title=title, leftMargin=PDF_MARGIN, rightMargin=PDF_MARGIN,
                                 topMargin=1.5 * cm, bottomMargin=1.5 * cm)
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)


CM = 72 / 2.54
"""A centimetre in PDF points (``reportlab.lib.units.cm``)."""
A4_WIDTH = 21 / 2.54 * 72
"""An A4 page's width in PDF points (``reportlab.lib.pagesizes.A4[0]``)."""
PDF_MARGIN = 1.6 * CM
PDF_WIDTH = A4_WIDTH - 2 * PDF_MARGIN
"""The width a table may take on the PDF's page."""


def _table(header: list, rows: Iterable[list], *, widths: list[float] | None = None,
           font_size: int = 8) -> Table:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

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
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    cm = CM
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
    canvas.drawRightString(A4_WIDTH - PDF_MARGIN, 0.8 * CM, _('Page {number}').format(number=document.page))
    canvas.drawString(PDF_MARGIN, 0.8 * CM, 'ClientPulse')
    canvas.restoreState()


def _shown(label: str, value, locale: str = 'en_CA', kind: str | None = None, money: str = MONEY) -> str:
    """A PDF cell in ``locale``'s writing (babel): rates as percentages, amounts with two decimals, dates short
    (``kind`` — money, rate, count, days — overrides what the column's ``label`` suggests). The narrow no-break
    space some locales group thousands with becomes a no-break space: the PDF's built-in fonts (WinAnsi) have
    no narrow one."""
    return _written(label, value, locale, kind, money).replace('\u202f', '\u00a0')


def _written(label: str, value, locale: str, kind: str | None = None, money: str = MONEY) -> str:
    if value is None:
        return '–'
    if kind == 'rate' or (kind is None and isinstance(value, float) and _is_rate(label)):
        return format_percent(value, '#,##0.0 %', locale=locale)
    if kind == 'count' or (isinstance(value, int) and kind is None):
        return format_decimal(value, '#,##0', locale=locale)
    if kind == 'days' or label == 'Churn risk' or label.endswith('(days)'):
        return format_decimal(value, '#,##0.0', locale=locale)
    if isinstance(value, float | Decimal):
        return format_decimal(value, money, locale=locale)
    if isinstance(value, date):
        return format_date(value, 'short', locale=locale)
    return str(value)
