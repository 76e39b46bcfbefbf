"""Analytics for owners and managers: revenue, customers and operations, live, with a period and
location filter. The report is computed once per change and shared by every session (see
:mod:`app.services.analytics.reports`); it is fetched off the event loop.

The page is drawn at once with its filters and a progress line, and filled in when the report is ready
(the first report of a large database can take longer than NiceGUI waits for a page)."""

from __future__ import annotations

import json
import logging
import urllib.parse
from datetime import date, timedelta

from babel.dates import format_date
from nicegui import app, ui

from app import live
from app.models import LocationRead, Role, UserRead
from app.pages import language, params
from app.pages.formatting import count, money, rate
from app.pages.guard import PageContext, guarded_page
from app.pages.session import MANAGING
from app.services import clock, events
from app.services.analytics import exports, forecast, metrics, noshow, reports
from app.services.campaigns import targeting
from app.services.catalogue import locations
from app.services.errors import ClientPulseError
from app.services.money import day_close

ROLES = MANAGING
log = logging.getLogger(__name__)
DEFINITIONS = metrics.DEFINITIONS
BREAKDOWN_LABELS = {'weekday': 'Weekday', 'hour': 'Hour', 'staff': 'Staff member', 'service': 'Service',
                    'category': 'Category', 'channel': 'Channel', 'source': 'Source (as exported)'}


def register() -> None:
    @guarded_page('/analytics', roles=ROLES, title='Analytics', icon='insights')
    def analytics_page(page: PageContext, start: str | None = None, end: str | None = None,
                       location: str | None = None) -> None:
        user, home = page.user, page.location
        chosen = _locations(user, home, location)
        last, last_message = params.day(end, clock.today(home.time_zone), what='last day')
        first, first_message = params.day(start, last - timedelta(days=29), what='first day')
        if first > last:
            first, first_message = last - timedelta(days=29), 'The first day came after the last: showing the ' \
                                                               '30 days up to the last.'
        params.notice(last_message)
        params.notice(first_message)
        _filters(user, chosen, first, last)
        view = _AnalyticsView(user, chosen, first, last, home.time_zone)
        ui.timer(0, view.load, once=True)  # after the page is out: the report may take a while
        for item in chosen:
            live.on_change(item.id, lambda _event: view.load(),  # async: awaited in this session
                                    kinds=events.DATA_EVENTS)


class _AnalyticsView:
    def __init__(self, user: UserRead, chosen: list[LocationRead], first: date, last: date, time_zone: str) -> None:
        self.user, self.chosen, self.first, self.last, self.time_zone = user, chosen, first, last, time_zone
        self.currency = chosen[0].currency if chosen else 'USD'
        self.locale = chosen[0].locale if chosen else 'en_CA'
        self.report: reports.AnalyticsReport | None = None
        # the export bar stays put while the figures below are redrawn (an export outlives redraws)
        with ui.row().classes('items-center gap-2'):
            ui.label('Export').classes('text-sm text-slate-500')
            for kind, label in (('xlsx', 'Excel'), ('pdf', 'PDF'), ('csv', 'CSV'),
                                (exports.DETAIL, 'Every booking (CSV)'),
                                (exports.DETAIL_XLSX, 'Every booking (Excel)')):
                ui.button(label, icon='download', on_click=lambda k=kind: self.download(k)).props(
                    'flat dense').mark(f'export-{kind}')
            self.export_status = ui.row().classes('items-center gap-2')
        self.container = ui.column().classes('w-full gap-4')
        self.loads = 0  # the latest load draws; an earlier one finishing late is dropped
        with self.container, ui.row().classes('items-center gap-3').mark('analytics-loading'):
            ui.spinner(size='lg')
            ui.label(f'Working out the figures for {first:%d %b %Y} – {last:%d %b %Y}…').classes('text-slate-500')

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
            self.money_figures = await language.io_bound(day_close.money_summary, [x.id for x in self.chosen],
                                                         start, end, actor=self.user)
            self.forecasts = [await language.io_bound(forecast.location_forecast, x.id, actor=self.user,
                                                      as_of=clock.now(), time_zone=x.time_zone)
                              for x in self.chosen]
            self.risk_models = [await language.io_bound(noshow.model_state, x.id, actor=self.user, wait=True)
                                for x in self.chosen]
        except ClientPulseError as error:
            self.failed(str(error))
            return
        except Exception:
            log.exception('the analytics report failed')
            self.failed('The figures could not be worked out (an unexpected error, logged for the developers).')
            return
        if mine == self.loads and not self.container.is_deleted:
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
            with ui.tabs().classes('w-full').props('align=left mobile-arrows outside-arrows') as tabs:
                revenue_tab, customers_tab = ui.tab('Revenue'), ui.tab('Customers')
                operations_tab, forecast_tab = ui.tab('Operations'), ui.tab('Forecast')
            with ui.tab_panels(tabs, value=revenue_tab).classes('w-full'):
                with ui.tab_panel(revenue_tab):
                    self.revenue(report)
                with ui.tab_panel(customers_tab):
                    self.customers(report)
                with ui.tab_panel(operations_tab):
                    self.operations(report)
                with ui.tab_panel(forecast_tab):
                    self.forecast()

    async def download(self, kind: str) -> None:
        """Write the file in a worker thread (other sessions carry on), showing its progress, then
        let the browser fetch it from disk once."""
        report = self.report
        if report is None:
            return
        names = [x.name for x in self.chosen]
        state = {'fraction': 0.0, 'message': 'Preparing the export'}
        with self.export_status:
            bar = ui.linear_progress(value=0, show_value=False).classes('w-48').mark('export-progress')
            message = ui.label().classes('text-sm text-slate-500').mark('export-message')
        shown = ui.timer(0.25, lambda: (bar.set_value(state['fraction']), message.set_text(state['message'])))
        try:
            path = await language.io_bound(exports.export_for_download, report, actor=self.user, kind=kind,
                                           title=f'{", ".join(names)} — analytics', currency=self.currency,
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
        basis = 'collected revenue' if report.revenue_basis == 'collected' else 'booked value'
        if k['growth'] is not None:
            growth = f'{k["growth"] * 100:+.1f} %'
        else:
            growth = 'No earlier period to compare' if k.get('previous_revenue_cents') is None else '–'
        cash = lambda cents: money(cents, self.currency, self.locale)  # noqa: E731
        days = lambda value: '–' if value is None else f'{value:.1f} days'  # noqa: E731
        with ui.row().classes('w-full gap-4'):
            _card('Collected revenue', cash(k['revenue_cents']), 'kpi-revenue', DEFINITIONS['Collected revenue'])
            _card('Booked value', cash(k['booked_value_cents']), 'kpi-booked-value', DEFINITIONS['Booked value'])
            _card(f'Growth ({basis})', growth, 'kpi-growth', DEFINITIONS['Growth'])
            _card('Bookings', count(k['bookings']), 'kpi-bookings', DEFINITIONS['Bookings'])
            _card('No-show rate', rate(k['no_show_rate']), 'kpi-no-show', DEFINITIONS['No-show rate'])
            _card('Cancellation rate', rate(k['cancellation_rate']), 'kpi-cancellation',
                  DEFINITIONS['Cancellation rate'])
            _card('Retention (90 days)', rate(k['retention_rate']), 'kpi-retention', DEFINITIONS['Retention (90 days)'])
            _card('Churn rate', 'Not enough history' if 'churn' in report.not_enough_history else rate(k['churn_rate']),
                  'kpi-churn', DEFINITIONS['Churn rate'])
        with ui.row().classes('w-full gap-4').mark('customer-cards'):
            _card('Customers booked', count(k.get('customers_booked', 0)), 'kpi-customers-booked',
                  DEFINITIONS['Customers booked'])
            _card('Customers visited', count(k.get('customers_visited', 0)), 'kpi-customers-visited',
                  DEFINITIONS['Customers visited'])
            _card('Repeat share', rate(k.get('repeat_share')), 'kpi-repeat', DEFINITIONS['Repeat share'])
            _card('Lead time (median)', days(k.get('lead_time_median_days')), 'kpi-lead-median',
                  DEFINITIONS['Lead time'])
            _card('Lead time (mean)', days(k.get('lead_time_mean_days')), 'kpi-lead-mean', DEFINITIONS['Lead time'])
            _card('Booked the same day', rate(k.get('same_day_share')), 'kpi-same-day', DEFINITIONS['Lead time'])
        figures = getattr(self, 'money_figures', None)
        if figures is None:
            return
        with ui.row().classes('w-full gap-4').mark('money-cards'):
            _card('Tips', cash(figures.tips), 'kpi-tips', 'Tips given to staff members: not revenue, not taxed.')
            _card('Discounts', cash(figures.discounts), 'kpi-discounts', 'Taken off lines before tax; revenue is '
                  'after them.')
            _card('Refunds', cash(figures.refunds), 'kpi-refunds', 'Paid back; revenue is after them.')
            _card('Gift cards sold', cash(figures.gift_cards_sold), 'kpi-gift-sold',
                  'Owed to their holders: revenue only when spent.')
            _card('Gift cards spent', cash(figures.gift_cards_spent), 'kpi-gift-spent', 'Paid with gift cards.')
            _card('Deposits taken', cash(figures.deposits_taken), 'kpi-deposits', 'Owed until used or kept.')
            _card('Fees kept', cash(figures.fees_kept), 'kpi-fees',
                  'Deposits kept for no-shows and late cancellations: revenue.')
            _card('Points outstanding', count(figures.points_outstanding), 'kpi-points',
                  'Loyalty points customers hold now.')
            _card('Points redeemed', rate(figures.redemption_rate), 'kpi-redemption',
                  'Points redeemed in the period ÷ points earned in it.')

    def revenue(self, report: reports.AnalyticsReport) -> None:
        basis = 'Collected revenue' if report.revenue_basis == 'collected' else 'Booked value'
        if report.revenue_basis == 'booked' and not any(v for series in (
                report.revenue_daily, report.revenue_weekly, report.revenue_monthly) for _, v in series):
            # no receipts and no prices (the clinic file): charts flat at zero would say nothing true
            ui.label('No receipts are recorded here and the bookings carry no prices: there is no revenue to chart. '
                     'Bookings over time are under Operations and Forecast.').classes('text-slate-500').mark(
                'revenue-none')
            return
        if report.revenue_basis == 'booked':
            ui.label('No receipts are recorded here, so the charts over time show booked value: what the bookings '
                     'were worth.').classes('text-sm text-slate-500').mark('revenue-basis')
        with ui.grid().classes('w-full gap-4 grid-cols-1 md:grid-cols-2'):
            money_of = (self.currency, self.locale)
            _chart(f'{basis} per day (last 30 days of the period)', _line(report.revenue_daily, *money_of),
                   'chart-daily', DEFINITIONS[basis])
            _chart(f'{basis} per week (12 weeks)', _bars(_dated(report.revenue_weekly, self.locale), money=money_of),
                   'chart-weekly', DEFINITIONS[basis])
            _chart(f'{basis} per month (12 months)', _bars(_dated(report.revenue_monthly, self.locale, 'MMM yy'),
                                                          money=money_of), 'chart-monthly', DEFINITIONS[basis])
            shown = basis if report.revenue_basis == 'booked' else 'Revenue'
            no_receipts = ('Payments and products come from receipts; none are recorded in this period.'
                           if report.revenue_basis == 'booked' else 'Nothing to show for this period.')
            _chart(f'{shown} by category', _pie(self.revenue_by(report, 'category')), 'chart-category',
                   DEFINITIONS['Revenue by category'])
            _chart(f'{shown} by staff member', _bars(self.revenue_by(report, 'staff'), horizontal=True,
                                                     money=money_of), 'chart-staff')
            _chart('Revenue by payment method', _pie([(exports.PAYMENT_WORDS.get(k, k), v)
                                                      for k, v in report.revenue_by['payment_method']]),
                   'chart-payment', empty=no_receipts)
            _chart('Top services', _bars(self.revenue_by(report, 'service'), horizontal=True, money=money_of),
                   'chart-services')
            _chart('Top products', _bars(report.revenue_by['product'], horizontal=True, money=money_of),
                   'chart-products', empty=no_receipts)

    @staticmethod
    def revenue_by(report: reports.AnalyticsReport, by: str) -> list[tuple[str, int]]:
        """Revenue per ``by`` (category, staff, service) in minor units, top ten: collected, or — where no receipts
        are recorded — booked value (from the bookings' breakdown)."""
        if report.revenue_basis != 'booked':
            return report.revenue_by[by]
        pairs = [(row['name'], row['booked_value_cents'] or 0) for row in report.breakdowns.get(by, [])]
        return sorted(pairs, key=lambda pair: -pair[1])[:10]

    def customers(self, report: reports.AnalyticsReport) -> None:
        short = report.not_enough_history
        with ui.grid().classes('w-full gap-4 grid-cols-1 md:grid-cols-2'):
            if 'segments' in short:
                with ui.card().classes('w-full'):
                    ui.label('Segments').classes('font-semibold')
                    ui.label(f'Not enough history yet ({short["segments"]}).').classes(
                        'text-slate-500').mark('segments-short')
            else:
                with ui.column().classes('w-full gap-1'):
                    _chart('Segments', _pie(list(report.segments.items())), 'chart-segments', DEFINITIONS['Segments'])
                    self.win_back_segments(report)
            _chart('New customers per month', _bars(_dated(report.acquisition, self.locale, 'MMM yy')),
                   'chart-acquisition')
        columns = [{'name': 'name', 'label': 'Customer', 'field': 'name', 'align': 'left'},
                   *({'name': k, 'label': label, 'field': k, 'align': 'left'} for k, label in (
                       ('visits', 'Visits'), ('lifetime_value', 'Lifetime value'), ('last_visit', 'Last visit'),
                       ('segment', 'Segment'), ('usual', 'Usual interval'), ('since', 'Since last visit'),
                       ('churn_risk', 'Churn risk')))]
        for title, rows, mark in (('Top customers by lifetime value', report.top_customers, 'top-customers'),
                                  ('At risk (overdue against their usual interval)', report.at_risk, 'at-risk')):
            with ui.row().classes('items-center gap-1 mt-2'):
                ui.label(title).classes('font-semibold')
                ui.icon('info_outline', size='xs').classes('text-slate-400').tooltip(DEFINITIONS['Churn risk'])
                if mark == 'at-risk' and rows and len(self.chosen) == 1:
                    ui.button('Win back', icon='campaign', on_click=lambda: ui.navigate.to(
                        self.campaign_link('at_risk'))).props('flat dense no-caps').mark('win-back-at-risk')
            if mark == 'at-risk' and 'at_risk' in short:
                ui.label(f'Not enough history yet ({short["at_risk"]}).').classes('text-slate-500').mark(
                    'at-risk-short')
                continue
            shown = [r | {'lifetime_value': money(r['lifetime_value_cents'], self.currency, self.locale),
                          'name': r.get('name', ''), 'link': f'/customers/{r["customer_id"]}',
                          'usual': '–' if r.get('usual_interval_days') is None else
                          f'{r["usual_interval_days"]:.0f} days',
                          'since': f'{r.get("days_since_last_visit", 0)} days',
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
            ui.label('Start a campaign for:').classes('text-xs text-slate-500')
            for name, customers in report.segments.items():
                if customers and name in by_name:
                    ui.button(f'{name} ({customers})', on_click=lambda key=by_name[name]: ui.navigate.to(
                        self.campaign_link(key))).props('flat dense no-caps size=sm').mark(
                        f'win-back-{by_name[name]}')

    def operations(self, report: reports.AnalyticsReport) -> None:
        k = report.kpis
        unknown = k.get('hour_unknown_share')
        with ui.grid().classes('w-full gap-4 grid-cols-1 md:grid-cols-2'):
            _chart('No-show rate by weekday (%)', _bars([(d[:3], round((v or 0) * 100, 1)) for d, v in
                                                         report.no_show_by_weekday]), 'chart-no-show',
                   DEFINITIONS['No-show rate'])
            _chart('Bookings by weekday', _bars([(d[:3], v) for d, v in report.weekday_counts]), 'chart-weekday',
                   DEFINITIONS['Weekday counts'])
            with ui.card().classes('w-full'):
                with ui.row().classes('items-center gap-1'):
                    ui.label('Peak hours (bookings by weekday and hour)').classes('font-semibold')
                    ui.icon('info_outline', size='xs').classes('text-slate-400').tooltip(DEFINITIONS['Peak hours'])
                if unknown:
                    ui.label(f'{rate(unknown)} of the bookings have no time of day (date-only) and are left out.'
                             ).classes('text-sm text-slate-500').mark('hours-left-out')
                if report.peak_hours_columns:
                    ui.echart(_heatmap(report)).classes('w-full h-72').mark('chart-heatmap')
                else:
                    ui.label('No booking with a known time of day.').classes('text-slate-500').mark('heatmap-empty')
            _chart('Lead time', _bars(list(report.lead_time.items())), 'chart-lead-time', DEFINITIONS['Lead time'])
            _chart('Cancellations by notice', _bars(list(report.cancellation_notice.items())),
                   'chart-notice', DEFINITIONS['Cancellation notice'])
        self.breakdown(report)
        columns = [{'name': k, 'label': label, 'field': k, 'align': 'left'} for k, label in (
            ('staff', 'Staff member'), ('bookings', 'Bookings'), ('completion', 'Completed'),
            ('no_shows', 'No-shows'), ('no_show_rate', 'No-show rate'), ('cancellation_rate', 'Cancellation rate'),
            ('revenue', 'Collected revenue'), ('utilisation', 'Utilisation'))]
        rows = [{'staff': s['staff'], 'bookings': s['bookings'], 'completion': rate(s['completion_rate']),
                 'no_shows': s['no_shows'], 'no_show_rate': rate(s.get('no_show_rate')),
                 'cancellation_rate': rate(s.get('cancellation_rate')),
                 'revenue': money(s['revenue_cents'], self.currency, self.locale),
                 'utilisation': rate(s['utilisation'])} for s in report.staff]
        with ui.row().classes('items-center gap-1 mt-2'):
            ui.label('Staff performance').classes('font-semibold')
            ui.icon('info_outline', size='xs').classes('text-slate-400').tooltip(DEFINITIONS['Utilisation'])
        ui.table(columns=columns, rows=rows, row_key='staff').classes('w-full').props('dense flat').mark('staff-table')
        if k.get('unmeasured_bookings'):
            ui.label(f'{count(k["unmeasured_bookings"])} due bookings had neither a length nor a service duration: '
                     'utilisation leaves them out.').classes('text-sm text-slate-500').mark('unmeasured')

    def forecast(self) -> None:
        """Per location: the next four weeks of bookings and booked value beside the last four, with the
        backtest error and the seasonal naive forecast's for comparison."""
        names = {x.id: x.name for x in self.chosen}
        for item in getattr(self, 'forecasts', []):
            with ui.card().classes('w-full').mark(f'forecast-{item.location_id}'):
                ui.label(f'{names.get(item.location_id, "")}: the next four weeks').classes('font-semibold')
                if item.reason:
                    ui.label(item.reason[0].upper() + item.reason[1:] + '.').classes('text-slate-500').mark(
                        'forecast-short')
                    continue
                ui.label(f'From {format_date(item.start, "medium", locale=self.locale)}, learnt from '
                         f'{item.history_days} days of bookings. {item.method}.').classes('text-sm text-slate-500')
                with ui.grid().classes('w-full gap-4 grid-cols-1 md:grid-cols-2'):
                    _chart('Bookings per day', _forecast_lines(item, 1), 'forecast-bookings')
                    _chart('Booked value per day', _forecast_lines(item, 2, (self.currency, self.locale)),
                           'forecast-value')
                ui.label(f'Backtest on the last four weeks held out: off by {rate(item.bookings_mape)} a day on '
                         f'bookings and {rate(item.value_mape)} on booked value (MAPE); "same weekday last week" '
                         f'was off by {rate(item.bookings_naive_mape)} and {rate(item.value_naive_mape)}.').classes(
                    'text-sm').mark('forecast-error')
        for location_id, state in zip([x.id for x in self.chosen], getattr(self, 'risk_models', []), strict=True):
            with ui.card().classes('w-full').mark(f'noshow-model-{location_id}'):
                ui.label(f'{names.get(location_id, "")}: no-show risk').classes('font-semibold')
                if state.reason:
                    ui.label(state.reason[0].upper() + state.reason[1:] + '.').classes('text-slate-500')
                    continue
                levels = state.levels
                ui.label(f'Booked and confirmed bookings: {levels.get("high", 0)} high, {levels.get("medium", 0)} '
                         f'medium, {levels.get("low", 0)} low risk — shown on the day view and the booking list with '
                         'their reasons.').mark('noshow-levels')
                check = (f'on the latest 20 % of days held out it ranks a no-show above an attended booking '
                         f'{rate(state.auc)} of the time (ROC AUC) with a Brier score of {state.brier:.3f}'
                         if state.auc is not None and state.brier is not None else
                         'the latest days held out had no no-show to check it on')
                ui.label(f'Logistic regression learnt from {state.trained_on:,} bookings that came to an end '
                         f'({state.no_shows:,} no-shows), only from what was known when each was booked; {check}. '
                         'Retrained every night. High: the riskiest 10 % as the model rates its history; medium: the '
                         'next 20 %.').classes('text-sm text-slate-500').mark('noshow-check')

    def breakdown(self, report: reports.AnalyticsReport) -> None:
        """Bookings, cancellations, no-shows and booked value by one dimension the owner picks."""
        options = {k: v for k, v in BREAKDOWN_LABELS.items() if report.breakdowns.get(k)}
        if not options:
            return
        columns = [{'name': k, 'label': label, 'field': k, 'align': 'left'} for k, label in (
            ('name', 'Value'), ('bookings', 'Bookings'), ('cancellations', 'Cancellations'),
            ('cancellation_rate', 'Cancellation rate'), ('no_shows', 'No-shows'), ('no_show_rate', 'No-show rate'),
            ('booked_value', 'Booked value'))]

        def rows(by: str) -> list[dict]:
            return [{'name': f'{r["name"]}:00' if by == 'hour' else r['name'], 'bookings': count(r['bookings']),
                     'cancellations': count(r['cancellations']), 'cancellation_rate': rate(r['cancellation_rate']),
                     'no_shows': count(r['no_shows']), 'no_show_rate': rate(r['no_show_rate']),
                     'booked_value': money(r['booked_value_cents'], self.currency, self.locale)}
                    for r in report.breakdowns[by]]

        first = next(iter(options))
        with ui.row().classes('items-center gap-3 mt-2'):
            ui.label('Breakdown by').classes('font-semibold')
            choice = ui.select(options, value=first).props('dense').classes('w-56').mark('breakdown-by')
        table = ui.table(columns=columns, rows=rows(first), row_key='name').classes('w-full').props(
            'dense flat').mark('breakdown-table')
        choice.on_value_change(lambda e: table.update_rows(rows(e.value)))


def _risk_words(score: float) -> str:
    """A churn-risk score in words: the score is days since the last visit ÷ the usual interval."""
    if score > 1.5:
        return f'{score:.1f}× usual gap: overdue'
    if score >= 1:
        return f'{score:.1f}× usual gap: due now'
    return f'{score:.1f}× usual gap: not yet due'


def _filters(user: UserRead, chosen: list[LocationRead], first: date, last: date) -> None:
    every = locations.list_locations(actor=user) if user.role == Role.OWNER else chosen
    options = {'all': 'All locations', **{str(x.id): x.name for x in every}} if user.role == Role.OWNER else {
        str(x.id): x.name for x in every}
    value = 'all' if len(chosen) > 1 else str(chosen[0].id)
    with ui.row().classes('items-end gap-3'):
        start_input = ui.input('From', value=first.isoformat()).props('type=date dense').mark('from')
        end_input = ui.input('To', value=last.isoformat()).props('type=date dense').mark('to')
        where = ui.select(options, value=value, label='Location').classes('w-64').mark('location-filter')

        def apply() -> None:
            ui.navigate.to(f'/analytics?start={start_input.value}&end={end_input.value}&location={where.value}')

        ui.button('Show', on_click=apply).mark('apply')


def _locations(user: UserRead, home: LocationRead, wanted: str | None) -> list[LocationRead]:
    if user.role != Role.OWNER:
        return [home]  # managers see their own location only, whatever the address says
    every = locations.list_locations(actor=user)
    if wanted == 'all':
        return every
    return [x for x in every if str(x.id) == wanted] or [home]


def _card(title: str, value: str, mark: str, definition: str) -> None:
    with ui.card().classes('basis-40 flex-1 min-w-fit'):  # grows to fit a long amount
        with ui.row().classes('items-center gap-1'):
            ui.label(title).classes('text-sm text-slate-500')
            ui.icon('info_outline', size='xs').classes('text-slate-400').tooltip(definition)
        ui.label(value).classes('text-xl font-bold').mark(mark)


def _chart(title: str, options: dict, mark: str, definition: str | None = None, *,
           empty: str = 'Nothing to show for this period: every value is 0.') -> None:
    """A card with ``title`` and the chart; a chart with nothing but zeros is a sentence instead (marked
    ``<mark>-empty``): a flat line says nothing the words do not."""
    with ui.card().classes('w-full'):
        with ui.row().classes('items-center gap-1'):
            ui.label(title).classes('font-semibold')
            if definition:
                ui.icon('info_outline', size='xs').classes('text-slate-400').tooltip(definition)
        if _all_zero(options):
            ui.label(empty).classes('text-slate-500').mark(f'{mark}-empty')
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
    return {':formatter': _money_format(currency, locale, 1, compact=True), 'hideOverlap': True}


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


def _line(pairs: list[tuple[str, int]], currency: str, locale: str) -> dict:
    """Revenue per day (``pairs``: ISO day, minor units) with days and amounts in ``locale``'s writing."""
    pairs = _dated(pairs, locale)
    return {'tooltip': {'trigger': 'axis', ':valueFormatter': _money_format(currency, locale, 2)},
            'grid': {'left': 70, 'right': 16, 'top': 16, 'bottom': 30},
            'xAxis': {'type': 'category', 'data': [k for k, _ in pairs]},
            'yAxis': {'type': 'value', 'axisLabel': _money_axis(currency, locale)},
            'series': [{'type': 'line', 'smooth': True, 'areaStyle': {}, 'data': [v / 100 for _, v in pairs]}]}


def _bars(pairs: list[tuple[str, float]], *, horizontal: bool = False,
          money: tuple[str, str] | None = None) -> dict:
    """Bars of counts, or with ``money`` (currency, locale) of amounts in minor units written that locale's way."""
    names, values = [k for k, _ in pairs], [v / 100 if money else v for _, v in pairs]
    category, value = {'type': 'category', 'data': names}, {'type': 'value', 'axisLabel': {'hideOverlap': True}}
    tooltip: dict = {'trigger': 'axis'}
    if money:
        value['axisLabel'] = _money_axis(*money)
        tooltip[':valueFormatter'] = _money_format(*money, 2)
    return {'tooltip': tooltip, 'grid': {'left': 110 if horizontal else 70, 'right': 16, 'top': 16, 'bottom': 30},
            'xAxis': value if horizontal else category, 'yAxis': category if horizontal else value,
            'series': [{'type': 'bar', 'data': values, 'itemStyle': {'color': '#3b4a6b'}}]}


def _forecast_lines(item, column: int, money: tuple[str, str] | None = None) -> dict:
    """The last four weeks (solid) and the forecast (dashed) of one column of a forecast's rows."""
    scale = (lambda v: v / 100) if money else (lambda v: v)
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
            'series': [{'type': 'line', 'name': 'Last four weeks', 'data': past, 'itemStyle': {'color': '#3b4a6b'}},
                       {'type': 'line', 'name': 'Forecast', 'data': ahead, 'lineStyle': {'type': 'dashed'},
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
            'xAxis': {'type': 'category', 'data': [f'{h:02d}' for h in hours], 'name': 'hour',
                      'nameLocation': 'middle', 'nameGap': 24},
            'yAxis': {'type': 'category', 'inverse': True, 'data': ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']},
            'visualMap': {'min': 0, 'max': max([v for _, _, v in data], default=1), 'orient': 'horizontal',
                          'left': 'center', 'bottom': 0, 'itemHeight': 120, 'itemWidth': 12, 'calculable': True},
            'series': [{'type': 'heatmap', 'data': data}]}
