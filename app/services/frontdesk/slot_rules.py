"""The front desk's slot rules, as pure functions over plain values: no database, no bus, no clock of their own.

A **slot** is ``[starts_at, ends_at)`` (aware UTC) of a service with a staff member; with its **buffer** (the
service's, else the location's: :func:`buffer_minutes`) it keeps the staff member until its **reach**, and with the
service's **preparation** time it keeps them from ``kept_from`` (its start less the preparation). Both are the staff
member's, never the customer's: the customer is told ``[starts_at, ends_at)``. It may be booked when, in this order
(the order the refusal names the first failing check in):

1. ``closed``: the location is open (no closure covers its local day; with opening hours set, one opening stretch of
   its weekday holds it) — skipped when a manager overrides the hours;
2. ``notice``/``horizon``: (only when asked, for a customer choosing) it starts no earlier than the notice allows and
   no later than the horizon;
3. ``performs``: the staff member performs the service (one with no services listed performs all);
4. ``hours``: one of the staff member's working stretches of the weekday or extra shifts of the day holds it, its
   preparation included (the staff member prepares inside their hours; the buffer after may run past them) —
   skipped on override;
5. ``away``: no time off of theirs meets ``[kept_from, reach)``;
6. ``booked``: no booking of theirs in a :data:`BLOCKING_STATUSES` status meets it, its own preparation and buffer
   included (``[blocked_from or starts_at, blocked_until or ends_at)``; the booking moved is not counted);
7. ``held``: no live hold of someone else's meets it, a customer's online hold not counting for the desk.

"Meets" is one predicate for all three (:func:`meets`): ``start < reach and (until > starts_at or start ==
starts_at)`` (two things starting together meet even when one has no length, as imported history may).

The free-time search (:func:`app.services.frontdesk.availability.free_slots`), the refusal the desk reads and the
write path's SQL fast path (:mod:`app.services.frontdesk.bookings`, whose predicate is built to match
:func:`meets` and the checks above; ``tests/frontdesk/test_slot_rules.py`` checks they agree) all ask
:func:`refusal`. Booking status changes (:data:`ALLOWED_TRANSITIONS`, :func:`transition_refusal`,
:func:`timely_refusal`) live here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from babel.dates import format_date

from app.models import BookingStatus, HoldKind
from app.services import clock, i18n
from app.services.errors import (
    ClientPulseError,
    InvalidTransitionError,
    OutsideWorkingHoursError,
    SlotUnavailableError,
)
from app.services.i18n import N_, _, ngettext

GRID_MINUTES = 15
"""The slot grid when the location sets none."""

BLOCKING_STATUSES = (BookingStatus.BOOKED, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN,
                     BookingStatus.COMPLETED)
"""Statuses whose bookings occupy the staff member's time; cancelled and no-show ones free it."""
BLOCKING_VALUES = frozenset(s.value for s in BLOCKING_STATUSES)

ALLOWED_TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.BOOKED: frozenset({BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.CANCELLED,
                                     BookingStatus.NO_SHOW}),
    BookingStatus.CONFIRMED: frozenset({BookingStatus.CHECKED_IN, BookingStatus.CANCELLED, BookingStatus.NO_SHOW}),
    BookingStatus.CHECKED_IN: frozenset({BookingStatus.COMPLETED}),
    BookingStatus.COMPLETED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.NO_SHOW: frozenset(),
}
"""booked → confirmed → checked in → completed; booked/confirmed → cancelled or no-show. A booked
customer who walks in unconfirmed may be checked in directly (as in Fresha's "Arrived")."""

MOVABLE = frozenset({BookingStatus.BOOKED, BookingStatus.CONFIRMED})
"""Statuses a booking may be moved (or cancelled) from."""
UNDOABLE = frozenset({BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW})
"""Statuses a manager may take back to booked."""

STATUS_LABELS = {
    BookingStatus.BOOKED: N_('Booked'), BookingStatus.CONFIRMED: N_('Confirmed'),
    BookingStatus.CHECKED_IN: N_('Checked in'), BookingStatus.COMPLETED: N_('Completed'),
    BookingStatus.CANCELLED: N_('Cancelled'), BookingStatus.NO_SHOW: N_('No-show'),
}
"""Each status's name, English source text: shown with ``_(STATUS_LABELS[status])``."""

ONLINE = HoldKind.ONLINE.value
HOLD_RANK = {'': 0, ONLINE: 1, HoldKind.KIOSK.value: 2, HoldKind.OFFER.value: 2}
"""How strongly a kind of hold keeps a time: a kiosk or waitlist hold blocks everyone, an online one customers only."""

CHECKS = ('closed', 'notice', 'horizon', 'performs', 'hours', 'away', 'booked', 'held')
"""Every check of :func:`refusals`, in the order a refusal names the first failing one."""
EVERY_CHECK = frozenset(CHECKS)
HOLD_CHECKS = frozenset({'booked', 'held'})
"""What a new hold asks (:func:`app.services.frontdesk.availability.hold`): no booking and no other hold there."""


# --- values the rules take -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """What the rules need of a location (its stored settings)."""

    time_zone: str
    opening_hours: list[dict] = field(default_factory=list)
    """``{'weekday', 'start_minute', 'end_minute'}`` stretches; none: open whenever staff work"""
    closures: list[dict] = field(default_factory=list)
    """``{'start', 'end', 'reason'}`` with ISO days, both included"""
    slot_minutes: int = GRID_MINUTES
    buffer_minutes: int = 0
    min_notice_minutes: int = 0
    horizon_days: int = 90

    @classmethod
    def of(cls, location) -> Place:
        """The rules' view of a :class:`~app.models.Location` (or anything with its fields)."""
        return cls(time_zone=location.time_zone, opening_hours=list(location.opening_hours or []),
                   closures=list(location.closures or []), slot_minutes=location.slot_minutes or GRID_MINUTES,
                   buffer_minutes=location.buffer_minutes or 0, min_notice_minutes=location.min_notice_minutes or 0,
                   horizon_days=location.horizon_days)


@dataclass(frozen=True)
class Busy:
    """A booking of the staff member: it keeps them over ``[kept_from, until)`` (``kept_from``: its start less its
    preparation, the stored ``blocked_from``, else its start; ``until``: its end plus its buffer, the stored
    ``blocked_until``, else its end)."""

    starts_at: datetime
    ends_at: datetime
    until: datetime
    status: str = BookingStatus.BOOKED.value
    booking_id: int = 0
    customer: str = ''
    """the customer's name; '' a walk-in"""
    blocked_from: datetime | None = None
    """its start less its preparation; None: no preparation"""

    @property
    def kept_from(self) -> datetime:
        """From when the booking keeps its staff member."""
        return self.blocked_from or self.starts_at


@dataclass(frozen=True)
class Away:
    """Time off of the staff member, ``[starts_at, ends_at)``."""

    starts_at: datetime
    ends_at: datetime
    all_day: bool = False
    reason: str = ''


@dataclass(frozen=True)
class Held:
    """A hold on the staff member's time (:class:`~app.models.SlotHold`): ``[starts_at, ends_at)`` kept for
    ``holder`` until ``held_until``, with its preparation from ``blocked_from`` and buffer until ``blocked_until``
    (None: none); ``kind``: :class:`~app.models.HoldKind`'s value."""

    starts_at: datetime
    ends_at: datetime
    held_until: datetime
    kind: str
    holder: str = ''
    blocked_from: datetime | None = None
    blocked_until: datetime | None = None

    @property
    def kept_from(self) -> datetime:
        """From when the hold keeps the staff member."""
        return self.blocked_from or self.starts_at

    @property
    def until(self) -> datetime:
        """Until when the hold keeps the staff member."""
        return self.blocked_until or self.ends_at


@dataclass
class StaffDay:
    """What the rules need of one staff member around a time: their working stretches of the local day (the
    weekday's hours and the day's extra shifts, local minutes), whether they perform the service, and their
    bookings, time off and holds near it (a superset is fine: the rules pick what meets)."""

    staff_member_id: int
    name: str
    shifts: list[tuple[int, int]] = field(default_factory=list)
    performs: bool = True
    bookings: list[Busy] = field(default_factory=list)
    away: list[Away] = field(default_factory=list)
    holds: list[Held] = field(default_factory=list)


@dataclass(slots=True)  # not frozen: one is made for every start of every free-time search
class Ask:
    """A slot asked for. ``day``, ``first`` and ``last``: its local day and minutes (``last`` past 1440 when it ends
    the next day); ``reach``: its end plus its buffer; ``kept_from``: its start less ``prep`` (the service's
    preparation, minutes). ``holder``: the asker's own holds do not count; ``desk``: a
    customer's online hold does not count; ``override``: a manager books outside the hours; ``exclude_id``: a
    booking moved does not count against itself; ``earliest``/``latest``: a customer's notice and horizon (None: not
    asked)."""

    starts_at: datetime
    ends_at: datetime
    reach: datetime
    kept_from: datetime
    day: date
    first: int
    last: int
    now: datetime
    holder: str = ''
    desk: bool = True
    override: bool = False
    exclude_id: int = 0
    earliest: datetime | None = None
    latest: datetime | None = None
    prep: int = 0


@dataclass(frozen=True)
class Refused:
    """The first check a slot fails (one of :data:`CHECKS`), with the field it concerns and what failed it (a
    closure or the day's opening stretches, the shifts, an :class:`Away`, a :class:`Busy`, a :class:`Held`)."""

    check: str
    field: str = 'starts_at'
    item: object = None


# --- the rules -----------------------------------------------------------------------------------------------------

def buffer_minutes(service_buffer: int | None, location_buffer: int | None) -> int:
    """The gap kept after a booking of a service, in minutes: the service's own buffer, else the location's."""
    return service_buffer if service_buffer is not None else (location_buffer or 0)


def ask(starts_at: datetime, minutes: float, place: Place, *, service_buffer: int | None = None, prep: int = 0,
        now: datetime, **options) -> Ask:
    """The :class:`Ask` for ``minutes`` from ``starts_at`` (aware) at ``place``, its buffer by
    :func:`buffer_minutes`, ``prep`` minutes of preparation before it; ``options``: :class:`Ask`'s flags."""
    ends_at = starts_at + timedelta(minutes=minutes)
    day, first, last = local_span(starts_at, ends_at, place.time_zone)
    reach = ends_at + timedelta(minutes=buffer_minutes(service_buffer, place.buffer_minutes))
    return Ask(starts_at=starts_at, ends_at=ends_at, reach=reach, kept_from=starts_at - timedelta(minutes=prep),
               day=day, first=first, last=last, now=now, prep=prep, **options)


def ask_at(day: date, minute: int, minutes: int, place: Place, *, service_buffer: int | None = None, prep: int = 0,
           now: datetime, **options) -> Ask:
    """The :class:`Ask` for ``minutes`` from local ``minute`` of ``day`` at ``place`` (the free-time search knows its
    local minutes); as :func:`ask` otherwise."""
    starts_at = clock.local_datetime(day, minute, place.time_zone)
    ends_at = starts_at + timedelta(minutes=minutes)
    reach = ends_at + timedelta(minutes=buffer_minutes(service_buffer, place.buffer_minutes))
    return Ask(starts_at=starts_at, ends_at=ends_at, reach=reach, kept_from=starts_at - timedelta(minutes=prep),
               day=day, first=minute, last=minute + minutes, now=now, prep=prep, **options)


def grid_starts(shifts: Iterable[tuple[int, int]], minutes: int, grid: int, before: int = 0) -> Iterator[int]:
    """The local minutes on the ``grid`` (minutes after midnight divisible by it) at which ``minutes``, with
    ``before`` minutes of preparation ahead of them, fit inside a stretch of ``shifts``, stretch by stretch from the
    earliest (a start inside two stretches comes twice)."""
    for first, last in sorted(shifts):
        minute = first + before + (-(first + before)) % grid
        while minute + minutes <= last:
            yield minute
            minute += grid


def local_span(starts_at: datetime, ends_at: datetime, time_zone: str) -> tuple[date, int, int]:
    """``(local day, first minute, last minute)`` of ``[starts_at, ends_at)``; ``last`` counts on past midnight
    (1440 +) when the slot ends the next day."""
    day = clock.local_day(starts_at, time_zone)
    first, last = clock.minute_of_day(starts_at, time_zone), clock.minute_of_day(ends_at, time_zone)
    if clock.local_day(ends_at, time_zone) != day:
        last += 24 * 60
    return day, first, last


def meets(start: datetime, until: datetime, starts_at: datetime, reach: datetime) -> bool:
    """Whether something kept over ``[start, until)`` meets a slot kept over ``[starts_at, reach)``: they overlap,
    or start at the same moment (so a booking of no length still clashes with one starting with it)."""
    return start < reach and (until > starts_at or start == starts_at)


def performs(skills: Iterable[int], service_id: int) -> bool:
    """A staff member with no services listed performs every service; else only those listed."""
    listed = set(skills)
    return not listed or service_id in listed


def notice_window(now: datetime, place: Place, *, customer: bool) -> tuple[datetime, datetime | None]:
    """``(earliest, latest)`` start a slot may have: for a customer choosing, the location's minimum notice and
    horizon; for the desk, from now on with no horizon."""
    if not customer:
        return now, None
    return now + timedelta(minutes=place.min_notice_minutes), now + timedelta(days=place.horizon_days)


def too_soon(starts_at: datetime, earliest: datetime) -> bool:
    """A start before the earliest allowed (:func:`notice_window`)."""
    return starts_at < earliest


def closure_on(closures: Iterable[dict], day: date) -> dict | None:
    """The closure covering the local ``day``, if any."""
    iso = day.isoformat()
    return next((c for c in closures if c['start'] <= iso <= c['end']), None)


def opening_of(place: Place, weekday: int) -> list[tuple[int, int]]:
    """The location's opening stretches of ``weekday`` (local minutes), earliest first."""
    return sorted((s['start_minute'], s['end_minute']) for s in place.opening_hours if s['weekday'] == weekday)


def within(stretches: Iterable[tuple[int, int]], first: int, last: int) -> bool:
    """Whether one stretch holds ``[first, last]`` (local minutes)."""
    return any(a <= first and last <= b for a, b in stretches)


def hold_blocks(kind: str, *, desk: bool) -> bool:
    """Whether a hold of ``kind`` keeps the time from the asker: every hold keeps it from customers; the desk may
    book over a customer's online hold."""
    return bool(kind) and not (desk and kind == ONLINE)


def refusal(place: Place, day: StaffDay, slot: Ask, *, checks: Iterable[str] = EVERY_CHECK) -> Refused | None:
    """The first of ``checks`` (in :data:`CHECKS`' order) that ``slot`` fails with the staff member of ``day`` at
    ``place``, or None: it may be booked."""
    wanted = checks if isinstance(checks, frozenset) else frozenset(checks)
    for check in CHECKS:
        if check in wanted:
            found = _CHECKERS[check](place, day, slot)
            if found is not None:
                return found
    return None


def refusals(place: Place, day: StaffDay, slot: Ask, *, checks: Iterable[str] = EVERY_CHECK) -> Iterator[Refused]:
    """Every check of ``checks`` the slot fails, in :data:`CHECKS`' order (lazily: the first costs only itself)."""
    wanted = checks if isinstance(checks, frozenset) else frozenset(checks)
    for check in CHECKS:
        if check in wanted:
            found = _CHECKERS[check](place, day, slot)
            if found is not None:
                yield found


def strongest_hold(holds: Iterable[Held], slot: Ask) -> Held | None:
    """The live hold (other than the asker's) meeting the slot that keeps it most strongly (:data:`HOLD_RANK`;
    of equals, the one lasting longest), or None."""
    best = None
    for held in holds:
        if (held.held_until > slot.now and held.holder != slot.holder
                and meets(held.kept_from, held.until, slot.kept_from, slot.reach)
                and (best is None or (HOLD_RANK[held.kind], held.held_until) > (HOLD_RANK[best.kind],
                                                                                  best.held_until))):
            best = held
    return best


def _closed(place: Place, _day: StaffDay, slot: Ask) -> Refused | None:
    if slot.override:
        return None
    closure = closure_on(place.closures, slot.day)
    if closure is not None:
        return Refused('closed', item=closure)
    if place.opening_hours:
        today = opening_of(place, slot.day.weekday())
        if not within(today, slot.first, slot.last):
            return Refused('closed', item=today)
    return None


def _notice(_place: Place, _day: StaffDay, slot: Ask) -> Refused | None:
    return Refused('notice') if slot.earliest is not None and too_soon(slot.starts_at, slot.earliest) else None


def _horizon(_place: Place, _day: StaffDay, slot: Ask) -> Refused | None:
    return Refused('horizon') if slot.latest is not None and slot.starts_at > slot.latest else None


def _performs(_place: Place, day: StaffDay, _slot: Ask) -> Refused | None:
    return None if day.performs else Refused('performs', field='staff_member_id')


def _hours(_place: Place, day: StaffDay, slot: Ask) -> Refused | None:
    if slot.override or within(day.shifts, slot.first - slot.prep, slot.last):
        return None
    return Refused('hours', item=sorted(day.shifts))


def _away(_place: Place, day: StaffDay, slot: Ask) -> Refused | None:
    met = [a for a in day.away if meets(a.starts_at, a.ends_at, slot.kept_from, slot.reach)]
    return Refused('away', item=min(met, key=lambda a: a.starts_at)) if met else None


def _booked(_place: Place, day: StaffDay, slot: Ask) -> Refused | None:
    for busy in day.bookings:
        if (busy.status in BLOCKING_VALUES and not (slot.exclude_id and busy.booking_id == slot.exclude_id)
                and meets(busy.kept_from, busy.until, slot.kept_from, slot.reach)):
            return Refused('booked', item=busy)
    return None


def _held(_place: Place, day: StaffDay, slot: Ask) -> Refused | None:
    held = strongest_hold(day.holds, slot)
    return Refused('held', item=held) if held is not None and hold_blocks(held.kind, desk=slot.desk) else None


_CHECKERS = {'closed': _closed, 'notice': _notice, 'horizon': _horizon, 'performs': _performs, 'hours': _hours,
             'away': _away, 'booked': _booked, 'held': _held}


def desk_may_book(refused: Refused | None, *, desk: bool) -> bool:
    """Whether a slot refused (or not) by :func:`refusal` asked as a customer (``desk=False``) may be booked by
    the asker: free, or (``desk``) only a customer's online hold covers it."""
    if refused is None:
        return True
    return refused.check == 'held' and not hold_blocks(refused.item.kind, desk=desk)


# --- refusals in words ---------------------------------------------------------------------------------------------

def as_error(refused: Refused, place: Place, day: StaffDay, slot: Ask, *, waitlist_customer: str = ''
             ) -> ClientPulseError:
    """The refusal the desk (or a customer, ``slot.desk`` False) reads, naming ``refused.field``.
    ``waitlist_customer``: whom a waitlist offer's hold is for (the service looks the name up)."""
    return _WORDS[refused.check](refused, place, day, slot, waitlist_customer)


def closed_error(refused: Refused, place: Place, day: StaffDay, slot: Ask, _who: str = '') -> ClientPulseError:
    """"We are closed on …" / "We are open … on …s." for a ``closed`` refusal."""
    if isinstance(refused.item, dict):
        reason = refused.item.get('reason') or ''
        message = _('We are closed on {day} ({reason}).') if reason else _('We are closed on {day}.')
        return OutsideWorkingHoursError(message.format(day=long_day(slot.day), reason=reason), field=refused.field)
    hours = ', '.join(f'{hhmm(a)}–{hhmm(b)}' for a, b in refused.item)
    message = _('We are open {hours} on {weekday}s.') if hours else _('We are closed on {weekday}s.')
    return OutsideWorkingHoursError(message.format(hours=hours, weekday=weekday(slot.day)), field=refused.field)


def _notice_error(refused: Refused, place: Place, day: StaffDay, slot: Ask, _who: str = '') -> ClientPulseError:
    return SlotUnavailableError(_('Sorry, that time was just taken. Please choose another.'), field=refused.field)


def _performs_error(refused: Refused, place: Place, day: StaffDay, slot: Ask, _who: str = '') -> ClientPulseError:
    return SlotUnavailableError(_("{name} doesn't do this service. Choose someone else.").format(name=day.name),
                                field=refused.field)


def _hours_error(refused: Refused, place: Place, day: StaffDay, slot: Ask, _who: str = '') -> ClientPulseError:
    if not refused.item:
        return OutsideWorkingHoursError(_("{name} doesn't work on {weekday}s.").format(
            name=day.name, weekday=weekday(slot.day)), field=refused.field)
    hours = ', '.join(f'{hhmm(a)}–{hhmm(b)}' for a, b in refused.item)
    if slot.prep and within(refused.item, slot.first, slot.last):  # the visit fits; its preparation does not
        return OutsideWorkingHoursError(ngettext(
            '{name} works {hours} on {weekday}s and needs {n} minute to prepare before this service, from {start}: '
            'that is outside their hours.',
            '{name} works {hours} on {weekday}s and needs {n} minutes to prepare before this service, from {start}: '
            'that is outside their hours.', slot.prep).format(
            name=day.name, hours=hours, weekday=weekday(slot.day), n=slot.prep,
            start=hhmm((slot.first - slot.prep) % 1440)), field=refused.field)
    return OutsideWorkingHoursError(_('{name} works {hours} on {weekday}s; {start}–{end} is outside that.').format(
        name=day.name, hours=hours, weekday=weekday(slot.day), start=hhmm(slot.first), end=hhmm(slot.last % 1440)),
        field=refused.field)


def _away_error(refused: Refused, place: Place, day: StaffDay, slot: Ask, _who: str = '') -> ClientPulseError:
    away: Away = refused.item
    start = clock.to_local(away.starts_at, place.time_zone)
    values = {'name': day.name, 'day': long_day(start.date()), 'time': f'{start:%H:%M}', 'reason': away.reason}
    if away.all_day:
        message = _('{name} is off on {day} ({reason}).') if away.reason else _('{name} is off on {day}.')
    else:
        message = (_('{name} is off from {time} on {day} ({reason}).') if away.reason
                   else _('{name} is off from {time} on {day}.'))
    return SlotUnavailableError(message.format(**values), field=refused.field)


def _booked_error(refused: Refused, place: Place, day: StaffDay, slot: Ask, _who: str = '') -> ClientPulseError:
    busy: Busy = refused.item
    values = {'name': day.name, 'start': hhmm(clock.minute_of_day(busy.starts_at, place.time_zone)),
              'end': hhmm(clock.minute_of_day(busy.ends_at, place.time_zone)), 'customer': busy.customer}
    if busy.kept_from < busy.starts_at:  # the clash may be with its preparation only: say when that starts
        values['prep'] = hhmm(clock.minute_of_day(busy.kept_from, place.time_zone))
        message = (_('{name} is already booked {start}–{end} with {customer} and prepares from {prep}. Choose another '
                     'time or staff member.') if busy.customer else
                   _('{name} is already booked {start}–{end} with a walk-in and prepares from {prep}. Choose another '
                     'time or staff member.'))
    else:
        message = (_('{name} is already booked {start}–{end} with {customer}. Choose another time or staff member.')
                   if busy.customer else
                   _('{name} is already booked {start}–{end} with a walk-in. Choose another time or staff member.'))
    return SlotUnavailableError(message.format(**values), field=refused.field)


def _held_error(refused: Refused, place: Place, day: StaffDay, slot: Ask, who: str = '') -> ClientPulseError:
    held: Held = refused.item
    if not slot.desk:
        return SlotUnavailableError(_('Sorry, that time was just taken. Please choose another.'), field=refused.field)
    if held.kind == HoldKind.OFFER.value:
        until = f'{clock.to_local(held.held_until, place.time_zone):%H:%M}'
        if who:
            message = _('This time with {staff} is held for {customer} from the waitlist until {time}: book it for '
                        'them on the Waitlist page, or pass the offer on.').format(staff=day.name, customer=who,
                                                                                   time=until)
        else:
            message = _('This time with {staff} is held for a customer from the waitlist until {time}: book it for '
                        'them on the Waitlist page, or pass the offer on.').format(staff=day.name, time=until)
        return SlotUnavailableError(message, field=refused.field)
    return SlotUnavailableError(_('A customer is booking {staff} at this time at the kiosk. Choose another time or '
                                  'wait a few minutes.').format(staff=day.name), field=refused.field)


_WORDS = {'closed': closed_error, 'notice': _notice_error, 'horizon': _notice_error, 'performs': _performs_error,
          'hours': _hours_error, 'away': _away_error, 'booked': _booked_error, 'held': _held_error}


# --- status changes ------------------------------------------------------------------------------------------------

def transition_refusal(current: BookingStatus, target: BookingStatus) -> InvalidTransitionError | None:
    """Why a booking may not go from ``current`` to ``target`` (:data:`ALLOWED_TRANSITIONS`), or None."""
    if target in ALLOWED_TRANSITIONS[current]:
        return None
    return InvalidTransitionError(_('This booking is {status}; it cannot be marked {target}.').format(
        status=_(STATUS_LABELS[current]).lower(), target=_(STATUS_LABELS[target]).lower()), field='status')


def timely_refusal(status: BookingStatus, starts_at: datetime, time_zone: str, now: datetime
                   ) -> InvalidTransitionError | None:
    """Why ``status`` may not be set now (a check-in only on the booking's local day, a no-show only once it has
    started), or None."""
    if status == BookingStatus.CHECKED_IN:
        day = clock.local_day(starts_at, time_zone)
        if day != clock.local_day(now, time_zone):
            return InvalidTransitionError(_('Check-in is on the day of the booking ({day}).').format(
                day=long_day(day)), field='status')
    if status == BookingStatus.NO_SHOW and now < starts_at:
        start = clock.to_local(starts_at, time_zone)
        return InvalidTransitionError(_('A no-show can be marked once the booking has started ({time}).').format(
            time=f'{start:%H:%M}'), field='status')
    return None


def move_refusal(status: BookingStatus) -> InvalidTransitionError | None:
    """Why a booking of ``status`` may not be moved (only booked or confirmed ones may), or None."""
    if status in MOVABLE:
        return None
    return InvalidTransitionError(_('A {status} booking cannot be moved.').format(
        status=_(STATUS_LABELS[status]).lower()), field='status')


def undo_refusal(status: BookingStatus) -> InvalidTransitionError | None:
    """Why a booking of ``status`` may not be taken back to booked (only a check-in or a no-show may), or None."""
    if status in UNDOABLE:
        return None
    return InvalidTransitionError(_('Only a check-in or a no-show can be undone; this booking is {status}.').format(
        status=_(STATUS_LABELS[status]).lower()), field='status')


# --- words ---------------------------------------------------------------------------------------------------------

def hhmm(minutes: int) -> str:
    """``570`` → ``'09:30'``."""
    return f'{minutes // 60:02d}:{minutes % 60:02d}'


def weekday(day: date) -> str:
    """``Monday`` in the language of the moment."""
    return format_date(day, 'EEEE', locale=i18n.current())


def long_day(day: date) -> str:
    """``Monday 04 March`` in the language of the moment."""
    return format_date(day, 'EEEE dd MMMM', locale=i18n.current())
