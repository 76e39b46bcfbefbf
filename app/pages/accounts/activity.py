"""Activity: who is online now, and the log of sign-ins and booking actions (owners and managers)."""

from __future__ import annotations

from datetime import date, datetime

from nicegui import ui

from app.models import UserRead
from app.pages import dates, params, presence
from app.pages.formatting import local_datetime
from app.pages.guard import PageContext, guarded_page
from app.pages.layout import role_name
from app.pages.signed_in import MANAGING
from app.services import clock, i18n
from app.services.accounts import activity
from app.services.catalogue import locations
from app.services.i18n import N_, _


@guarded_page('/activity', roles=MANAGING, title='Activity', icon='history', needs_location=False)
def activity_page(page: PageContext, action: str = '', email: str = '', start: str = '', end: str = '') -> None:
    """The Activity page: who is online, and the log filtered by action, email and days (ISO dates)."""
    user = page.user
    tz = page.location.time_zone if page.location else 'UTC'
    names = {x.id: x.name for x in locations.list_locations(actor=user)}
    first, first_message = params.optional_day(start, what=N_('first day'))
    last, last_message = params.optional_day(end, what=N_('last day'))
    _online(user, tz)
    params.notice(first_message)
    params.notice(last_message)
    _log(user, tz, names, action if action in activity.ACTIONS else '', params.clean(email, 200), first, last,
         formats=page.location.locale if page.location else None)


def _online(user: UserRead, tz: str) -> None:
    ui.label(_('Online now')).classes('text-lg font-semibold')

    @ui.refreshable
    def table() -> None:
        rows = [
            {
                'id': n,  # one person may be online in two browsers, or in two processes
                'email': p.email,
                'role': role_name(p.role),
                'page': _(p.page),
                'since': local_datetime(datetime.fromtimestamp(p.since).astimezone(), tz),
            }
            for n, p in enumerate(presence.online(user))
        ]
        columns = [
            {'name': k, 'label': label, 'field': k, 'align': 'left'}
            for k, label in (('email', _('Email')), ('role', _('Role')), ('page', _('Page')), ('since', _('Since')))
        ]
        ui.table(columns=columns, rows=rows, row_key='id').classes('w-full').props('dense flat').mark('online-table')

    table()
    presence.on_change(table.refresh)


def _log(
    user: UserRead, tz: str, names: dict[int, str], action: str, email: str, start: date | None, end: date | None,
    *, formats: str | None,
) -> None:
    ui.label(_('Activity log')).classes('text-lg font-semibold mt-4')
    with ui.row().classes('items-end gap-3'):
        action_input = (
            ui.select(
                {'': _('Every action'), **{a: activity.action_name(a) for a in activity.ACTIONS}},
                value=action if action in activity.ACTIONS else '',
                label=_('Action'),
            )
            .classes('w-48')
            .mark('filter-action')
        )
        email_input = ui.input(_('Email contains'), value=email).mark('filter-email')
        start_input = dates.date_input(_('From'), start, locale=formats).props('dense')
        end_input = dates.date_input(_('To'), end, locale=formats).props('dense')
        ui.button(
            _('Show'),
            on_click=lambda: ui.navigate.to(
                f'/activity?action={action_input.value}&email={email_input.value}&start={start_input.value}'
                f'&end={end_input.value}'
            ),
        ).mark('filter-apply')
    first = clock.day_bounds(start, tz)[0] if start else None
    last = clock.day_bounds(end, tz)[1] if end else None
    rows = activity.entries(actor=user, action=action or None, email=email, start=first, end=last)
    ui.button(
        _('Export CSV'),
        icon='download',
        on_click=lambda: ui.download.content(activity.to_csv(rows, names), 'activity.csv'),
    ).props('flat').mark('activity-csv')
    columns = [
        {'name': k, 'label': label, 'field': k, 'align': 'left'}
        for k, label in (
            ('at', _('Time')),
            ('email', _('Who')),
            ('role', _('Role')),
            ('location', _('Location')),
            ('action', _('Action')),
            ('detail', _('Detail')),
            ('ip', _('Address')),
            ('user_agent', _('Browser')),
        )
    ]
    ui.table(
        columns=columns,
        rows=[
            {
                'id': r.id,
                'at': local_datetime(r.at, tz),
                'email': r.email,
                'role': role_name(r.role) if r.role else '',
                'location': names.get(r.location_id, ''),
                'action': activity.action_name(r.action),
                'detail': i18n.shown(r.detail),
                'ip': r.ip,
                'user_agent': r.user_agent[:60],
            }
            for r in rows
        ],
        row_key='id',
        pagination=25,
    ).classes('w-full').props('dense flat').mark('activity-table')

