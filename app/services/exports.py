"""Exports of an :class:`~app.services.reports.AnalyticsReport`: Excel, PDF and CSV.

- Excel (openpyxl, write-only): one sheet per section, styled and frozen header rows, number and
  date formats, native Excel charts for the revenue trends.
- PDF (reportlab): title, period, locations, KPI table, revenue chart, tables, page numbers.
- CSV: one long table ``section, label, value`` (money in major units, rates as fractions).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path

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

from .errors import ValidationError
from .reports import AnalyticsReport

FORMATS = ('xlsx', 'pdf', 'csv')
HEADER_FILL = PatternFill('solid', fgColor='3B4A6B')
HEADER_FONT = Font(bold=True, color='FFFFFF')
MONEY = '#,##0.00'
PERCENT = '0.0%'
KPI_LABELS = {'revenue_cents': 'Revenue', 'previous_revenue_cents': 'Revenue, previous period', 'growth': 'Growth',
              'bookings': 'Bookings (due)', 'no_show_rate': 'No-show rate', 'cancellation_rate': 'Cancellation rate',
              'retention_rate': 'Retention (90 days)', 'churn_rate': 'Churn rate',
              'conversion_rate': 'Inquiry conversion', 'customers': 'Customers with a visit'}


def export(report: AnalyticsReport, path: Path, *, fmt: str, title: str, currency: str,
           locations: list[str]) -> Path:
    """Write ``report`` for the named ``locations`` to ``path`` as ``fmt`` (xlsx, pdf or csv); returns the path.

    :raises ValidationError: unknown format
    """
    if fmt not in FORMATS:
        raise ValidationError(f'Choose one of {", ".join(FORMATS)}, not "{fmt}".', field='format')
    {'xlsx': _xlsx, 'pdf': _pdf, 'csv': _csv}[fmt](report, Path(path), title=title, currency=currency,
                                                   locations=', '.join(locations))
    return Path(path)


def export_bytes(report: AnalyticsReport, *, fmt: str, title: str, currency: str, locations: list[str]) -> bytes:
    """The export as bytes (for a download). :raises ValidationError: unknown format"""
    with tempfile.TemporaryDirectory() as folder:
        path = export(report, Path(folder) / f'report.{fmt}', fmt=fmt, title=title, currency=currency,
                      locations=locations)
        return path.read_bytes()


def sections(report: AnalyticsReport) -> dict[str, tuple[list[str], list[list]]]:
    """Every table of the report: section name → (header, rows); money in major units, dates as dates."""
    money = lambda cents: round(cents / 100, 2)  # noqa: E731
    kpis = [[KPI_LABELS[k], money(v) if k.endswith('_cents') and v is not None else v]
            for k, v in report.kpis.items()]
    by = [[kind.replace('_', ' '), name, money(value)] for kind, pairs in report.revenue_by.items()
          for name, value in pairs]
    return {
        'Summary': (['Figure', 'Value'], kpis),
        'Revenue per day': (['Day', 'Revenue'], [[date.fromisoformat(d), money(v)] for d, v in report.revenue_daily]),
        'Revenue per week': (['Week from', 'Revenue'], [[date.fromisoformat(d), money(v)]
                                                        for d, v in report.revenue_weekly]),
        'Revenue per month': (['Month', 'Revenue'], [[date.fromisoformat(d), money(v)]
                                                     for d, v in report.revenue_monthly]),
        'Revenue by': (['By', 'Name', 'Revenue'], by),
        'Customers': (['Customer id', 'Visits', 'Lifetime value', 'Last visit', 'Segment', 'Churn risk'],
                      [[c['customer_id'], c['visits'], money(c['lifetime_value_cents']),
                        date.fromisoformat(c['last_visit']), c['segment'], c['churn_risk']]
                       for c in report.top_customers]),
        'At risk': (['Customer id', 'Visits', 'Lifetime value', 'Last visit', 'Segment', 'Churn risk'],
                    [[c['customer_id'], c['visits'], money(c['lifetime_value_cents']),
                      date.fromisoformat(c['last_visit']), c['segment'], c['churn_risk']] for c in report.at_risk]),
        'Segments': (['Segment', 'Customers'], [[k, v] for k, v in report.segments.items()]),
        'Operations': (['Measure', 'Bucket', 'Value'],
                       [['No-show rate', d, v] for d, v in report.no_show_by_weekday]
                       + [['Lead time', k, v] for k, v in report.lead_time.items()]
                       + [['Cancellation notice', k, v] for k, v in report.cancellation_notice.items()]),
        'Staff': (['Staff member', 'Bookings', 'Completed', 'Completion rate', 'No-shows', 'Revenue', 'Utilisation'],
                  [[s['staff'], s['bookings'], s['completed'], s['completion_rate'], s['no_shows'],
                    money(s['revenue_cents']), s['utilisation']] for s in report.staff]),
    }


def _xlsx(report: AnalyticsReport, path: Path, *, title: str, currency: str, locations: str) -> None:
    book = Workbook(write_only=True)
    for name, (header, rows) in sections(report).items():
        sheet = book.create_sheet(name[:31])
        sheet.freeze_panes = 'A2'
        for index, _ in enumerate(header):
            sheet.column_dimensions[chr(65 + index)].width = 18
        sheet.append([_header_cell(sheet, h) for h in header])
        for row in rows:
            sheet.append([_cell(sheet, header[i], value, name) for i, value in enumerate(row)])
        if name.startswith('Revenue per') and rows:
            chart = LineChart() if name == 'Revenue per day' else BarChart()
            chart.title = f'{name} ({currency})'
            chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(rows) + 1))
            chart.width, chart.height = 22, 9
            sheet.add_chart(chart, 'D2')
    book.properties.title = title
    book.properties.subject = f'{locations}, {report.start} – {report.end}'
    book.save(path)


def _header_cell(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    return cell


def _cell(sheet, column: str, value, section: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, date):
        cell.number_format = 'yyyy-mm-dd' if 'month' not in section else 'mmm yyyy'
    elif column in {'Revenue', 'Lifetime value'}:
        cell.number_format = MONEY
    elif column.endswith('rate') or column == 'Utilisation' or (section == 'Summary' and isinstance(value, float)
                                                                 and abs(value) <= 1.5):
        cell.number_format = PERCENT
    return cell


def _csv(report: AnalyticsReport, path: Path, *, title: str, currency: str, locations: str) -> None:
    with path.open('w', newline='', encoding='utf-8') as handle:
        writer = csv.writer(handle)
        writer.writerow(['section', 'label', 'value'])
        writer.writerow(['report', 'title', title])
        writer.writerow(['report', 'locations', locations])
        writer.writerow(['report', 'period', f'{report.start} – {report.end}'])
        writer.writerow(['report', 'currency', currency])
        for name, (_header, rows) in sections(report).items():
            for row in rows:
                writer.writerow([name, ' / '.join(str(v) for v in row[:-1]), _plain(row[-1])])


def _pdf(report: AnalyticsReport, path: Path, *, title: str, currency: str, locations: str) -> None:
    styles = getSampleStyleSheet()
    story = [Paragraph(title, styles['Title']),
             Paragraph(f'{locations} · period {report.start:%d %b %Y} – {report.end:%d %b %Y} · amounts in '
                       f'{currency}, before tax', styles['Normal']), Spacer(1, 0.4 * cm)]
    all_sections = sections(report)
    header, rows = all_sections['Summary']
    story += [_table(header, [[label, _shown(label, value)] for label, value in rows]), Spacer(1, 0.5 * cm),
              Paragraph('Revenue per month', styles['Heading2']), _bar_chart(all_sections['Revenue per month'][1]),
              Spacer(1, 0.3 * cm)]
    for name in ('Revenue by', 'Staff', 'Customers', 'At risk', 'Operations'):
        header, rows = all_sections[name]
        if rows:
            story += [Paragraph(name, styles['Heading2']),
                      _table(header, [[_shown(header[i], v) for i, v in enumerate(r)] for r in rows]),
                      Spacer(1, 0.3 * cm)]
    document = SimpleDocTemplate(str(path), pagesize=A4, title=title, leftMargin=1.6 * cm, rightMargin=1.6 * cm,
                                 topMargin=1.5 * cm, bottomMargin=1.5 * cm)
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)


def _table(header: list[str], rows: Iterable[list]) -> Table:
    table = Table([header, *rows], repeatRows=1, hAlign='LEFT')
    table.setStyle(TableStyle([
        ('BACKGROUND', (0, 0), (-1, 0), colors.HexColor('#3B4A6B')), ('TEXTCOLOR', (0, 0), (-1, 0), colors.white),
        ('FONTNAME', (0, 0), (-1, 0), 'Helvetica-Bold'), ('FONTSIZE', (0, 0), (-1, -1), 8),
        ('ROWBACKGROUNDS', (0, 1), (-1, -1), [colors.white, colors.HexColor('#F1F4F9')]),
        ('GRID', (0, 0), (-1, -1), 0.25, colors.HexColor('#C9D1DE')),
    ]))
    return table


def _bar_chart(rows: list[list]) -> Drawing:
    drawing = Drawing(17 * cm, 6 * cm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 1.5 * cm, 1 * cm, 15 * cm, 4.5 * cm
    chart.data = [[float(v) for _, v in rows] or [0]]
    chart.categoryAxis.categoryNames = [f'{d:%b %y}' for d, _ in rows] or ['']
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


def _shown(label: str, value) -> str:
    if value is None:
        return '–'
    if isinstance(value, float) and (label in {'Growth', 'Utilisation', 'Churn risk'} or 'rate' in label.lower()
                                     or 'Retention' in label or 'conversion' in label):
        return f'{value:.2f}' if label == 'Churn risk' else f'{value * 100:.1f} %'
    if isinstance(value, float):
        return f'{value:,.2f}'
    if isinstance(value, date):
        return f'{value:%Y-%m-%d}'
    return str(value)


def _plain(value) -> str:
    if value is None:
        return ''
    return value.isoformat() if isinstance(value, date) else str(value)
