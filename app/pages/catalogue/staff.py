"""Staff members: the team's weekly hours at a glance, and each one's details, hours (a break is the gap between two
stretches), the services they perform, time off and extra shifts, edited in a dialog. Live: another tab's
change shows here at once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from babel.dates import format_date, format_datetime
from fastapi import HTTPException
from fastapi.responses import Response
from nicegui import ui

from app import live
from app.models import MessageChannel, StaffMemberCreate, StaffMemberRead, WorkingHoursBase
from app.pages import dates, language
from app.pages.formatting import local_datetime
from app.pages.guard import PageContext, guarded_page, route
from app.pages.hours import WeekHours, hhmm, minutes
from app.pages.layout import field_error
from app.pages.signed_in import MANAGING
from app.services import clock, events, i18n
from app.services.accounts import users
from app.services.catalogue import catalog, staff
from app.services.errors import ClientPulseError, NotFoundError
from app.services.i18n import N_, _
from app.services.messaging import feeds, sign_in_links

WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
"""The table's day columns (keys)."""
WEEKDAY_NAMES = [N_('Mon'), N_('Tue'), N_('Wed'), N_('Thu'), N_('Fri'), N_('Sat'), N_('Sun')]
"""Their headings (translated where shown)."""


def hours_text(shifts: list[WorkingHoursBase], weekday: int) -> str:
    """``09:00–17:00`` (several shifts joined by commas), or ``off``."""
    return ', '.join(f'{hhmm(s.start_minute)}–{hhmm(s.end_minute)}' for s in shifts if s.weekday == weekday) or _('off')


def _day(value: date | datetime, locale: str, *, time: bool = False) -> str:
    """``Mon 4 Mar 2030`` (with ``time``: and ``14:30``) in the reader's language, the location's way."""
    try:
        if time:
            return format_datetime(value, 'EEE d MMM y HH:mm', locale=i18n.locale_for(locale))
        return format_date(value, 'EEE d MMM y', locale=i18n.locale_for(locale))
    except (ValueError, LookupError):
        return f'{value:%Y-%m-%d %H:%M}' if time else f'{value:%Y-%m-%d}'



@guarded_page('/staff', roles=MANAGING, title=N_('Staff'), icon='badge')
def staff_page(page: PageContext) -> None:
    """The Staff page."""
    _StaffPage(page).build()


@route('GET', '/calendar/{name}', proof="the staff member's calendar feed token")
def calendar_feed(name: str) -> Response:
    """A staff member's calendar feed (``/calendar/<token>.ics``), for the phone calendar that subscribed."""
    try:
        data = feeds.feed(name.removesuffix('.ics'))
    except NotFoundError:
        raise HTTPException(status_code=404, detail=_('No such calendar.')) from None
    return Response(data, media_type='text/calendar; charset=utf-8', headers={'Cache-Control': 'no-store'})


class _StaffPage:
    def __init__(self, page: PageContext) -> None:
        self.user, self.location = page.user, page.location
        self.dialogs = ui.element('div')

    def build(self) -> None:
        with ui.row().classes('items-center gap-2'):
            ui.label(_('The team')).classes('text-xl font-semibold')
            ui.button(_('Add a staff member'), icon='person_add', on_click=self.add).mark('staff-add')
        self.table = ui.table(columns=[
            {'name': 'name', 'label': _('Staff member'), 'field': 'name', 'align': 'left'},
            {'name': 'active', 'label': _('Active'), 'field': 'active', 'align': 'left'},
            *({'name': d, 'label': _(name), 'field': d, 'align': 'left'} for d, name in zip(WEEKDAYS, WEEKDAY_NAMES,
                                                                                           strict=True))],
            rows=[], row_key='id').classes('w-full').props('dense flat wrap-cells').mark('staff-list')
        self.table.on('rowClick', lambda e: self.edit(e.args[1]['id']))
        ui.label(_('Click someone to change their hours, services, time off or extra shifts.')).classes(
            'text-sm text-slate-500')
        self.refresh()
        live.on_change(self.location.id, lambda _e: self.refresh(), kinds=(events.StaffChanged,))

    def members(self) -> list[StaffMemberRead]:
        return staff.list_staff(self.location.id, actor=self.user, include_inactive=True)

    def refresh(self) -> None:
        self.table.rows = [{'id': m.id, 'name': m.name, 'active': _('yes') if m.active else _('no'),
                            **{d: hours_text(m.working_hours, i) for i, d in enumerate(WEEKDAYS)}}
                           for m in self.members()]

    def add(self) -> None:
        self.dialogs.clear()
        with self.dialogs, ui.dialog(value=True) as dialog, ui.card().classes('w-[28rem] max-w-full'):
            ui.label(_('Add a staff member')).classes('text-lg font-semibold')
            name = ui.input(_('Name')).classes('w-full').mark('staff-new-name')
            ui.label(_("They start with the location's opening hours (or 09:00–17:00 on weekdays); change them "
                       'after.')).classes('text-sm text-slate-500')

            async def create() -> None:
                opening = self.location.opening_hours or [{'weekday': d, 'start_minute': 540, 'end_minute': 1020}
                                                          for d in range(5)]
                data = StaffMemberCreate(location_id=self.location.id, name=(name.value or '').strip(), working_hours=[
                    WorkingHoursBase(**s) for s in opening])
                try:
                    await language.io_bound(staff.create_staff_member, data, actor=self.user)
                except ClientPulseError as error:
                    name.error = str(error)
                    return
                dialog.close()
                ui.notify(_('{name} added.').format(name=data.name), type='positive')

            with ui.row():
                ui.button(_('Add'), on_click=create).mark('staff-create')
                ui.button(_('Cancel'), on_click=dialog.close).props('flat')

    def edit(self, staff_member_id: int) -> None:
        member = next((m for m in self.members() if m.id == staff_member_id), None)
        if member is None:
            return
        self.dialogs.clear()
        with self.dialogs, ui.dialog(value=True) as dialog, ui.card().classes('w-[48rem] max-w-full'):
            _Editor(self.user, self.location, member, dialog).build()


class _Editor:
    """One staff member's details, weekly hours, services, time off and extra shifts."""

    def __init__(self, user, location, member: StaffMemberRead, dialog: ui.dialog) -> None:
        self.user, self.location, self.member, self.dialog = user, location, member, dialog

    def build(self) -> None:
        member = self.member
        ui.label(member.name).classes('text-lg font-semibold').mark('staff-editing')
        with ui.tabs().classes('w-full') as tabs:
            details, away, extra = (ui.tab('details', _('Details and hours')), ui.tab('away', _('Time off')),
                                    ui.tab('extra', _('Extra shifts')))
            feed = ui.tab('feed', _('Calendar feed')).mark('staff-feed-tab')
            access = ui.tab('sign-in', _('Sign-in')).mark('staff-sign-in-tab')
        with ui.tab_panels(tabs, value=details).classes('w-full'):
            with ui.tab_panel(feed):
                self.calendar_feed()
            with ui.tab_panel(access):
                self.sign_in()
            with ui.tab_panel(details):
                self.details()
            with ui.tab_panel(away):
                self.time_off()
            with ui.tab_panel(extra):
                self.extra_shifts()

    @ui.refreshable_method
    def calendar_feed(self) -> None:
        """The secret address a phone calendar subscribes to: shown, renewed (the old one stops) or revoked."""
        member = self.member
        ui.label(_("{name}'s bookings in their phone's calendar: subscribe to this address (Google Calendar: "
                   '"From URL"; iPhone: Settings → Calendar → Accounts → Add Subscribed Calendar). Anyone with the '
                   'address sees the bookings: revoke it when a phone is lost or someone leaves.').format(
            name=member.name)).classes('text-sm text-grey-8')

        async def act(renew: bool | None) -> None:
            try:
                if renew is None:
                    await language.io_bound(feeds.revoke, member.id, actor=self.user)
                    self.link = ''
                else:
                    self.link = await language.io_bound(feeds.feed_link, member.id, actor=self.user, renew=renew)
            except ClientPulseError as error:
                ui.notify(str(error), type='negative')
            self.calendar_feed.refresh()

        link = getattr(self, 'link', None)
        if link is None and feeds.has_feed(member.id):
            link = feeds.feed_link(member.id, actor=self.user)
        if link:
            ui.input(_('Feed address'), value=link).props('readonly dense').classes('w-full').mark('staff-feed-link')
            with ui.row():
                ui.button(_('New address'), icon='autorenew', on_click=lambda: act(True)).props('flat').mark(
                    'staff-feed-renew')
                ui.button(_('Revoke'), icon='link_off', color='negative', on_click=lambda: act(None)).props(
                    'flat').mark('staff-feed-revoke')
        else:
            ui.label(_('No feed address.')).mark('staff-feed-none')
            ui.button(_('Make an address'), icon='add_link', on_click=lambda: act(False)).mark('staff-feed-make')

    @ui.refreshable_method
    def sign_in(self) -> None:
        """Their sign-in: invite them (a one-time link by e-mail or SMS; they choose their own password), or send a
        password reset link, revoke the sign-in (their open pages end at once) or allow it again."""
        member = self.member
        try:
            state = sign_in_links.sign_in_state(member.id, actor=self.user)
        except ClientPulseError as error:
            ui.label(str(error)).classes('text-negative')
            return
        account = state.account
        if account is None:
            ui.label(_('{name} has no sign-in yet. Invite them: they get a one-time link (it works for 72 hours) and '
                       'choose their own password; nobody else learns it.').format(name=member.name)).classes(
                'text-sm text-grey-8').mark('staff-no-sign-in')
            if state.invited_until is not None:
                ui.label(_('An invitation is waiting: it works until {time}.').format(time=local_datetime(
                    state.invited_until, self.location.time_zone))).classes('text-sm').mark('staff-invited')
        else:
            ui.label(_('Signs in as {email}.').format(email=account.email)).classes('font-semibold').mark(
                'staff-signs-in-as')
            if not account.active:
                ui.label(_('Their sign-in is revoked: they cannot sign in until it is allowed again.')).classes(
                    'text-negative').mark('staff-revoked')
        if account is not None and not account.active:
            ui.button(_('Allow sign-in again'), icon='lock_open', on_click=lambda: self.allow(account.id, True)).mark(
                'staff-allow')
            return
        if account is None:  # an invitation may go to a typed address (no account yet); their own by default
            with ui.row().classes('items-end gap-2 flex-wrap'):
                channel = ui.toggle({MessageChannel.EMAIL.value: _('E-mail'), MessageChannel.SMS.value: _('SMS')},
                                    value=MessageChannel.EMAIL.value).mark('staff-link-channel')
                to = ui.input(_('Send the link to'), value=sign_in_links.on_record(member, MessageChannel.EMAIL)
                              ).classes('w-72').mark('staff-link-to')
            channel.on_value_change(lambda e: to.set_value(sign_in_links.on_record(member, MessageChannel(e.value))))
        else:  # a reset goes only to the account's own address or mobile number on record: shown, not asked
            to = None
            channel = self.reset_channel(account.email)

        async def send() -> None:
            if to is not None:
                to.error = None
            try:
                if account is None:
                    chosen = MessageChannel(channel.value)
                    sent = await language.io_bound(lambda: sign_in_links.invite(
                        member.id, channel=chosen, to=to.value or '', actor=self.user))
                else:
                    chosen = MessageChannel(channel.value)
                    sent = await language.io_bound(lambda: sign_in_links.send_reset(
                        account.id, channel=chosen, location_id=self.location.id, actor=self.user))
            except ClientPulseError as error:
                if to is not None:
                    field_error({'to': to, 'channel': to}, error)
                else:
                    ui.notify(str(error), type='negative')
                return
            if sent.sent:
                ui.notify(_('Link sent to {to}.').format(to=sent.to), type='positive')
            else:
                ui.notify(_('The link to {to} could not be sent yet: it is retried; see Messages.').format(to=sent.to),
                          type='warning', multi_line=True)
            self.sign_in.refresh()

        with ui.row().classes('gap-2'):
            if account is None:
                ui.button(_('Invite'), icon='send', on_click=send).mark('staff-invite')
            else:
                ui.button(_('Send a password reset link'), icon='key', on_click=send).mark('staff-reset')
                ui.button(_('Revoke sign-in'), icon='block', color='negative',
                          on_click=lambda: self.allow(account.id, False)).props('outline').mark('staff-revoke')

    def reset_channel(self, email: str) -> ui.toggle:
        """How a reset link goes (by SMS only when a mobile number is on record), and where it goes, shown."""
        phone = sign_in_links.on_record(self.member, MessageChannel.SMS)
        choices = {MessageChannel.EMAIL.value: _('E-mail'), **({MessageChannel.SMS.value: _('SMS')} if phone else {})}
        channel = ui.toggle(choices, value=MessageChannel.EMAIL.value).mark('staff-reset-channel')
        channel.set_visibility(len(choices) > 1)
        where = ui.label().classes('text-sm text-grey-8').mark('staff-reset-to')

        def show() -> None:
            where.text = (_('A password reset link goes to their own address on record: {email}.').format(email=email)
                          if channel.value == MessageChannel.EMAIL.value else
                          _('A password reset link goes to their own mobile number on record: {phone}.').format(
                              phone=phone))

        channel.on_value_change(show)
        show()
        return channel

    async def allow(self, account_id: int, allowed: bool) -> None:
        try:
            await language.io_bound(users.set_active, account_id, allowed, actor=self.user)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(_('Sign-in allowed again.') if allowed else _('Sign-in revoked: their open pages are closed.'),
                  type='positive')
        self.sign_in.refresh()

    def details(self) -> None:
        member = self.member
        with ui.row().classes('w-full items-center gap-4 flex-wrap'):
            name = ui.input(_('Name'), value=member.name).classes('w-56').mark('staff-name')
            colour = ui.color_input(_('Calendar colour'), value=member.colour or '').classes('w-48').mark(
                'staff-colour')
            active = ui.switch(_('Works here'), value=member.active).mark('staff-active')
        phone = ui.input(_('Mobile number'), value=member.phone or '').classes('w-56').props(
            'type=tel autocomplete=off').mark('staff-phone')
        ui.label(_("A number without a country code is read as the location's country's. Sign-in links by SMS go "
                   'only to this number.')).classes('text-xs text-slate-500')
        ui.label(_('Weekly hours: up to two stretches a day (a break is the gap); none: day off.')).classes(
            'text-sm text-slate-500 mt-2')
        week = WeekHours(member.working_hours, 'staff')
        services = {s.id: s.name for s in catalog.list_services(self.location.id, actor=self.user)}
        performed = staff.schedule(self.location.id, clock.day_bounds(date.today(), self.location.time_zone)[0],
                                   clock.day_bounds(date.today(), self.location.time_zone)[1],
                                   actor=self.user).services.get(member.id)
        skills = ui.select(services, multiple=True, value=sorted(performed) if performed else [],
                           label=_('Services performed (none chosen: every service)')).classes('w-full').props(
            'use-chips').mark('staff-services')
        with ui.row().classes('w-full gap-2 items-start flex-wrap'):
            on_services = ui.number(_('Commission on services (%)'), value=member.service_commission_bp / 100, min=0,
                                    max=100, step=0.5).classes('w-52').mark('staff-commission-services')
            on_products = ui.number(_('Commission on products (%)'), value=member.product_commission_bp / 100, min=0,
                                    max=100, step=0.5).classes('w-52').mark('staff-commission-products')
            accounts = staff.linkable_accounts(self.location.id, actor=self.user)
            linked = next((account for account, _email, linked_to in accounts if linked_to == member.id), None)
            account = ui.select({account_id: _('{email} (linked to someone else)').format(email=email)
                                 if other not in (None, member.id) else email
                                 for account_id, email, other in accounts},
                                value=linked, clearable=True, label=_('Signs in as')).classes('w-64').mark(
                'staff-account')
        ui.label(_('Their sign-in opens the day view on their own column. Invite them on the Sign-in tab, or link '
                   'an account the owner made on the Users page.')).classes('text-xs text-slate-500')

        async def save() -> None:
            phone.error = None
            stretches = week.read()
            if stretches is None:
                return
            hours = [WorkingHoursBase(**s) for s in stretches]
            try:
                rates = {field: Decimal(str(box.value if box.value is not None else 0)) for field, box in (
                    ('service_commission', on_services), ('product_commission', on_products))}
                await language.io_bound(lambda: staff.update_staff_member(
                    member.id, actor=self.user, name=name.value or '', colour=colour.value or '',
                    active=bool(active.value), working_hours=hours, services=list(skills.value) or None,
                    account_id=account.value, phone=phone.value or '', **rates))
            except ClientPulseError as error:
                field_error({'name': name, 'colour': colour, 'phone': phone, 'working_hours': week.first,
                             'services': skills,
                             'service_commission': on_services, 'product_commission': on_products,
                             'account_id': account}, error)
                return
            self.dialog.close()
            ui.notify(_('{name} saved.').format(name=name.value), type='positive')

        with ui.row().classes('mt-2'):
            ui.button(_('Save'), on_click=save).mark('staff-save')
            ui.button(_('Close'), on_click=self.dialog.close).props('flat')

    def time_off(self) -> None:
        tz = self.location.time_zone
        today = clock.today(tz)
        listing = ui.column().classes('w-full gap-1').mark('staff-time-off')

        def show() -> None:
            listing.clear()
            start, end = clock.day_bounds(today - timedelta(days=30), tz)[0], clock.day_bounds(
                today + timedelta(days=365), tz)[1]
            mine = [t for t in staff.schedule(self.location.id, start, end, actor=self.user).time_off
                    if t.staff_member_id == self.member.id]
            with listing:
                if not mine:
                    ui.label(_('No time off planned.')).classes('text-slate-500')
                locale = self.location.locale
                for away in mine:
                    first, last = clock.to_local(away.starts_at, tz), clock.to_local(away.ends_at, tz)
                    text = (_day(first, locale) + ('' if (last - first).days <= 1 else
                                                   f' – {_day(last - timedelta(days=1), locale)}')
                            if away.all_day else f'{_day(first, locale, time=True)} – {last:%H:%M}')
                    with ui.row().classes('items-center gap-2'):
                        ui.label(text + (f' · {away.reason}' if away.reason else ''))
                        ui.button(icon='delete', on_click=lambda a=away: remove(a.id)).props(
                            'flat round dense').tooltip(_('Take back'))

        async def remove(time_off_id: int) -> None:
            await language.io_bound(staff.remove_time_off, time_off_id, actor=self.user)
            show()

        show()
        with ui.row().classes('items-center gap-2 flex-wrap mt-2'):
            first = dates.date_input(_('From'), today, locale=self.location.locale).props('dense').classes(
                'w-44').mark('staff-off-from')
            last = dates.date_input(_('To'), today, locale=self.location.locale).props('dense').classes(
                'w-44').mark('staff-off-to')
            start = ui.input(_('From time (empty: all day)')).props('type=time dense clearable').classes('w-40').mark(
                'staff-off-start')
            end = ui.input(_('To time')).props('type=time dense clearable').classes('w-32').mark('staff-off-end')
            reason = ui.input(_('Reason')).props('dense').classes('w-48').mark('staff-off-reason')

        async def add() -> None:
            for field in (first, last, end):
                field.error = None
            try:
                from_day, to_day = date.fromisoformat(first.value or ''), date.fromisoformat(last.value or '')
            except ValueError:
                last.error = _('Choose both days.')
                return
            try:
                await language.io_bound(lambda: staff.add_time_off(
                    self.member.id, from_day, to_day, actor=self.user, reason=reason.value or '',
                    start_minute=minutes(start.value) if start.value else None,
                    end_minute=minutes(end.value) if end.value else None))
            except ClientPulseError as error:
                field_error({'last_day': last, 'end_minute': end, 'reason': reason}, error)
                return
            reason.value = ''
            show()

        ui.button(_('Add time off'), icon='event_busy', on_click=add).mark('staff-off-add')

    def extra_shifts(self) -> None:
        tz = self.location.time_zone
        today = clock.today(tz)
        listing = ui.column().classes('w-full gap-1').mark('staff-extra-shifts')

        def show() -> None:
            listing.clear()
            start, end = clock.day_bounds(today, tz)[0], clock.day_bounds(today + timedelta(days=365), tz)[1]
            mine = [x for x in staff.schedule(self.location.id, start, end, actor=self.user).extra_shifts
                    if x.staff_member_id == self.member.id]
            with listing:
                if not mine:
                    ui.label(_('No extra shifts ahead.')).classes('text-slate-500')
                for shift in sorted(mine, key=lambda x: (x.day, x.start_minute)):
                    ui.label(f'{_day(shift.day, self.location.locale)} '
                             f'{hhmm(shift.start_minute)}–{hhmm(shift.end_minute)}')

        show()
        with ui.row().classes('items-center gap-2 flex-wrap mt-2'):
            day = dates.date_input(_('Day'), today, locale=self.location.locale).props('dense').classes(
                'w-44').mark('staff-extra-day')
            start = ui.input(_('From')).props('type=time dense').classes('w-32').mark('staff-extra-start')
            end = ui.input(_('To')).props('type=time dense').classes('w-32').mark('staff-extra-end')

        async def add() -> None:
            end.error = None
            first, last = minutes(start.value), minutes(end.value)
            try:
                when = date.fromisoformat(day.value or '')
            except ValueError:
                day.error = _('Choose a day.')
                return
            if first is None or last is None:
                end.error = _('Give both times.')
                return
            try:
                await language.io_bound(staff.add_extra_shift, self.member.id, when, first, last, actor=self.user)
            except ClientPulseError as error:
                end.error = str(error)
                return
            show()

        ui.button(_('Add the shift'), icon='more_time', on_click=add).mark('staff-extra-add')
