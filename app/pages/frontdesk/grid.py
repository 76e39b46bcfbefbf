"""The calendar grid both the day view (a column per staff member) and a staff member's week (a column per day) draw:
``day_grid.js`` with its columns and booking blocks.

Reachable without a mouse: every booking block and every free quarter hour of a working stretch is a focusable
button (one tab stop for the grid; the arrow keys move between them, Enter or Space opens what a click opens); each
block says its status in words (its ``aria-label`` and tooltip) and by an icon, with a legend naming each status and
colours dark enough for white text (4.5:1 and more), and a second legend list naming every other mark (a booking made
online or at the kiosk, a no-show risk, an overlap, an imported length, time off, the current time's line); and a
"List" toggle shows the day as a plain list of bookings.
"""

from __future__ import annotations

from datetime import date, datetime

from nicegui.element import Element

from app import live
from app.models import BookingRead
from app.pages.formatting import local_time
from app.pages.frontdesk.dashboard import STATUS_COLOURS
from app.services import clock
from app.services.analytics.noshow import Risk
from app.services.frontdesk.bookings import STATUS_LABELS
from app.services.i18n import N_, _, ngettext
from app.services.messaging import reach

PX_PER_MINUTE = 1.1
MIN_BLOCK_PX = 16  # one line of a block's text; a 15-minute booking (16.5 px) must not cover the next one
STATUS_ICONS = {'booked': 'event', 'confirmed': 'thumb_up', 'checked_in': 'login', 'completed': 'task_alt',
                'cancelled': 'block', 'no_show': 'person_off'}
"""The icon each status's blocks carry (Material icons), so that status is never told by colour alone."""
CHANNEL_MARKERS = {'online': ('language', N_('Booked online')), 'kiosk': ('tablet_mac', N_('Booked at the kiosk'))}
"""The marker (Material icon, words) of a block booked by the customer themselves; phone and walk-in carry none."""
NOW_COLOUR = '#d32f2f'


class DayGrid(live.SearchableText, Element, component='day_grid.js'):
    """The day view (``day_grid.js``): staff columns with their working hours (``grid``) and the booking blocks
    (``blocks``, each in its staff member's ``column``), both shared by every open day view (see
    ``bookings.day_view_parts``), or a staff member's week (columns are days: ``week.week_parts``); ``own`` is the
    staff member whose column comes first. Emits ``open`` with a booking's id when its block is clicked (or Enter or
    Space pressed on it), ``slot`` with ``{column, minute}`` for an empty time, ``move`` for a block dragged."""

    def __init__(self, grid: dict, blocks: list[dict], own: int | None, now: dict | None = None) -> None:
        super().__init__()
        live.set_prop(self, 'grid', grid)
        live.set_prop(self, 'blocks', blocks)
        self.props['own'] = own
        self.props['now'] = now  # this tab's: where the current time's line is (now_line), moved by the browser

    def searchable_text(self) -> list[str]:
        """The booking blocks' texts and no-show risks (what ``user.should_see`` finds in the day view)."""
        return [text for block in self.props['blocks'] for text in (block['text'], block.get('risk_label')) if text]

    def booking_ids(self) -> set[int]:
        """The bookings drawn."""
        return {block['id'] for block in self.props['blocks']}


def grid_texts(clashes: int) -> dict:
    """The grid's words and its legend in the language of the moment (part of the ``grid`` prop, so a room built in
    another language sends its own): ``{'texts': {…}, 'legend': [{status, label, colour, icon}]}``."""
    return {
        'texts': {
            'clashes': ngettext('{n} booking overlaps another of the same staff member (imported history) — marked '
                                'in red.', '{n} bookings overlap another of the same staff member (imported history) '
                                '— marked in red.', clashes).format(n=clashes) if clashes else '',
            'imported': _('Imported bookings carry no length: they are drawn as short markers with a dashed edge.'),
            'nobody': _('Nobody works on this day.'),
            'legend': _('Status'),
            'markers': _('Marks'),
            'now': _('Current time: {time}'),
            'list': _('List'),
            'grid': _('Grid'),
            'show_list': _('Show the bookings as a list'),
            'show_grid': _('Show the bookings as a grid'),
            'empty': _('No bookings.'),
            'free': _('{column}, {time}: free'),
            'grid_label': _('Bookings by staff member and time. Arrow keys move between bookings and free times; '
                            'Enter opens one.'),
        },
        'legend': [{'status': status.value, 'label': _(label), 'colour': STATUS_COLOURS[status.value],
                    'icon': STATUS_ICONS[status.value]} for status, label in STATUS_LABELS.items()],
        'markers': legend_markers(),
    }


def legend_markers() -> list[dict]:
    """The legend's second row, in the language of the moment: every other mark a block or column may carry,
    ``[{kind, label, icon?}]`` (``kind``: 'channel' with its icon, 'risk', 'clash', 'imported', 'away', 'kept',
    'unreached' with its icon, 'now')."""
    return [*({'kind': 'channel', 'icon': icon, 'label': _(label)} for icon, label in CHANNEL_MARKERS.values()),
            {'kind': 'risk', 'label': _('No-show risk (! medium, !! high)')},
            {'kind': 'clash', 'label': _('Overlaps another booking')},
            {'kind': 'imported', 'label': _('Length not recorded (imported)')},
            {'kind': 'away', 'label': _('Time off')},
            {'kind': 'kept', 'label': _('Preparation and buffer (not shown to the customer)')},
            {'kind': 'unreached', 'icon': 'notifications_off', 'label': _(reach.NO_REMINDER)},
            {'kind': 'now', 'label': _('Current time')}]


def now_line(day: date, time_zone: str, moment: datetime) -> dict:
    """Where the day view of the local ``day`` draws the current time's line, as ``day_grid.js`` reads it:
    ``{day (ISO), time_zone, minute (of the local day at ``moment``; None when ``day`` is not the location's today
    then), server_ms (``moment`` in ms since the epoch)}``. The browser moves the line by itself every 30 s from
    ``server_ms`` and its own clock's run since (no message from the server), in ``time_zone``; it drops the line
    when the location's day is no longer ``day``."""
    today = clock.local_day(moment, time_zone)
    return {'day': day.isoformat(), 'time_zone': time_zone,
            'minute': clock.minute_of_day(moment, time_zone) if today == day else None,
            'server_ms': int(moment.timestamp() * 1000)}


def block_of(booking: BookingRead, clash: bool, tz: str, risk: Risk | None = None, unreached: bool = False) -> dict:
    """One booking as ``day_grid.js`` draws it: ``{id, column (its staff member's id), start (minute of the local
    day), minutes (its length as drawn), before and after (minutes its staff member is kept before it, preparing,
    and after it, its buffer: drawn as hatched bands), status, icon, text, title (also its accessible name: the text,
    the status in words, any warning and how it was booked when online or at the kiosk), style (CSS, all but the
    top, which follows from start and the first hour shown), risk ('medium' or 'high': a badge; None for low or
    unknown), risk_label, channel ('online', 'kiosk' or None), channel_icon, channel_label (its marker's name),
    unreached (``reach.NO_REMINDER`` when no channel reaches the customer, drawn as an icon; else None)}``, in the
    language of the moment."""
    start = clock.minute_of_day(booking.starts_at, tz)
    minutes = (booking.ends_at - booking.starts_at).total_seconds() / 60
    colour = STATUS_COLOURS[booking.status.value]
    edge = {'border': '2px solid #e53935'} if clash else {} if booking.duration_known else {'border': '2px dashed #fff'}
    customer = _('Walk-in') if booking.customer_id is None and booking.customer_name == 'Walk-in' else \
        booking.customer_name
    text = f'{local_time(booking.starts_at, tz)} {customer} · {booking.service_name}'
    details = [text, _(STATUS_LABELS[booking.status])]
    if clash:
        details.append(_('overlaps another booking'))
    if not booking.duration_known:
        details.append(_('length not recorded (imported)'))
    shown = risk if risk is not None and risk.level in ('medium', 'high') else None
    if shown is not None:
        details.append(shown.label())
    marker = CHANNEL_MARKERS.get(booking.channel.value)
    if marker is not None:
        details.append(_(marker[1]))
    if unreached:
        details.append(_(reach.NO_REMINDER))
    before = int((booking.starts_at - booking.blocked_from).total_seconds() // 60) if booking.blocked_from else 0
    after = int((booking.blocked_until - booking.ends_at).total_seconds() // 60) if booking.blocked_until else 0
    if before > 0:
        details.append(_('preparation from {time}').format(time=local_time(booking.blocked_from, tz)))
    if after > 0:
        details.append(_('buffer until {time}').format(time=local_time(booking.blocked_until, tz)))
    return {'id': booking.id, 'column': booking.staff_member_id, 'start': start,
            'minutes': int(minutes) if booking.duration_known else max(int(minutes), 15),
            'status': booking.status.value, 'icon': STATUS_ICONS[booking.status.value], 'text': text,
            'title': ' · '.join(details), 'risk': shown.level if shown else None,
            'risk_label': shown.label() if shown else None, 'unreached': _(reach.NO_REMINDER) if unreached else None,
            'channel': booking.channel.value if marker else None, 'channel_icon': marker[0] if marker else None,
            'channel_label': _(marker[1]) if marker else None, 'before': max(before, 0), 'after': max(after, 0),
            'style': {'height': f'{max(minutes * PX_PER_MINUTE, MIN_BLOCK_PX)}px', 'left': f'{10 if clash else 3}px',
                      'right': '3px', 'background': colour, 'line-height': '16px', **edge}}
