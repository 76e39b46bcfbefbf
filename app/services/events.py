"""The live bus: services publish small typed events after commit; pages subscribe.

One interface (:class:`Bus`), two backends: :class:`InProcessBus` (the default: one process) and
:class:`app.services.redis_bus.RedisStreamBus` (``CLIENTPULSE_BUS_URL``: several processes on one database).
Nothing outside this module may assume that publisher and subscriber share a process: events are frozen
dataclasses of plain values that round-trip through :func:`to_dict` / :func:`from_dict`, so a backend that
crosses processes carries them and re-publishes them locally. A subscriber that *acts* on an event (writes
to the database: the waitlist's offer) subscribes with ``local_only=True`` and so runs once, in the process
where the change was made; subscribers that show things hear every process's events.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BookingChanged:
    """A booking was created, moved, cancelled or changed status.

    ``day`` is the booking's local date at the location (after a move: the new day;
    ``previous_day`` the old one). ``summary`` is a short human line for toasts.
    """

    booking_id: int
    location_id: int
    staff_member_id: int
    day: date
    change: str  # 'created' | 'moved' | 'cancelled' | 'status'
    status: str
    summary: str = ''
    previous_day: date | None = None
    notification_id: int | None = None  # the notification recorded for it, if any


@dataclass(frozen=True, slots=True)
class ReceiptCreated:
    """A receipt (a payment) was recorded."""

    receipt_id: int
    location_id: int
    day: date
    amount_cents: int
    summary: str = ''
    notification_id: int | None = None


@dataclass(frozen=True, slots=True)
class DataImported:
    """An import committed new rows at a location (pages reload what they show). With an empty ``summary``
    nothing was imported: this process may have missed changes (a cross-process bus lost part of its
    stream) and its pages and caches reload from the database, without a toast."""

    location_id: int
    summary: str = ''


@dataclass(frozen=True, slots=True)
class AvailabilityChanged:
    """A time was held for a customer at the kiosk, or released: free times are to be listed again."""

    location_id: int
    summary: str = ''


@dataclass(frozen=True, slots=True)
class ChatChanged:
    """Something happened in a conversation: a message (``change='message'``, ``message_id``), a read mark
    (``'read'``) or someone typing (``'typing'``); ``side`` is who did it ('customer' or 'staff')."""

    location_id: int
    conversation_id: int
    change: str
    side: str
    message_id: int | None = None
    summary: str = ''
    notification_id: int | None = None


@dataclass(frozen=True, slots=True)
class WaitlistChanged:
    """The waitlist of a location changed (joined, offered a freed time, booked, passed, removed)."""

    location_id: int
    entry_id: int
    change: str
    summary: str = ''
    notification_id: int | None = None


@dataclass(frozen=True, slots=True)
class MessageFailed:
    """A message to a customer failed for good (refused, or every retry used); ``booking_id`` None: not about a
    booking."""

    location_id: int
    message_id: int
    booking_id: int | None
    summary: str = ''
    notification_id: int | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReported:
    """A provider's delivery report moved a sent message on: ``delivery`` is ``'pending'`` (on its way) or
    ``'delivered'`` (a failed delivery is a :class:`MessageFailed`)."""

    location_id: int
    message_id: int
    delivery: str


@dataclass(frozen=True, slots=True)
class PaymentFailed:
    """A payment was declined or failed (recorded by the desk, or a mobile-money prompt that failed); ``booking_id``
    None: a walk-in sale's."""

    location_id: int
    booking_id: int | None
    summary: str = ''
    notification_id: int | None = None


@dataclass(frozen=True, slots=True)
class StockChanged:
    """A product's stock on hand changed; ``low`` when it just fell below the product's minimum."""

    location_id: int
    product_id: int
    stock_on_hand: int
    low: bool = False
    summary: str = ''
    notification_id: int | None = None


@dataclass(frozen=True, slots=True)
class StaffChanged:
    """A staff member was added or their details or working hours changed (day views draw their column);
    ``staff_member_id`` None: several at once (who performs a service)."""

    location_id: int
    staff_member_id: int | None
    summary: str = ''


@dataclass(frozen=True, slots=True)
class CatalogueChanged:
    """A service or product was added or changed (booking dialogs and menus list them afresh)."""

    location_id: int
    summary: str = ''


@dataclass(frozen=True, slots=True)
class LocationChanged:
    """A location's settings changed (name, hours, taxes, policy) or it was added or archived: pages re-read it."""

    location_id: int
    summary: str = ''


@dataclass(frozen=True, slots=True)
class CustomerChanged:
    """A customer was added (``created``) or their details changed or erased. Customer lists show either; a figure
    only the second: one just added is in no figure until they book (and the booking has its own event), so an added
    customer leaves the location's ``'names'`` version as it is (:func:`counts_as`)."""

    location_id: int
    customer_id: int
    summary: str = ''
    created: bool = False


@dataclass(frozen=True, slots=True)
class CampaignChanged:
    """A campaign was set up, scheduled, sent, discarded, or its scheduled send refused (``change``: 'created',
    'sent', 'discarded' or 'refused')."""

    location_id: int
    campaign_id: int
    change: str


@dataclass(frozen=True, slots=True)
class MessagesSent:
    """The outbox sent ``count`` messages of a location (one event per location and run of the sender)."""

    location_id: int
    count: int


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    """Who is online in one process (``process``): ``online`` is a JSON list of ``{email, role, location_id, page,
    since}``, the whole list each time; ``ask``: the sender has just started and wants every other process's list.
    Not about one location (``location_id`` 0): no room and no page's handler hears it as a change of data."""

    location_id: int
    process: str
    online: str
    ask: bool = False


@dataclass(frozen=True, slots=True)
class DatabaseOutage:
    """The database stopped accepting writes (``change='started'``: a full disk, a read-only file or server) or
    accepts them again (``'ended'``), as one process found; ``since``: ISO time the outage began. It cannot be stored
    as a notification (the database is the thing that fails), so it carries its own ``notification_id`` (negative:
    held in memory by :mod:`app.services.notifications` in every process). Not about one location (``location_id``
    0): it reaches every location's bells."""

    location_id: int
    change: str
    since: str
    summary: str = ''
    notification_id: int | None = None


@dataclass(frozen=True, slots=True)
class BackupFailed:
    """Backups are failing or overdue (:mod:`app.services.backups.schedule`): rung once to the owners, until a backup
    works again. ``location_id``: the first location (the notification's; owners see every location's)."""

    location_id: int
    summary: str = ''
    notification_id: int | None = None


@dataclass(frozen=True, slots=True)
class SignInEnded:
    """An account's sign-ins were ended (revoked, or its password set anew by link): every open page of it, in every
    process, goes to the login page. Not about one location (``location_id`` 0): no room hears it."""

    location_id: int
    user_id: int


Event = (BookingChanged | ReceiptCreated | DataImported | AvailabilityChanged | ChatChanged | WaitlistChanged
         | PaymentFailed | StockChanged | StaffChanged | CustomerChanged | LocationChanged | CatalogueChanged
         | MessageFailed | PresenceChanged | CampaignChanged | MessagesSent | DatabaseOutage | SignInEnded
         | DeliveryReported | BackupFailed)
EVENT_TYPES: dict[str, type] = {cls.__name__: cls for cls in (BookingChanged, ReceiptCreated, DataImported,
                                                              AvailabilityChanged, ChatChanged, WaitlistChanged,
                                                              PaymentFailed, StockChanged, StaffChanged,
                                                              CustomerChanged, LocationChanged, CatalogueChanged,
                                                              MessageFailed, PresenceChanged, CampaignChanged,
                                                              MessagesSent, DatabaseOutage, SignInEnded,
                                                              DeliveryReported, BackupFailed)}
DATA_EVENTS = (BookingChanged, ReceiptCreated, DataImported)
"""Events that change what reports, dashboards and booking lists show: only these bump a location's
data version (a hold, a chat message or a typing indicator leaves cached figures valid)."""
TAKINGS_EVENTS = (ReceiptCreated, DataImported)
"""Events that change a location's takings (receipts): only these bump its ``'takings'`` version, so
figures drawn from receipts alone stay valid across bookings made, moved or cancelled."""
STAFF_EVENTS = (StaffChanged, DataImported, LocationChanged)
"""Events that change a location's staff members, their hours or the location's own settings (opening hours, slot
grid): only these bump its ``'staff'`` version."""
NAMES_EVENTS = (CustomerChanged, CatalogueChanged, DataImported)
"""Events that change the names figures are shown with (a customer's details changed or erased, a service or product
renamed): only these bump a location's ``'names'`` version, a customer just added excepted (:func:`counts_as`)."""
VERSION_KINDS = {'data': DATA_EVENTS, 'takings': TAKINGS_EVENTS, 'staff': STAFF_EVENTS, 'names': NAMES_EVENTS}


def counts_as(event: Event, kind: str) -> bool:
    """Whether ``event`` bumps a location's ``kind`` version (:data:`VERSION_KINDS`): an event of the kind's types,
    but for a customer just added, who changes no name a figure shows (:class:`CustomerChanged`)."""
    if kind == 'names' and isinstance(event, CustomerChanged) and event.created:
        return False
    return isinstance(event, VERSION_KINDS[kind])

Handler = Callable[[Any], None]


class Bus(Protocol):
    """What every backend offers."""

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every subscriber (of every process, for a cross-process backend)."""

    def subscribe(self, handler: Handler, *, local_only: bool = False) -> None:
        """Call ``handler(event)`` for each event published from now on (idempotent per handler);
        ``local_only``: only for events published in this process."""

    def unsubscribe(self, handler: Handler) -> None:
        """Stop calling ``handler``."""

    def version(self, location_id: int, of: str = 'data', *, through: date | None = None) -> int:
        """How many events of kind ``of`` (:data:`VERSION_KINDS`: data, takings, staff or names events) this
        process has seen for ``location_id``; bumped before subscribers run. ``through``: only those that may
        concern a local day up to that one (:func:`first_day_touched`)."""


def first_day_touched(event: Event) -> date:
    """The first local date (at the event's location) whose bookings or takings ``event`` may have changed: a
    booking's day, or the earlier of its old and new days after a move; :data:`datetime.date.min` (any day) for
    every other event. A receipt's event says the day it happened, not the day of the receipt it concerns (a
    payment or refund for last week's receipt, a confirmed M-Pesa payment): so any day."""
    if isinstance(event, BookingChanged):
        return min(event.day, event.previous_day) if event.previous_day is not None else event.day
    return date.min


class InProcessBus:
    """Delivers events synchronously, in the publisher's thread, to this process's subscribers.

    A subscriber that must run elsewhere (the UI's event loop) hands the event over itself. A failing
    subscriber is logged and never breaks the publisher, whose transaction has already committed.
    An event a subscriber publishes (the waitlist's offer, after a cancellation) is delivered once every
    subscriber has had the event before it: each subscriber hears a thread's events in the order they
    were published.
    """

    def __init__(self) -> None:
        self._handlers: list[tuple[Handler, bool]] = []  # (handler, local_only)
        self._versions: dict[tuple[int, str], int] = {}
        # the same counts by the first local day each event may have changed (a day with none is not there):
        # a version through a day is the sum over the days up to it. Bounded by the days that ever changed.
        self._by_day: dict[tuple[int, str], dict[date, int]] = {}
        self._epoch = 0  # added to every version: bumped when this process may have missed events (resync)
        self._lock = threading.Lock()
        self._delivering = threading.local()

    def publish(self, event: Event) -> None:
        self.deliver(event, local=True)

    def deliver(self, event: Event, *, local: bool) -> None:
        """Deliver ``event`` to this process's subscribers: ``local`` False for an event another process published
        (subscribers with ``local_only`` skip it). Events published while one is being delivered in this thread
        queue behind it."""
        queue: list[tuple[Event, bool]] | None = getattr(self._delivering, 'queue', None)
        if queue is not None:  # published by a subscriber: after the event being delivered
            queue.append((event, local))
            return
        self._delivering.queue = queue = [(event, local)]
        try:
            while queue:
                self._deliver(*queue.pop(0))
        finally:
            self._delivering.queue = None

    def _deliver(self, event: Event, local: bool) -> None:
        with self._lock:
            for kind in VERSION_KINDS:
                if counts_as(event, kind):
                    key = (event.location_id, kind)
                    self._versions[key] = self._versions.get(key, 0) + 1
                    days, first = self._by_day.setdefault(key, {}), first_day_touched(event)
                    days[first] = days.get(first, 0) + 1
            handlers = [h for h, local_only in self._handlers if local or not local_only]
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                log.exception('event handler %r failed on %r', handler, event)

    def invalidate(self) -> None:
        """Change every location's every version at once (this process may have missed events: whatever was
        cached is to be computed again)."""
        with self._lock:
            self._epoch += 1

    def subscribe(self, handler: Handler, *, local_only: bool = False) -> None:
        with self._lock:
            if all(h != handler for h, _ in self._handlers):
                self._handlers.append((handler, local_only))

    def unsubscribe(self, handler: Handler) -> None:
        with self._lock:
            self._handlers = [(h, lo) for h, lo in self._handlers if h != handler]

    def version(self, location_id: int, of: str = 'data', *, through: date | None = None) -> int:
        # both terms only grow and every change grows one of them: the sum changes whenever either does
        with self._lock:
            if through is None:
                return self._epoch + self._versions.get((location_id, of), 0)
            days = self._by_day.get((location_id, of), {})
            return self._epoch + sum(count for day, count in days.items() if day <= through)


_bus: Bus = InProcessBus()


def get_bus() -> Bus:
    """The process's bus."""
    return _bus


def crosses_processes() -> bool:
    """Whether the process's bus carries events to other processes (``CLIENTPULSE_BUS_URL``)."""
    return not isinstance(_bus, InProcessBus)


def set_bus(bus: Bus) -> None:
    """Swap the backend (at start-up, before anything subscribes)."""
    global _bus  # noqa: PLW0603  (the bus is the one sanctioned piece of global state)
    _bus = bus


def publish(event: Event) -> None:
    """Publish on the process's bus. Call only after the change has committed."""
    _bus.publish(event)


def subscribe(handler: Handler, *, local_only: bool = False) -> None:
    """Subscribe on the process's bus (``local_only``: only to events published in this process, for a
    subscriber that writes: it must run once, not once per process)."""
    _bus.subscribe(handler, local_only=local_only)


def unsubscribe(handler: Handler) -> None:
    """Unsubscribe from the process's bus."""
    _bus.unsubscribe(handler)


def version(location_id: int, of: str = 'data', *, through: date | None = None) -> int:
    """The data version of a location: changes whenever a data event for it is published or received
    (``of='takings'``: only receipts and imports, see :data:`TAKINGS_EVENTS`; ``of='staff'``: staff members
    and their hours, :data:`STAFF_EVENTS`; ``of='names'``: customers', services' and products' names,
    :data:`NAMES_EVENTS`).

    ``through`` (a local date at the location): changes only for the events that may concern that day or an
    earlier one (:func:`first_day_touched`), so a figure of past days stays valid while bookings are made for
    later ones. Without it, the same as ``through=date.max``.

    Caches of work shared by tabs key on it, so a subscriber never reads a stale entry.
    """
    return _bus.version(location_id, of, through=through)


def to_dict(event: Event) -> dict[str, Any]:
    """A JSON-ready dict: ``{'type': 'BookingChanged', ...fields}`` with dates as ISO strings."""
    data = asdict(event)
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
    return {'type': type(event).__name__, **data}


def from_dict(data: dict[str, Any]) -> Event:
    """Inverse of :func:`to_dict`.

    :raises KeyError: unknown event type
    :raises ValueError: a date that is not ISO
    """
    cls = EVENT_TYPES[data['type']]
    values = {}
    for f in fields(cls):
        value = data.get(f.name)
        if f.name in {'day', 'previous_day'} and isinstance(value, str):
            value = date.fromisoformat(value)
        values[f.name] = value
    return cls(**values)
