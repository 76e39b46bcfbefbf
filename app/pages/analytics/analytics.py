"""Analytics for owners and managers: revenue, customers and operations, live, with a period and
location filter. The report is computed once per change and shared by every tab (see
:mod:`app.services.analytics.reports`); it is fetched off the event loop.

The page is drawn at once with its filters and a progress line, and filled in when the report is ready
(the first report of a large database can take longer than NiceGUI waits for a page)."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_date
from nicegui import app, background_tasks, ui
from nicegui.client import ClientConnectionTimeout

from app import live
from app.models import Forecast, LocationRead, Role, UserRead
from app.pages import language, params
from app.pages.figure_cards import FigureCards
from app.pages.formatting import count, money, rate
from app.pages.guard import PageContext, guarded_page
from app.pages.signed_in import MANAGING
from app.services import amounts, clock, events, i18n
from app.services.analytics import exports, forecast, metrics, noshow, reports
from app.services.campaigns import targeting
from app.services.catalogue import locations
from app.services.errors import ClientPulseError
from app.services.i18n import N_, _, ngettext
from app.services.money import day_close

ROLES = MANAGING
log = logging.getLogger(__name__)
CONNECTION_TIMEOUT = 30.0
"""Seconds a page drawn before its browser connected waits to draw its charts (a browser that never connects)."""
FIGURES_FIRST = 0.005
"""Seconds between the connection and the charts, so the outbox sends the figures first, in an update of their own."""
BREAKDOWN_LABELS = exports.BREAKDOWN_TITLES
definition = metrics.definition


@guarded_page('/analytics', roles=ROLES, title=N_('Analytics'), icon='insights')
def analytics_page(page: PageContext, start: str | None = None, end: str | None = None,
                   location: str | None = None) -> None:
    """The Analytics page from ``start`` to ``end`` (ISO dates; default the last 30 days) at ``location``."""
    user, home = page.user, page.location
    chosen = _locations(user, home, location)
    last, last_message = params.day(end, clock.today(home.time_zone), what=_('last day'))
    first, first_message = params.day(start, last - timedelta(days=29), what=_('first day'))
    if first > last:
        first, first_message = last - timedelta(days=29), _('The first day came after the last: showing the '
                                                            '30 days up to the last.')
    params.notice(last_message)
    params.notice(first_message)
    _filters(user, chosen, first, last)
    view = _AnalyticsView(user, chosen, first, last, home.time_zone)
    # worked out at once, in a worker thread, while the browser loads the page (a timer would start only once the
    # page is connected: ~200 ms later, bench/page_time.py); drawn when ready, sent when the page is connected
    background_tasks.create(view.load(), name='analytics figures', context=view.container)  # its language, its tab
    for item in chosen:
        live.on_change(item.id, lambda _event: view.load(),  # async: awaited in this tab
                       kinds=events.DATA_EVENTS + events.STAFF_EVENTS + events.NAMES_EVENTS)


class _AnalyticsView:
    def __init__(self, user: UserRead, chosen: list[LocationRead], first: date, last: date, time_zone: str) -> None:
        self.user, self.chosen, self.first, self.last, self.time_zone = user, chosen, first, last, time_zone
        self.currency = chosen[0].currency if chosen else 'USD'
        self.locale = i18n.locale_for(chosen[0].locale if chosen else 'en_CA')  # dates in the reader's language
        self.report: reports.AnalyticsReport | None = None
        self.tab = 'revenue'  # the tab shown: kept across redraws
        self.money_figures: day_close.MoneySummary | None = None
        self.forecasts: list[Forecast] = []
        self.risk_models: list[noshow.ModelState] = []
        self.forecast_panel: ui.column | None = None  # the Forecast tab: drawn again alone when only it changes
        # the export bar stays put while the figures below are redrawn (an export outlives redraws)
        with ui.row().classes('items-center gap-2'):
            ui.label(_('Export')).classes('text-sm text-slate-500')
            for kind, label in (('xlsx', 'Excel'), ('pdf', 'PDF'), ('csv', 'CSV'),
                                (exports.DETAIL, _('Every booking (CSV)')),
                                (exports.DETAIL_XLSX, _('Every booking (Excel)'))):
                ui.button(label, icon='download', on_click=lambda k=kind: self.download(k)).props(
                    'flat dense').mark(f'export-{kind}')
            self.export_status = ui.row().classes('items-center gap-2')
        self.container = ui.column().classes('w-full gap-4')
        self.loads = 0  # the latest load draws; an earlier one finishing late is dropped
        with self.container, ui.row().classes('items-center gap-3').mark('analytics-loading'):
            ui.spinner(size='lg')
            ui.label(_('Working out the figures for {first} – {last}…').format(
                first=format_date(first, 'medium', locale=self.locale),
                last=format_date(last, 'medium', locale=self.locale))).classes('text-slate-500')

    async def fetch(self) -> reports.AnalyticsReport:
        return await language.io_bound(reports.report, [x.id for x in self.chosen], self.first, self.last,
                                       actor=self.user, as_of=clock.now(), time_zone=self.time_zone)

    async def load(self) -> None:
        self.loads += 1
        mine = self.loads
        try:
            report = await self.fetch()
            start, _end = clock.day_bounds(self.first, self.time_zone)
            _start, end = clock.day_bounds(self.last, self.time_zone)
            money_figures = await language.io_bound(day_close.money_summary, [x.id for x in self.chosen],
                                                    start, end, actor=self.user)
            forecasts = [await language.io_bound(forecast.location_forecast, x.id, actor=self.user,
                                                 as_of=clock.now(), time_zone=x.time_zone)
                         for x in self.chosen]
            risk_models = [await language.io_bound(noshow.model_state, x.id, actor=self.user, wait=True)
                           for x in self.chosen]
        except ClientPulseError as error:
            self.failed(str(error))
            return
        except Exception:
            log.exception('the analytics report failed')
            self.failed(_('The figures could not be worked out (an unexpected error, logged for the developers).'))
            return
        if mine != self.loads or self.container.is_deleted:
            return  # a later load draws
        if (report is self.report and money_figures == self.money_figures and self.forecast_panel is not None
                and not self.forecast_panel.is_deleted):
            # the same report (a booking made for a later day): at most the Forecast tab's figures changed (the no-show
            # risk counts of the bookings ahead), so only it is drawn again, not every chart of every tab
            if (forecasts, risk_models) != (self.forecasts, self.risk_models):
                self.forecasts, self.risk_models = forecasts, risk_models
                self.forecast_panel.clear()
                with self.forecast_panel:
                    self.forecast()
            return
        self.money_figures, self.forecasts, self.risk_models = money_figures, forecasts, risk_models
        self.render(report)

    def failed(self, message: str) -> None:
        if self.container.is_deleted:
            return
        self.container.clear()
        with self.container:
            ui.label(message).classes('text-negative').mark('analytics-error')

    def render(self, report: reports.AnalyticsReport) -> None:
        self.report = report
        self.container.clear()
        with self.container:
            self.kpis(report)
            # as wide as the page, not as its four labels (on a phone they pushed the page sideways): swiped there
            # redrawn on every change in its locations: the tab the reader chose stays chosen
            with ui.tabs(value=self.tab, on_change=lambda e: setattr(self, 'tab', e.value)).classes('w-full').props(
                    'align=left mobile-arrows outside-arrows').mark('analytics-tabs') as tabs:
                revenue_tab, customers_tab = ui.tab('revenue', _('Revenue')), ui.tab('customers', _('Customers'))
                operations_tab = ui.tab('operations', _('Operations'))
                forecast_tab = ui.tab('forecast', _('Forecast'))
            with ui.tab_panels(tabs, value=self.tab).classes('w-full'):
                panels = [ui.tab_panel(tab) for tab in (revenue_tab, customers_tab, operations_tab, forecast_tab)]
        client = self.container.client
        if client.has_socket_connection:
            self.panels(report, panels)
        else:  # the figures go first, alone: their update needs no chart library, and the browser shows them at once
            background_tasks.create(self.panels_once_connected(report, panels), name='analytics charts',
                                    context=self.container)

    async def panels_once_connected(self, report: reports.AnalyticsReport, panels: list[ui.tab_panel]) -> None:
        """Draw the tabs' charts and tables once the browser has connected and been sent the figures: an update with
        a chart makes the browser load the chart library (1.1 MB) before it shows anything of that update, so the
        figures drawn before the connection would otherwise wait for it (~40 ms, ``bench/page_time.py``)."""
        client = self.container.client
        try:
            await client.connected(timeout=CONNECTION_TIMEOUT)
        except ClientConnectionTimeout:
            return
        await asyncio.sleep(FIGURES_FIRST)
        if not panels[0].is_deleted:  # not drawn again meanwhile, the page still open
            self.panels(report, panels)

    def panels(self, report: reports.AnalyticsReport, panels: list[ui.tab_panel]) -> None:
        """Fill the tab ``panels`` (revenue, customers, operations, forecast) with ``report``'s charts and tables."""
        revenue, customers, operations, forecast_tab = panels
        with revenue:
            self.revenue(report)
        with customers:
            self.customers(report)
        with operations:
            self.operations(report)
        with forecast_tab:
            self.forecast_panel = ui.column().classes('w-full gap-4 p-0')
            with self.forecast_panel:
                self.forecast()

    async def download(self, kind: str) -> None:
        """Write the file in a worker thread (other tabs carry on), showing its progress, then
        let the browser fetch it from disk once."""
        report = self.report
        if report is None:
            return
        names = [x.name for x in self.chosen]
        state = {'fraction': 0.0, 'message': _('Preparing the export')}
        with self.export_status:
            bar = ui.linear_progress(value=0, show_value=False).classes('w-48').mark('export-progress')
            message = ui.label().classes('text-sm text-slate-500').mark('export-message')
        shown = ui.timer(0.25, lambda: (bar.set_value(state['fraction']), message.set_text(state['message'])))
        try:
            path = await language.io_bound(exports.export_for_download, report, actor=self.user, kind=kind,
                                           title=_('{locations} — analytics').format(locations=', '.join(names)),
                                           currency=self.currency,
                                           locations=names, time_zone=self.time_zone, locale=self.locale,
                                           progress=lambda fraction, text: state.update(fraction=fraction,
                                                                                        message=text))
        finally:
            shown.cancel()
            self.export_status.clear()
        suffix = {exports.DETAIL: '-bookings.csv', exports.DETAIL_XLSX: '-bookings.xlsx'}.get(kind, f'.{kind}')
        url = app.add_static_file(local_file=path, single_use=True)
        ui.context.client.on_delete(lambda: app.remove_route(urllib.parse.unquote(url)))
        ui.download.from_url(url, f'clientpulse-{report.start}-{report.end}{suffix}')

    def kpis(self, report: reports.AnalyticsReport) -> None:
        k = report.kpis
        if k['growth'] is not None:
            growth = f'{k["growth"] * 100:+.1f} %'
        else:
            growth = _('No earlier period to compare') if k.get('previous_revenue_cents') is None else '–'
        cash = lambda cents: money(cents, self.currency, self.locale)  # noqa: E731
        days = lambda value: '–' if value is None else _('{days} days').format(days=f'{value:.1f}')  # noqa: E731
        _cards('kpis', [
            ('kpi-revenue', _('Collected revenue'), cash(k['revenue_cents']), definition('Collected revenue')),
            ('kpi-booked-value', _('Booked value'), cash(k['booked_value_cents']), definition('Booked value')),
            ('kpi-growth', _('Growth (collected revenue)') if report.revenue_basis == 'collected' else
             _('Growth (booked value)'), growth, definition('Growth')),
            ('kpi-bookings', _('Bookings'), count(k['bookings']), definition('Bookings')),
            ('kpi-no-show', _('No-show rate'), rate(k['no_show_rate']), definition('No-show rate')),
            ('kpi-cancellation', _('Cancellation rate'), rate(k['cancellation_rate']),
             definition('Cancellation rate')),
            ('kpi-retention', _('Retention (90 days)'), rate(k['retention_rate']), definition('Retention (90 days)')),
            ('kpi-churn', _('Churn rate'), _('Not enough history') if 'churn' in report.not_enough_history else
             rate(k['churn_rate']), definition('Churn rate'))])
        _cards('customer-cards', [
            ('kpi-customers-booked', _('Customers booked'), count(k.get('customers_booked', 0)),
             definition('Customers booked')),
            ('kpi-customers-visited', _('Customers visited'), count(k.get('customers_visited', 0)),
             definition('Customers visited')),
            ('kpi-repeat', _('Repeat share'), rate(k.get('repeat_share')), definition('Repeat share')),
            ('kpi-lead-median', _('Lead time (median)'), days(k.get('lead_time_median_days')), definition('Lead time')),
            ('kpi-lead-mean', _('Lead time (mean)'), days(k.get('lead_time_mean_days')), definition('Lead time')),
            ('kpi-same-day', _('Booked the same day'), rate(k.get('same_day_share')), definition('Lead time'))])
        figures = self.money_figures
        if figures is None:
            return
        _cards('money-cards', [
            ('kpi-tips', _('Tips'), cash(figures.tips), _('Tips given to staff members: not revenue, not taxed.')),
            ('kpi-discounts', _('Discounts'), cash(figures.discounts),
             _('Taken off lines before tax; revenue is after them.')),
            ('kpi-refunds', _('Refunds'), cash(figures.refunds), _('Paid back; revenue is after them.')),
            ('kpi-gift-sold', _('Gift cards sold'), cash(figures.gift_cards_sold),
             _('Owed to their holders: revenue only when spent.')),
            ('kpi-gift-spent', _('Gift cards spent'), cash(figures.gift_cards_spent), _('Paid with gift cards.')),
            ('kpi-deposits', _('Deposits taken'), cash(figures.deposits_taken), _('Owed until used or kept.')),
            ('kpi-fees', _('Fees kept'), cash(figures.fees_kept),
             _('Deposits kept for no-shows and late cancellations: revenue.')),
            ('kpi-points', _('Points outstanding'), count(figures.points_outstanding),
             _('Loyalty points customers hold now.')),
            ('kpi-redemption', _('Points redeemed'), rate(figures.redemption_rate),
             _('Points redeemed in the period ÷ points earned in it.'))])

    def revenue(self, report: reports.AnalyticsReport) -> None:
        booked = report.revenue_basis == 'booked'
        basis = 'Booked value' if booked else 'Collected revenue'
        if report.revenue_basis == 'booked' and not any(v for series in (
                report.revenue_daily, report.revenue_weekly, report.revenue_monthly) for _, v in series):
            # no receipts and no prices (the clinic file): charts flat at zero would say nothing true
            ui.label(_('No receipts are recorded here and the bookings carry no prices: there is no revenue to '
                       'chart. Bookings over time are under Operations and Forecast.')).classes('text-slate-500').mark(
                'revenue-none')
            return
        if report.revenue_basis == 'booked':
            ui.label(_('No receipts are recorded here, so the charts over time show booked value: what the '
                       'bookings were worth.')).classes('text-sm text-slate-500').mark('revenue-basis')
        with ui.grid().classes('w-full gap-4 grid-cols-1 md:grid-cols-2'):
            money_of = (self.currency, self.locale)
            series = _('Booked value') if booked else _('Collected revenue')  # the series' name, in tooltips
            _chart(_('Booked value per day (last 30 days of the period)') if booked else
                   _('Collected revenue per day (last 30 days of the period)'),
                   _line(report.revenue_daily, *money_of, name=series), 'chart-daily', definition(basis))
            _chart(_('Booked value per week (12 weeks)') if booked else _('Collected revenue per week (12 weeks)'),
                   _bars(_dated(report.revenue_weekly, self.locale), money=money_of, name=series),
                   'chart-weekly', definition(basis))
            _chart(_('Booked value per month (12 months)') if booked else
                   _('Collected revenue per month (12 months)'),
                   _bars(_dated(report.revenue_monthly, self.locale, 'MMM yy'), money=money_of, name=series),
                   'chart-monthly', definition(basis))
            no_receipts = (_('Payments and products come from receipts; none are recorded in this period.')
                           if booked else _('Nothing to show for this period.'))
            _chart(_('Booked value by category') if booked else _('Revenue by category'),
                   _pie([(metrics.word(k), v) for k, v in self.revenue_by(report, 'category')]), 'chart-category',
                   definition('Revenue by category'))
            _chart(_('Booked value by staff member') if booked else _('Revenue by staff member'),
                   _bars(self.revenue_by(report, 'staff'), horizontal=True, money=money_of, name=series),
                   'chart-staff')
            _chart(_('Revenue by payment method'), _pie([(exports.payment_word(k), v)
                                                         for k, v in report.revenue_by['payment_method']]),
                   'chart-payment', empty=no_receipts)
            _chart(_('Top services'), _bars(self.revenue_by(report, 'service'), horizontal=True, money=money_of,
                                            name=series), 'chart-services')
            _chart(_('Top products'), _bars(report.revenue_by['product'], horizontal=True, money=money_of,
                                            name=_('Collected revenue')), 'chart-products', empty=no_receipts)

    @staticmethod
    def revenue_by(report: reports.AnalyticsReport, by: str) -> list[tuple[str, int]]:
        """Revenue per ``by`` (category, staff, service) in minor units, top ten: collected, or — where no receipts
        are recorded — booked value (from the bookings' breakdown)."""
        if report.revenue_basis != 'booked':
            return report.revenue_by[by]
        pairs = [(i18n.shown(row['name']), row['booked_value_cents'] or 0) for row in report.breakdowns.get(by, [])]
        return sorted(pairs, key=lambda pair: -pair[1])[:10]

    def customers(self, report: reports.AnalyticsReport) -> None:
        short = report.not_enough_history
        with ui.grid().classes('w-full gap-4 grid-cols-1 md:grid-cols-2'):
            if 'segments' in short:
                with ui.card().classes('w-full'):
                    ui.label(_('Segments')).classes('font-semibold')
                    ui.label(_('Not enough history yet ({reason}).').format(
                        reason=i18n.shown(short['segments']))).classes('text-slate-500').mark('segments-short')
            else:
                with ui.column().classes('w-full gap-1'):
                    _chart(_('Segments'), _pie([(metrics.word(k), v) for k, v in report.segments.items()]),
                           'chart-segments', definition('Segments'))
                    self.win_back_segments(report)
            _chart(_('New customers per month'), _bars(_dated(report.acquisition, self.locale, 'MMM yy'),
                                                       name=_('New customers')), 'chart-acquisition')
        columns = [{'name': 'name', 'label': _('Customer'), 'field': 'name', 'align': 'left'},
                   *({'name': k, 'label': label, 'field': k, 'align': 'left'} for k, label in (
                       ('visits', _('Visits')), ('lifetime_value', _('Lifetime value')),
                       ('last_visit', _('Last visit')), ('segment', _('Segment')), ('usual', _('Usual interval')),
                       ('since', _('Since last visit')), ('churn_risk', _('Churn risk'))))]
        for title, rows, mark in ((_('Top customers by lifetime value'), report.top_customers, 'top-customers'),
                                  (_('At risk (overdue against their usual interval)'), report.at_risk, 'at-risk')):
            with ui.row().classes('items-center gap-1 mt-2'):
                ui.label(title).classes('font-semibold')
                ui.icon('info_outline', size='xs').classes('text-slate-400').tooltip(definition('Churn risk'))
                if mark == 'at-risk' and rows and len(self.chosen) == 1:
                    ui.button(_('Win back'), icon='campaign', on_click=lambda: ui.navigate.to(
                        self.campaign_link('at_risk'))).props('flat dense no-caps').mark('win-back-at-risk')
            if mark == 'at-risk' and 'at_risk' in short:
                ui.label(_('Not enough history yet ({reason}).').format(reason=i18n.shown(short['at_risk']))).classes(
                    'text-slate-500').mark(
                    'at-risk-short')
                continue
            shown = [r | {'lifetime_value': money(r['lifetime_value_cents'], self.currency, self.locale),
                          'name': i18n.shown(r.get('name', '')), 'link': f'/customers/{r["customer_id"]}',
                          'segment': metrics.word(r.get('segment', '')),
                          'usual': '–' if r.get('usual_interval_days') is None else
                          _days(round(r['usual_interval_days'])),
                          'since': _days(r.get('days_since_last_visit', 0)),
                          'churn_risk': _risk_words(r['churn_risk'])} for r in rows]
            table = ui.table(columns=columns, rows=shown, row_key='customer_id').classes('w-full').props(
                'dense flat').mark(mark)
            table.add_slot('body-cell-name', '<q-td :props="props"><a :href="props.row.link" '
                                             'class="text-primary underline">{{ props.row.name }}</a></q-td>')

    def campaign_link(self, segment: str) -> str:
        """The campaigns page with a new campaign for ``segment`` at the one location shown."""
        return f'/campaigns?segment={segment}&location={self.chosen[0].id}'

    def win_back_segments(self, report: reports.AnalyticsReport) -> None:
        """A button per segment with customers that starts a campaign targeting it (one location shown only:
        a campaign belongs to one location)."""
        if len(self.chosen) != 1:
            return
        by_name = {name: key for key, name in targeting.ANALYTICS_SEGMENTS.items()}
        with ui.row().classes('items-center gap-1 flex-wrap').mark('win-back-segments'):
            ui.label(_('Start a campaign for:')).classes('text-xs text-slate-500')
            for name, customers in report.segments.items():
                if customers and name in by_name:
                    ui.button(f'{metrics.word(name)} ({customers})', on_click=lambda key=by_name[name]: ui.navigate.to(
                        self.campaign_link(key))).props('flat dense no-caps size=sm').mark(
                        f'win-back-{by_name[name]}')

    def operations(self, report: reports.AnalyticsReport) -> None:
        k = report.kpis
        unknown = k.get('hour_unknown_share')
        with ui.grid().classes('w-full gap-4 grid-cols-1 md:grid-cols-2'):
            short = lambda day: metrics.weekday_name(day, 'abbreviated')  # noqa: E731
            _chart(_('No-show rate by weekday (%)'), _bars([(short(d), round((v or 0) * 100, 1)) for d, v in
                                                            report.no_show_by_weekday], name=_('No-show rate')),
                   'chart-no-show', definition('No-show rate'))
            _chart(_('Bookings by weekday'), _bars([(short(d), v) for d, v in report.weekday_counts],
                                                   name=_('Bookings')), 'chart-weekday', definition('Weekday counts'))
            with ui.card().classes('w-full'):
                with ui.row().classes('items-center gap-1'):
                    ui.label(_('Peak hours (bookings by weekday and hour)')).classes('font-semibold')
                    ui.icon('info_outline', size='xs').classes('text-slate-400').tooltip(definition('Peak hours'))
                if unknown:
                    ui.label(_('{share} of the bookings have no time of day (date-only) and are left out.').format(
                        share=rate(unknown))).classes('text-sm text-slate-500').mark('hours-left-out')
                if report.peak_hours_columns:
                    ui.echart(_heatmap(report)).classes('w-full h-72').mark('chart-heatmap')
                else:
                    ui.label(_('No booking with a known time of day.')).classes('text-slate-500').mark(
                        'heatmap-empty')
            _chart(_('Lead time'), _bars([(metrics.word(k), v) for k, v in report.lead_time.items()],
                                         name=_('Bookings')), 'chart-lead-time', definition('Lead time'))
            _chart(_('Cancellations by notice'), _bars([(metrics.word(k), v)
                                                        for k, v in report.cancellation_notice.items()],
                                                       name=_('Cancellations')),
                   'chart-notice', definition('Cancellation notice'))
        self.breakdown(report)
        columns = [{'name': k, 'label': label, 'field': k, 'align': 'left'} for k, label in (
            ('staff', _('Staff member')), ('bookings', _('Bookings')), ('completion', _('Completed')),
            ('no_shows', _('No-shows')), ('no_show_rate', _('No-show rate')),
            ('cancellation_rate', _('Cancellation rate')), ('revenue', _('Collected revenue')),
            ('utilisation', _('Utilisation')))]
        rows = [{'staff': s['staff'], 'bookings': s['bookings'], 'completion': rate(s['completion_rate']),
                 'no_shows': s['no_shows'], 'no_show_rate': rate(s.get('no_show_rate')),
                 'cancellation_rate': rate(s.get('cancellation_rate')),
                 'revenue': money(s['revenue_cents'], self.currency, self.locale),
                 'utilisation': rate(s['utilisation'])} for s in report.staff]
        with ui.row().classes('items-center gap-1 mt-2'):
            ui.label(_('Staff performance')).classes('font-semibold')
            ui.icon('info_outline', size='xs').classes('text-slate-400').tooltip(definition('Utilisation'))
        ui.table(columns=columns, rows=rows, row_key='staff').classes('w-full').props('dense flat').mark('staff-table')
        if k.get('unmeasured_bookings'):
            ui.label(ngettext('{n} due booking had neither a length nor a service duration: utilisation leaves it '
                              'out.', '{n} due bookings had neither a length nor a service duration: utilisation '
                              'leaves them out.', k['unmeasured_bookings']).format(
                n=count(k['unmeasured_bookings']))).classes('text-sm text-slate-500').mark('unmeasured')

    def forecast(self) -> None:
        """Per location: the next four weeks of bookings and booked value beside the last four, with the
        backtest error and the seasonal naive forecast's for comparison."""
        names = {x.id: x.name for x in self.chosen}
        for item in self.forecasts:
            with ui.card().classes('w-full').mark(f'forecast-{item.location_id}'):
                ui.label(_('{location}: the next four weeks').format(location=names.get(item.location_id, ''))
                         ).classes('font-semibold')
                if item.reason:
                    ui.label(_sentence(i18n.shown(item.reason))).classes('text-slate-500').mark('forecast-short')
                    continue
                ui.label(ngettext('From {day}, learnt from {n} day of bookings. {method}.',
                                  'From {day}, learnt from {n} days of bookings. {method}.', item.history_days).format(
                    day=format_date(item.start, 'medium', locale=self.locale), n=item.history_days,
                    method=i18n.shown(item.method))).classes('text-sm text-slate-500')
                with ui.grid().classes('w-full gap-4 grid-cols-1 md:grid-cols-2'):
                    _chart(_('Bookings per day'), _forecast_lines(item, 1), 'forecast-bookings')
                    _chart(_('Booked value per day'), _forecast_lines(item, 2, (self.currency, self.locale)),
                           'forecast-value')
                ui.label(_('Backtest on the last four weeks held out: off by {bookings} a day on bookings and {value} '
                           'on booked value (MAPE); "same weekday last week" was off by {naive_bookings} and '
                           '{naive_value}.').format(bookings=rate(item.bookings_mape), value=rate(item.value_mape),
                                                    naive_bookings=rate(item.bookings_naive_mape),
                                                    naive_value=rate(item.value_naive_mape))).classes(
                    'text-sm').mark('forecast-error')
        for location_id, state in zip([x.id for x in self.chosen], self.risk_models, strict=True):
            with ui.card().classes('w-full').mark(f'noshow-model-{location_id}'):
                ui.label(_('{location}: no-show risk').format(location=names.get(location_id, ''))).classes(
                    'font-semibold')
                if state.reason:
                    ui.label(_sentence(i18n.shown(state.reason))).classes('text-slate-500')
                    continue
                levels = state.levels
                ui.label(_('Booked and confirmed bookings: {high} high, {medium} medium, {low} low risk — shown on the '
                           'day view and the booking list with their reasons.').format(
                    high=levels.get('high', 0), medium=levels.get('medium', 0), low=levels.get('low', 0))).mark(
                    'noshow-levels')
                check = (_('on the latest 20 % of days held out it ranks a no-show above an attended booking {auc} of '
                           'the time (ROC AUC) with a Brier score of {brier}').format(auc=rate(state.auc),
                                                                                      brier=f'{state.brier:.3f}')
                         if state.auc is not None and state.brier is not None else
                         _('the latest days held out had no no-show to check it on'))
                ui.label(_('Logistic regression learnt from {trained} bookings that came to an end ({no_shows} '
                           'no-shows), only from what was known when each was booked; {check}. Retrained every '
                           'night. High: the riskiest 10 % as the model rates its history; medium: the next 20 %.'
                           ).format(trained=f'{state.trained_on:,}', no_shows=f'{state.no_shows:,}', check=check)
                         ).classes('text-sm text-slate-500').mark('noshow-check')

    def breakdown(self, report: reports.AnalyticsReport) -> None:
        """Bookings, cancellations, no-shows and booked value by one dimension the owner picks."""
        options = {k: v for k, v in BREAKDOWN_LABELS.items() if report.breakdowns.get(k)}
        if not options:
            return
        options = {k: _(v) for k, v in options.items()}
        columns = [{'name': k, 'label': label, 'field': k, 'align': 'left'} for k, label in (
            ('name', _('Value')), ('bookings', _('Bookings')), ('cancellations', _('Cancellations')),
            ('cancellation_rate', _('Cancellation rate')), ('no_shows', _('No-shows')),
            ('no_show_rate', _('No-show rate')), ('booked_value', _('Booked value')))]

        def named(by: str, name: str) -> str:
            if by == 'hour':
                return f'{name}:00'
            if by == 'weekday':
                return metrics.weekday_name(name)
            return metrics.word(i18n.shown(name)) if by == 'category' else i18n.shown(name)

        def rows(by: str) -> list[dict]:
            return [{'name': named(by, r['name']), 'bookings': count(r['bookings']),
                     'cancellations': count(r['cancellations']), 'cancellation_rate': rate(r['cancellation_rate']),
                     'no_shows': count(r['no_shows']), 'no_show_rate': rate(r['no_show_rate']),
                     'booked_value': money(r['booked_value_cents'], self.currency, self.locale)}
                    for r in report.breakdowns[by]]

        first = next(iter(options))
        with ui.row().classes('items-center gap-3 mt-2'):
            ui.label(_('Breakdown by')).classes('font-semibold')
            choice = ui.select(options, value=first).props('dense').classes('w-56').mark('breakdown-by')
        table = ui.table(columns=columns, rows=rows(first), row_key='name').classes('w-full').props(
            'dense flat').mark('breakdown-table')
        choice.on_value_change(lambda e: table.update_rows(rows(e.value)))


def _risk_words(score: float) -> str:
    """A churn-risk score in words: the score is days since the last visit ÷ the usual interval."""
    if score > 1.5:
        return _('{score}× usual gap: overdue').format(score=f'{score:.1f}')
    if score >= 1:
        return _('{score}× usual gap: due now').format(score=f'{score:.1f}')
    return _('{score}× usual gap: not yet due').format(score=f'{score:.1f}')


def _days(n: int) -> str:
    """``n`` days, in words."""
    return ngettext('{n} day', '{n} days', n).format(n=n)


def _sentence(text: str) -> str:
    """A reason given in lower case (``not enough history: …``) as a sentence: capital first, full stop."""
    return text[:1].upper() + text[1:] + '.' if text else text


def _filters(user: UserRead, chosen: list[LocationRead], first: date, last: date) -> None:
    every = locations.list_locations(actor=user) if user.role == Role.OWNER else chosen
    options = {'all': _('All locations'), **{str(x.id): x.name for x in every}} if user.role == Role.OWNER else {
        str(x.id): x.name for x in every}
    value = 'all' if len(chosen) > 1 else str(chosen[0].id)
    with ui.row().classes('items-end gap-3'):
        start_input = ui.input(_('From'), value=first.isoformat()).props('type=date dense').mark('from')
        end_input = ui.input(_('To'), value=last.isoformat()).props('type=date dense').mark('to')
        where = ui.select(options, value=value, label=_('Location')).classes('w-64').mark('location-filter')

        def apply() -> None:
            ui.navigate.to(f'/analytics?start={start_input.value}&end={end_input.value}&location={where.value}')

        ui.button(_('Show'), on_click=apply).mark('apply')


def _locations(user: UserRead, home: LocationRead, wanted: str | None) -> list[LocationRead]:
    if user.role != Role.OWNER:
        return [home]  # managers see their own location only, whatever the address says
    every = locations.list_locations(actor=user)
    if wanted == 'all':
        return every
    return [x for x in every if str(x.id) == wanted] or [home]


def _cards(mark: str, cards: list[tuple[str, str, str, str]]) -> None:
    """A row of figure cards, one element (:class:`FigureCards`), marked ``mark``: ``cards`` as (the figure's mark,
    title, value, definition)."""
    FigureCards([{'mark': figure, 'title': title, 'definition': meaning} for figure, title, _value, meaning in cards],
                {figure: value for figure, _title, value, _meaning in cards}).mark(mark)


def _chart(title: str, options: dict, mark: str, definition: str | None = None, *,
           empty: str | None = None) -> None:
    """A card with ``title`` and the chart; a chart with nothing but zeros is a sentence instead (marked
    ``<mark>-empty``): a flat line says nothing the words do not."""
    with ui.card().classes('w-full'):
        with ui.row().classes('items-center gap-1'):
            ui.label(title).classes('font-semibold')
            if definition:
                ui.icon('info_outline', size='xs').classes('text-slate-400').tooltip(definition)
        if _all_zero(options):
            ui.label(empty or _('Nothing to show for this period: every value is 0.')).classes('text-slate-500').mark(
                f'{mark}-empty')
        else:
            ui.echart(options).classes('w-full h-64').mark(mark)


def _all_zero(options: dict) -> bool:
    """Whether every value of the chart's series is 0 or missing (numbers, or pie slices' ``value``)."""
    for series in options.get('series', []):
        for point in series.get('data', []):
            value = point.get('value') if isinstance(point, dict) else point
            if isinstance(value, int | float) and value:
                return False
    return True


def _money_format(currency: str, locale: str, digits: int, *, compact: bool = False) -> str:
    """A JavaScript function writing an amount in ``currency`` the way ``locale`` does (the browser's CLDR data, as
    babel's on the server: the chart picks its axis steps in the browser); ``compact``: shortened the locale's way
    (``$400K``, ``400 k€``) with at most ``digits`` decimals."""
    options = {'style': 'currency', 'currency': currency, 'maximumFractionDigits': digits}
    options.update({'notation': 'compact'} if compact else {'minimumFractionDigits': digits})
    return (f'(value) => new Intl.NumberFormat({json.dumps(locale.replace("_", "-"))}, {json.dumps(options)})'
            '.format(value)')


def _money_axis(currency: str, locale: str) -> dict:
    """An amount axis's labels: compact, and any that would still touch a neighbour left out. Written in full
    (``$400,000``) a horizontal bar chart's labels ran into each other on a phone; the tooltip keeps the full
    amount."""
    return {':formatter': _money_format(currency, locale, min(1, amounts.digits(currency)), compact=True),
            'hideOverlap': True}


def _major(minor: float, currency: str) -> float:
    """An amount in minor units of ``currency`` as the chart's number (major units, :func:`amounts.to_major`)."""
    return float(amounts.to_major(Decimal(str(minor)), currency))


def _dated(pairs: list[tuple[str, float]], locale: str, pattern: str = 'd MMM') -> list[tuple[str, float]]:
    """Pairs keyed by ISO dates (``2026-11-30``) or months (``2026-11``), keyed instead by the date as ``locale``
    writes it with the CLDR ``pattern`` (babel): ``30 nov.`` in French."""
    shown = []
    for key, value in pairs:
        try:
            day = date.fromisoformat(key if len(key) > 7 else f'{key}-01')
        except ValueError:
            shown.append((key, value))
            continue
        shown.append((format_date(day, pattern, locale=locale), value))
    return shown


def _line(pairs: list[tuple[str, int]], currency: str, locale: str, *, name: str = '') -> dict:
    """Revenue per day (``pairs``: ISO day, minor units) with days and amounts in ``locale``'s writing."""
    pairs = _dated(pairs, locale)
    shown = _money_format(currency, locale, amounts.digits(currency))
    return {'tooltip': {'trigger': 'axis', ':valueFormatter': shown},
            'grid': {'left': 70, 'right': 16, 'top': 16, 'bottom': 30},
            'xAxis': {'type': 'category', 'data': [k for k, _ in pairs]},
            'yAxis': {'type': 'value', 'axisLabel': _money_axis(currency, locale)},
            'series': [{'type': 'line', 'name': name, 'smooth': True, 'areaStyle': {},
                        'data': [_major(v, currency) for _, v in pairs]}]}


def _bars(pairs: list[tuple[str, float]], *, horizontal: bool = False,
          money: tuple[str, str] | None = None, name: str = '') -> dict:
    """Bars of counts, or with ``money`` (currency, locale) of amounts in minor units written that locale's way;
    ``name``: the series' name the tooltip shows (in the reader's language)."""
    names, values = [k for k, _ in pairs], [_major(v, money[0]) if money else v for _, v in pairs]
    category, value = {'type': 'category', 'data': names}, {'type': 'value', 'axisLabel': {'hideOverlap': True}}
    tooltip: dict = {'trigger': 'axis'}
    if money:
        value['axisLabel'] = _money_axis(*money)
        tooltip[':valueFormatter'] = _money_format(*money, amounts.digits(money[0]))
    return {'tooltip': tooltip, 'grid': {'left': 110 if horizontal else 70, 'right': 16, 'top': 16, 'bottom': 30},
            'xAxis': value if horizontal else category, 'yAxis': category if horizontal else value,
            'series': [{'type': 'bar', 'name': name, 'data': values, 'itemStyle': {'color': '#3b4a6b'}}]}


def _forecast_lines(item, column: int, money: tuple[str, str] | None = None) -> dict:
    """The last four weeks (solid) and the forecast (dashed) of one column of a forecast's rows."""
    scale = (lambda v: _major(v, money[0])) if money else (lambda v: v)
    days = [d for d, *_ in item.recent] + [d for d, *_ in item.days]
    past = [scale(r[column]) for r in item.recent] + [None] * len(item.days)
    ahead = [None] * (len(item.recent) - 1) + [scale(item.recent[-1][column])] + [scale(r[column])
                                                                                   for r in item.days]
    value: dict = {'type': 'value'}
    tooltip: dict = {'trigger': 'axis'}
    if money:
        value['axisLabel'] = _money_axis(*money)
        tooltip[':valueFormatter'] = _money_format(*money, 0)
    return {'tooltip': tooltip, 'legend': {'bottom': 0}, 'grid': {'left': 70, 'right': 16, 'top': 16, 'bottom': 50},
            'xAxis': {'type': 'category', 'data': [d[5:] for d in days]}, 'yAxis': value,
            'series': [{'type': 'line', 'name': _('Last four weeks'), 'data': past,
                        'itemStyle': {'color': '#3b4a6b'}},
                       {'type': 'line', 'name': _('Forecast'), 'data': ahead, 'lineStyle': {'type': 'dashed'},
                        'itemStyle': {'color': '#d97706'}}]}


def _pie(pairs: list[tuple[str, float]]) -> dict:
    return {'tooltip': {'trigger': 'item'}, 'legend': {'bottom': 0, 'type': 'scroll'},
            'series': [{'type': 'pie', 'radius': ['35%', '65%'], 'center': ['50%', '42%'], 'label': {'show': False},
                        'data': [{'name': k.replace('_', ' '), 'value': v} for k, v in pairs]}]}


def _heatmap(report: reports.AnalyticsReport) -> dict:
    hours = report.peak_hours_columns
    data = [[x, y, v] for y, row in enumerate(report.peak_hours) for x, v in enumerate(row)]
    # the legend sits below the hour labels with room to spare (it overlapped them at the chart's default spacing)
    return {'tooltip': {'position': 'top'}, 'grid': {'left': 50, 'right': 16, 'top': 10, 'bottom': 90},
            'xAxis': {'type': 'category', 'data': [f'{h:02d}' for h in hours], 'name': _('hour'),
                      'nameLocation': 'middle', 'nameGap': 24},
            'yAxis': {'type': 'category', 'inverse': True,
                      'data': [metrics.weekday_name(d, 'abbreviated') for d in metrics.WEEKDAYS]},
            'visualMap': {'min': 0, 'max': max([v for _, _, v in data], default=1), 'orient': 'horizontal',
                          'left': 'center', 'bottom': 0, 'itemHeight': 120, 'itemWidth': 12, 'calculable': True},
            'series': [{'type': 'heatmap', 'name': _('Bookings'), 'data': data}]}
