"""Campaigns (owners, managers): set one up — a target, a channel and its text, an offer code, a schedule, a cost per
message and a budget — see who it would reach, send it, and follow its performance live against its holdout, each
figure with its definition, exported to Excel.

``/campaigns?segment=at_risk`` (the analytics page's "Win back" buttons) opens the form with that target chosen;
``&location=<id>`` first switches an owner to that location.
"""

from __future__ import annotations

import html
from datetime import date, datetime, time
from decimal import Decimal

from nicegui import ui

from app import live
from app.models import CampaignCreate, CampaignRead, LocationRead, Offer, Target, UserRead
from app.pages import dates, language, params
from app.pages.formatting import amount_field, local_datetime, money_at, rate, to_minor
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import field_error
from app.pages.signed_in import MANAGING, choose_location
from app.services import clock, events, i18n
from app.services.campaigns import campaigns, reports, targeting
from app.services.catalogue import locations
from app.services.errors import ClientPulseError, NotFoundError, ValidationError
from app.services.i18n import N_, _, ngettext

SEGMENTS = targeting.SEGMENT_NAMES
"""Targets by key (English names, marked: shown through :func:`_segments`)."""
CHANNELS = {'email': N_('E-mail'), 'sms': 'SMS'}
DEFAULT_SUBJECT = N_('We miss you at {{ location_name }}')
DEFAULT_BODY = {'email': N_('Hello {{ customer_name }},\n\nit has been a while! Book again at {{ location_name }} and '
                            'give the code {{ offer_code }} at checkout.\n\n{{ location_phone }}'),
                'sms': N_('{{ location_name }}: we miss you! Give the code {{ offer_code }} at checkout. '
                          '{{ location_phone }}')}
"""The texts a new campaign starts from: in the location's language, the one its customers read."""


def _segments() -> dict[str, str]:
    """The targets to choose from, in the reader's language."""
    return {key: _(name) for key, name in SEGMENTS.items()}


def _channel(channel: str) -> str:
    return _(CHANNELS[channel]) if channel in CHANNELS else channel
LIVE_KINDS = (events.BookingChanged, events.ReceiptCreated, events.MessagesSent, events.MessageFailed,
              events.CampaignChanged, events.DataImported)
"""What changes a campaign's figures: bookings, receipts, messages sent or failed, the campaign itself, an import."""


@guarded_page('/campaigns', roles=MANAGING, title=N_('Campaigns'), icon='campaign')
def campaigns_page(page: PageContext, segment: str | None = None, days: str | None = None,
                   location: str | None = None) -> None:
    """The Campaigns page: a new campaign (``segment``, ``days`` lapsed: from the analytics) and the list."""
    wanted = params.whole_number(location)
    if wanted is not None and wanted != page.location.id:  # a "Win back" from another location's analytics
        if wanted in {x.id for x in locations.list_locations(actor=page.user)}:
            choose_location(wanted)
            query = f'?segment={segment}' if segment in SEGMENTS else ''
            ui.navigate.to(f'/campaigns{query}')
            return
    chosen = segment if segment in SEGMENTS else None
    lapsed = params.whole_number(days)
    _Form(page.user, page.location, chosen, lapsed if lapsed and lapsed <= 3650 else None).build()
    _List(page.user, page.location).build()


@guarded_page('/campaigns/{campaign_id}', roles=MANAGING, title=N_('Campaign'))
def campaign_page(page: PageContext, campaign_id: str) -> None:
    """One campaign (``campaign_id``) of the location shown."""
    number = params.whole_number(campaign_id)
    if number is None:
        raise NotFoundError(_('There is no such campaign.'))
    campaign = campaigns.get_campaign(number, actor=page.user)  # another location's: refused by the guard
    if campaign.location_id != page.location.id:
        ui.label(_('This campaign belongs to another location.')).mark('not-allowed')
        return
    _Campaign(page.user, page.location, campaign).build()


class _Form:
    """The new campaign's form; a refusal is shown beside the field it names, nothing saved."""

    def __init__(self, user: UserRead, location: LocationRead, segment: str | None, lapsed_days: int | None) -> None:
        self.user, self.location, self.segment, self.lapsed_days = user, location, segment, lapsed_days

    def build(self) -> None:
        with ui.expansion(_('New campaign'), icon='add_circle', value=self.segment is not None).classes(
                'w-full max-w-4xl bg-white rounded shadow-sm').mark('campaign-new'):
            with ui.row().classes('w-full items-start gap-3'):
                self.name = ui.input(_('Name'), value=_('Win back: {target}').format(target=_(SEGMENTS[self.segment]))
                                     if self.segment else '',
                                     validation={_('Give it a name'): bool}).classes('w-72 max-w-full').mark(
                    'campaign-name')
                self.channel = ui.toggle({k: _channel(k) for k in CHANNELS}, value='email',
                                         on_change=self.channel_changed).props('no-caps').mark('campaign-channel')
            ui.label(_('Who')).classes('font-semibold mt-2')
            with ui.row().classes('w-full items-start gap-3'):
                self.target = ui.select(_segments(), value=self.segment or 'at_risk', label=_('Target'),
                                        on_change=self.preview).classes('w-56').mark('campaign-target')
                self.lapsed = ui.number(_('No visit for (days)'), value=self.lapsed_days or 90, min=1, max=3650,
                                        format='%d', on_change=self.preview).classes('w-44').mark('campaign-lapsed')
                self.lapsed.bind_visibility_from(self.target, 'value', value='lapsed')
                self.tag = ui.input(_('Tag'), on_change=self.preview).classes('w-44').mark('campaign-tag')
                self.tag.bind_visibility_from(self.target, 'value', value='tag')
            self.filters = ui.row().classes('w-full items-start gap-3')
            with self.filters:
                self.conditions = {
                    'min_visits': ui.number(_('Visits at least'), min=0, format='%d'),
                    'max_visits': ui.number(_('Visits at most'), min=0, format='%d'),
                    'min_spend_cents': ui.number(_('Spent at least'), min=0, **amount_field(self.location.currency)),
                    'max_spend_cents': ui.number(_('Spent at most'), min=0, **amount_field(self.location.currency)),
                    'last_visit_within_days': ui.number(_('Last visit within (days)'), min=1, format='%d'),
                    'last_visit_over_days': ui.number(_('Last visit over (days ago)'), min=1, format='%d'),
                }
                for key, element in self.conditions.items():
                    element.classes('w-44').mark(f'campaign-{key}').on_value_change(self.preview)
            self.filters.bind_visibility_from(self.target, 'value', value='filter')
            ui.label(_('What')).classes('font-semibold mt-2')
            with i18n.speaking(self.location.language):  # what the customers read: the location's language
                self.defaults = {'subject': _(DEFAULT_SUBJECT), **{k: _(v) for k, v in DEFAULT_BODY.items()}}
            self.subject = ui.input(_('Subject'), value=self.defaults['subject']).classes('w-full').mark(
                'campaign-subject')
            self.body = ui.textarea(_('Text'), value=self.defaults['email']).props('autogrow').classes(
                'w-full').mark('campaign-body')
            ui.label(_('Placeholders: {names} (the offer\'s code)').format(
                names='{{ customer_name }}, {{ location_name }}, {{ location_phone }}, {{ location_address }}, '
                      '{{ offer_code }}')).classes('text-xs text-slate-500')
            with ui.row().classes('w-full items-start gap-3'):
                self.offered = ui.checkbox(_('Offer a discount code'), value=True).mark('campaign-offer')
                self.code = ui.input(_('Code'), value='WELCOME-BACK').classes('w-40').mark('campaign-code')
                self.kind = ui.toggle({'percent': _('% off'), 'amount': _('amount off')}, value='percent').props(
                    'no-caps').mark('campaign-offer-kind')
                self.off = ui.number(_('Off'), value=15, min=0, format='%g').classes('w-24').mark(
                    'campaign-offer-value')
                self.uses = ui.number(_('Uses in all (blank: no limit)'), min=1, format='%d').classes('w-52').mark(
                    'campaign-offer-uses')
                self.expires = dates.date_input(_('Valid until'), locale=self.location.locale).classes('w-44').mark(
                    'campaign-offer-expires')
                for element in (self.code, self.kind, self.off, self.uses, self.expires):
                    element.bind_visibility_from(self.offered, 'value')
            ui.label(_('Measuring and money')).classes('font-semibold mt-2')
            with ui.row().classes('w-full items-start gap-3'):
                self.holdout = ui.number(_('Holdout (%)'), value=10, min=0, max=50, format='%g',
                                         on_change=self.preview).classes('w-28').mark('campaign-holdout')
                self.window = ui.number(_('Attribution window (days)'), value=30, min=1, max=365,
                                        format='%d').classes('w-48').mark('campaign-window')
                self.cost = ui.number(_('Cost per message'), value=0, min=0, on_change=self.preview,
                                      **amount_field(self.location.currency)).classes('w-36').mark('campaign-cost')
                self.budget = ui.number(_('Budget (blank: none)'), min=0,
                                        **amount_field(self.location.currency)).classes('w-40').mark('campaign-budget')
            ui.label(_('When')).classes('font-semibold mt-2')
            with ui.row().classes('w-full items-start gap-3'):
                self.when = ui.toggle({'draft': _('Send by hand'), 'schedule': _('Schedule')}, value='draft').props(
                    'no-caps').mark('campaign-when')
                tomorrow = clock.local_day(clock.now(), self.location.time_zone).toordinal() + 1
                self.day = dates.date_input(_('Day'), date.fromordinal(tomorrow), locale=self.location.locale
                                            ).classes('w-44').mark('campaign-day')
                self.hour = ui.input(_('Time'), value='10:00').props('type=time').classes('w-32').mark(
                    'campaign-time')
                self.day.bind_visibility_from(self.when, 'value', value='schedule')
                self.hour.bind_visibility_from(self.when, 'value', value='schedule')
            self.reach = ui.label().classes('text-sm text-slate-600').mark('campaign-audience')
            self.error = ui.label().classes('text-negative').mark('campaign-error')
            ui.button(_('Save campaign'), icon='save', on_click=self.save).mark('campaign-save')
        ui.timer(0, self.preview, once=True)

    async def channel_changed(self) -> None:
        channel = self.channel.value
        self.subject.set_visibility(channel == 'email')
        if self.body.value in (self.defaults['email'], self.defaults['sms']):
            self.body.value = self.defaults[channel]
        await self.preview()

    def target_of(self) -> Target:
        """The target as the form stands. :raises ValidationError: (``field`` 'target') incomplete"""
        values: dict = {'segment': self.target.value}
        if self.target.value == 'lapsed':
            values['lapsed_days'] = int(self.lapsed.value or 0)
        if self.target.value == 'tag':
            values['tag'] = self.tag.value or ''
        if self.target.value == 'filter':
            for key, element in self.conditions.items():
                if element.value not in (None, ''):
                    values[key] = (to_minor(element.value, key, self.location.currency) if key.endswith('_cents')
                                   else int(element.value))
        try:
            return Target(**values)
        except ValueError as error:  # pydantic's, one line per problem
            raise ValidationError(_first_problem(error), field='target') from None

    async def preview(self) -> None:
        """How many the campaign would reach, counted off the event loop."""
        try:
            target = self.target_of()
            cost = to_minor(self.cost.value, 'cost', self.location.currency)
        except ValidationError as error:
            self.reach.text = str(error)
            return
        counted = await language.io_bound(campaigns.audience, self.location.id, target, channel=self.channel.value,
                                          holdout_permille=self.holdout_permille(),
                                          cost_per_message_cents=cost, actor=self.user)
        self.reach.text = _('{targeted} in the target, {reachable} reachable by {channel} (an address and consent): '
                            '{recipients} would get it, {holdout} held out; cost {cost}.').format(
            targeted=counted.targeted, reachable=counted.reachable, channel=_channel(self.channel.value),
            recipients=counted.recipients, holdout=counted.holdout,
            cost=money_at(counted.cost_cents, self.location))

    def holdout_permille(self) -> int:
        """The holdout share typed in percent, in thousandths (10 % → 100). :raises ValidationError: not a number"""
        try:
            return round(Decimal(str(self.holdout.value or 0)) * 10)
        except ArithmeticError:
            raise ValidationError(_('Enter a percentage.'), field='holdout_permille') from None

    def campaign(self) -> CampaignCreate:
        """The campaign as the form stands. :raises ValidationError: naming the field"""
        offer = None
        if self.offered.value:
            amount = (to_minor(self.off.value, 'offer.amount_off_cents', self.location.currency)
                      if self.kind.value == 'amount' else None)
            offer = Offer.model_construct(
                code=self.code.value or '', percent_off=int(self.off.value or 0) if self.kind.value == 'percent'
                else None, amount_off_cents=amount, max_redemptions=int(self.uses.value) if self.uses.value else None,
                expires_at=self._end_of(self.expires.value, 'offer.expires_at'))
        send_at = None
        if self.when.value == 'schedule':
            send_at = self._moment(self.day.value, self.hour.value)
        values = {'location_id': self.location.id, 'name': (self.name.value or '').strip(),
                  'target': self.target_of(), 'channel': self.channel.value,
                  'subject': self.subject.value or '' if self.channel.value == 'email' else '',
                  'body': self.body.value or '', 'holdout_permille': self.holdout_permille(),
                  'cost_per_message_cents': to_minor(self.cost.value, 'cost_per_message_cents',
                                                     self.location.currency),
                  'budget_cents': to_minor(self.budget.value, 'budget_cents', self.location.currency)
                  if self.budget.value not in (None, '') else None,
                  'attribution_days': int(self.window.value or 0), 'send_at': send_at,
                  'offer': offer.model_dump() if offer is not None else None}
        try:
            return CampaignCreate.model_validate(values)
        except ValueError as error:
            raise ValidationError(_first_problem(error), field=_first_field(error)) from None

    def _moment(self, day: str | None, hour: str | None) -> datetime:
        try:
            local = datetime.combine(date.fromisoformat(day or ''), time.fromisoformat(hour or ''))
        except ValueError:
            raise ValidationError(_('Choose a day and a time.'), field='send_at') from None
        return clock.local_datetime(local.date(), local.hour * 60 + local.minute, self.location.time_zone)

    def _end_of(self, day: str | None, field: str) -> datetime | None:
        if not day:
            return None
        try:
            return clock.local_datetime(date.fromisoformat(day), 24 * 60 - 1, self.location.time_zone)
        except ValueError:
            raise ValidationError(_('Choose a day.'), field=field) from None

    async def save(self) -> None:
        target_input = {'tag': self.tag, 'lapsed': self.lapsed}.get(self.target.value, self.target)
        fields = {'name': self.name, 'target': target_input, 'subject': self.subject, 'body': self.body,
                  'holdout_permille': self.holdout, 'cost_per_message_cents': self.cost, 'budget_cents': self.budget,
                  'attribution_days': self.window, 'send_at': self.day, 'offer.code': self.code,
                  'offer.percent_off': self.off, 'offer.amount_off_cents': self.off, 'offer.max_redemptions': self.uses,
                  'offer.expires_at': self.expires}
        for element in fields.values():
            element.error = None
        self.error.text = ''
        try:
            data = self.campaign()
            made = await language.io_bound(campaigns.create_campaign, data, actor=self.user)
        except ClientPulseError as error:
            if getattr(error, 'field', None) in fields:
                field_error(fields, error)
            self.error.text = str(error)
            return
        ui.navigate.to(f'/campaigns/{made.id}')


def _first_problem(error: ValueError) -> str:
    problems = getattr(error, 'errors', lambda: [])()
    if not problems:
        return str(error)
    first = problems[0]
    where = '.'.join(str(x) for x in first.get('loc', ()))
    return f'{where}: {first.get("msg", "")}'.removeprefix(': ').replace('Value error, ', '')


def _first_field(error: ValueError) -> str | None:
    problems = getattr(error, 'errors', lambda: [])()
    return '.'.join(str(x) for x in problems[0].get('loc', ())) if problems else None


class _List:
    """The location's campaigns, newest first, live."""

    def __init__(self, user: UserRead, location: LocationRead) -> None:
        self.user, self.location = user, location

    def build(self) -> None:
        ui.label(_('Campaigns')).classes('text-lg font-semibold mt-4')
        self.table = ui.table(columns=[
            {'name': 'name', 'label': _('Name'), 'field': 'name', 'align': 'left'},
            {'name': 'target', 'label': _('Target'), 'field': 'target', 'align': 'left'},
            {'name': 'channel', 'label': _('Channel'), 'field': 'channel', 'align': 'left'},
            {'name': 'code', 'label': _('Offer'), 'field': 'code', 'align': 'left'},
            {'name': 'status', 'label': _('Status'), 'field': 'status', 'align': 'left'},
        ], rows=[], row_key='id').classes('w-full max-w-4xl').props('dense flat wrap-cells').mark('campaign-list')
        self.table.add_slot('body-cell-name', '<q-td :props="props"><a :href="props.row.link" '
                                              'class="text-primary underline">{{ props.row.name }}</a></q-td>')
        self.table.add_slot('no-data', f'<div class="text-slate-500">{html.escape(_("No campaigns yet."))}</div>')
        ui.timer(0, self.load, once=True)
        live.on_change(self.location.id, lambda _e: self.load(), kinds=(events.CampaignChanged,))

    async def load(self) -> None:
        found = await language.io_bound(campaigns.list_campaigns, self.location.id, actor=self.user)
        self.table.rows = [{'id': c.id, 'name': c.name, 'link': f'/campaigns/{c.id}',
                            'target': targeting.describe(c.target), 'channel': _channel(c.channel),
                            'code': c.offer.code if c.offer else '', 'status': _status(c, self.location)}
                           for c in found]
        self.table.update()


def _status(campaign: CampaignRead, location: LocationRead) -> str:
    tz = location.time_zone
    if campaign.status == 'sent':
        return _('Sent {when}').format(when=local_datetime(campaign.sent_at, tz))
    if campaign.send_at is not None:
        return _('Scheduled for {when}').format(when=local_datetime(campaign.send_at, tz))
    if campaign.send_error:
        return _('Draft — not sent: {reason}').format(reason=i18n.shown(campaign.send_error))
    return _('Draft')


class _Campaign:
    """One campaign: what it is, then either its audience and "Send now" (a draft) or its performance (sent)."""

    def __init__(self, user: UserRead, location: LocationRead, campaign: CampaignRead) -> None:
        self.user, self.location, self.campaign = user, location, campaign

    def build(self) -> None:
        self.head = ui.column().classes('w-full max-w-5xl gap-1')
        self.body = ui.column().classes('w-full max-w-5xl gap-2')
        ui.timer(0, self.load, once=True)
        live.on_change(self.location.id, self.changed, kinds=LIVE_KINDS)

    async def changed(self, event) -> None:
        if isinstance(event, events.CampaignChanged) and event.campaign_id != self.campaign.id:
            return
        if isinstance(event, events.CampaignChanged) and event.change == 'discarded':
            ui.navigate.to('/campaigns')  # deleted in another tab
            return
        if self.campaign.status != 'sent' and not isinstance(event, events.CampaignChanged | events.DataImported):
            return  # a draft's audience is counted when the page opens and when the campaign changes
        await self.load()

    async def load(self) -> None:
        c = self.campaign = await language.io_bound(campaigns.get_campaign, self.campaign.id, actor=self.user)
        found = await language.io_bound(reports.report, c.id, actor=self.user) if c.status == 'sent' else None
        counted = None if found else await language.io_bound(
            campaigns.audience, c.location_id, c.target, channel=c.channel, holdout_permille=c.holdout_permille,
            cost_per_message_cents=c.cost_per_message_cents, actor=self.user)
        self.head.clear()
        with self.head:
            with ui.row().classes('items-center gap-2 flex-wrap'):
                ui.link(_('Campaigns'), '/campaigns').classes('text-sm')
                ui.label(c.name).classes('text-xl font-semibold').mark('campaign-title')
                ui.badge(_status(c, self.location), color='positive' if c.status == 'sent' else 'grey').mark(
                    'campaign-status')
            parts = [targeting.describe(c.target), _channel(c.channel),
                     _('holdout {share} %').format(share=f'{c.holdout_permille / 10:g}'),
                     ngettext('attribution {n} day', 'attribution {n} days', c.attribution_days).format(
                         n=c.attribution_days),
                     _('{cost} a message').format(cost=money_at(c.cost_per_message_cents, self.location))]
            if c.budget_cents is not None:
                parts.append(_('budget {amount}').format(amount=money_at(c.budget_cents, self.location)))
            if c.offer is not None:
                off = f'{c.offer.percent_off} %' if c.offer.percent_off else money_at(c.offer.amount_off_cents,
                                                                                      self.location)
                parts.append(_('offer {code}: {off} off, until {day}').format(
                    code=c.offer.code, off=off, day=local_datetime(c.offer.expires_at, self.location.time_zone))
                    if c.offer.expires_at else _('offer {code}: {off} off').format(code=c.offer.code, off=off))
            ui.label(' · '.join(parts)).classes('text-sm text-slate-600').mark('campaign-summary')
            with ui.expansion(_('Message'), icon='mail').classes('w-full'):
                if c.channel == 'email':
                    ui.label(c.subject).classes('font-medium')
                ui.label(c.body).classes('whitespace-pre-wrap text-sm')
        self.body.clear()
        with self.body:
            if found is None:
                self.draft(c, counted)
            else:
                self.performance(found)

    def draft(self, c: CampaignRead, counted: campaigns.Audience) -> None:
        ui.label(_('If sent now: {targeted} in the target, {reachable} reachable, {recipients} get the message and '
                   '{holdout} are held out (sent nothing, to measure against); cost {cost}.').format(
            targeted=counted.targeted, reachable=counted.reachable, recipients=counted.recipients,
            holdout=counted.holdout, cost=money_at(counted.cost_cents, self.location))).mark('campaign-audience')
        if c.send_error:
            ui.label(_('The scheduled send was refused: {reason}').format(reason=i18n.shown(c.send_error))).classes(
                'text-negative').mark('campaign-send-error')
        self.error = ui.label().classes('text-negative').mark('campaign-error')
        with ui.row().classes('gap-2'):
            ui.button(_('Send now'), icon='send', on_click=lambda: self.confirm(counted)).mark('campaign-send')
            if c.send_at is not None:
                ui.button(_('Take off the schedule'), icon='event_busy', on_click=self.unschedule).props(
                    'flat').mark('campaign-unschedule')
            ui.button(_('Delete draft'), icon='delete', on_click=self.discard).props('flat color=negative').mark(
                'campaign-discard')

    def confirm(self, counted: campaigns.Audience) -> None:
        with ui.dialog(value=True) as dialog, ui.card():
            ui.label(ngettext('Send "{name}" to {n} customer now?', 'Send "{name}" to {n} customers now?',
                              counted.recipients).format(name=self.campaign.name, n=counted.recipients)).classes(
                'font-semibold')
            ui.label(_('{n} are held out. Cost {cost}.').format(n=counted.holdout,
                                                              cost=money_at(counted.cost_cents, self.location)))
            with ui.row().classes('w-full justify-end'):
                ui.button(_('Cancel'), on_click=dialog.close).props('flat')
                ui.button(_('Send'), icon='send', on_click=lambda: self.send(dialog)).mark('campaign-send-confirm')

    async def send(self, dialog) -> None:
        dialog.close()
        try:
            await language.io_bound(campaigns.send_campaign, self.campaign.id, actor=self.user)
        except ClientPulseError as error:
            self.error.text = str(error)
            return
        ui.notify(_('Sent: the messages go out through the outbox (quiet hours respected).'), type='positive')
        await self.load()

    async def discard(self) -> None:
        try:
            await language.io_bound(campaigns.discard, self.campaign.id, actor=self.user)
        except ClientPulseError as error:
            self.error.text = str(error)
            return
        ui.navigate.to('/campaigns')

    async def unschedule(self) -> None:
        try:
            await language.io_bound(campaigns.unschedule, self.campaign.id, actor=self.user)
        except ClientPulseError as error:
            self.error.text = str(error)
            return
        await self.load()

    def performance(self, found: reports.CampaignReport) -> None:
        p = found.performance
        tz = self.location.time_zone
        heading = (_('Performance — attribution window ended {end}; figures as of {as_of}')
                   if found.window_end <= found.as_of else
                   _('Performance — attribution window ends {end}; figures as of {as_of}'))
        with ui.row().classes('w-full items-center gap-2 flex-wrap'):
            ui.label(heading.format(end=local_datetime(found.window_end, tz),
                                    as_of=local_datetime(found.as_of, tz))).classes('font-semibold')
            ui.space()
            ui.button('Excel', icon='download', on_click=lambda: self.download(found)).props('flat no-caps').mark(
                'campaign-excel')
        with ui.row().classes('w-full gap-3 flex-wrap').mark('campaign-headline'):
            lift = ('–' if p.lift is None else _('{lift} points (95 % CI {low} to {high})').format(
                lift=f'{p.lift * 100:+.1f}', low=f'{p.lift_low * 100:+.1f}', high=f'{p.lift_high * 100:+.1f}'))
            for label, value, mark in (
                    (_('Lift in booking rate'), lift, 'lift'),
                    (_('ROI'), '–' if p.roi is None else f'{p.roi:.2f}×', 'roi'),
                    (_('Incremental revenue'), '–' if p.incremental_revenue_cents is None
                     else money_at(p.incremental_revenue_cents, self.location), 'incremental')):
                with ui.card().classes('min-w-[14rem] flex-1'):
                    ui.label(label).classes('text-xs text-slate-500')
                    ui.label(value).classes('text-lg font-semibold').mark(f'campaign-{mark}')
        # one block per figure, its definition under it: as readable on a phone as on a desk
        with ui.element('div').classes('w-full grid grid-cols-[1fr_auto_auto] gap-x-4 text-sm').mark(
                'campaign-performance'):
            for number, text in enumerate((_('Figure'), _('Recipients'), _('Holdout'))):
                ui.label(text).classes('font-semibold border-b pb-1' + (' text-right' if number else ''))
            for key, mine, theirs in reports.rows(found):
                label, definition = (_(text) for text in reports.FIGURES[key])
                ui.label(label).classes('font-medium pt-2')
                ui.label(self._shown(key, mine)).classes('pt-2 text-right whitespace-nowrap').mark(
                    f'figure-{key}-recipients')
                ui.label(self._shown(key, theirs)).classes('pt-2 text-right whitespace-nowrap').mark(
                    f'figure-{key}-holdout')
                ui.label(definition).classes('col-span-3 text-xs text-slate-500 border-b pb-2')
        if p.lift_low is not None and p.lift_low <= 0 <= p.lift_high:
            ui.label(_('The lift\'s interval includes 0: so far the campaign cannot be told apart from no campaign.')
                     ).classes('text-sm text-slate-600').mark('campaign-inconclusive')

    def _shown(self, key: str, value) -> str:
        if value is None:
            return ''
        if key in reports.MONEY_FIGURES:
            return money_at(value, self.location)
        if key == 'lift':
            return _('{lift} points').format(lift=f'{value * 100:+.1f}')
        if key in reports.RATE_FIGURES:
            return rate(value)
        if key in reports.RATIO_FIGURES:
            return f'{value:.2f}×'
        return f'{value:,}'

    async def download(self, found: reports.CampaignReport) -> None:
        data = await language.io_bound(reports.workbook, found, currency=self.location.currency,
                                       time_zone=self.location.time_zone)
        ui.download.content(data, f'campaign-{found.campaign.id}.xlsx',
                            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
