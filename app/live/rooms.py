"""Live rooms: a change reaches every client showing the same thing as one shared Socket.IO message.

NiceGUI sends each client its own update: with 100 clients open, a booking built, serialised and sent
100 sets of element changes (a table row, a chart, cards, a day-view block, the bell, a toast), and the
clients' handlers all ran before the first byte left (``bench/fanout.py``; DEVELOPERS.md). Here the
clients that show the same thing share a **room**: a Socket.IO room keyed by

    (location id, role, hears every location, view, view argument)
    e.g. (1, 'manager', False, 'dashboard', '2030-03-04')

For every bus event at a location, each open room gets at most one message, built and encoded once:

- ``parts``: what changed in the room's view (the dashboard's cards, charts and list; the day view's
  grid), computed once per view, location and day for all rooms and all roles, and only the parts
  that differ from the last ones sent;
- ``toast``: the frame's toast of a booking, payment or import at the location;
- ``notice``: a new notification addressed to the room's role (the bell counts one up), with its own
  toast for the kinds the frame does not already toast.

The browser side is ``live_link.js``, one invisible element per page: it joins the room (``cp_join``
with its token), puts each part into the props or text of the page's own elements through NiceGUI's
own update path (so Vue and Quasar re-render as for any update), counts the bell and shows toasts.

Each client's **server-side** elements are kept equal to what its browser shows, silently (no
NiceGUI update is queued), so a reload, the ``User`` test fixture and anything that reads an element
see the current state. Room messages are not in NiceGUI's message history: a page that reconnects
sends the last sequence number it saw, gets the messages it missed replayed from the room's history
(35 s), or, if they are gone, its bound elements sent again in full.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from nicegui import background_tasks, context, ui
from nicegui.client import Client
from nicegui.element import Element

from app.models import LocationRead, Role, UserRead
from app.services import events, i18n, notifications
from app.services.i18n import _

from . import _nicegui

log = logging.getLogger(__name__)

TOAST_POSITION = 'bottom-right'
"""Where the live toasts show: below the content's corner, never over the header, whose controls (the bell, the
language, signing out) must stay reachable while a busy desk's toasts come one after another."""
HISTORY_SECONDS = 35  # a little over the reconnect timeout (30 s): a page back within it misses nothing
HISTORY_LENGTH = 64

ViewBuilder = Callable[[LocationRead, str, UserRead], dict[str, Any]]
"""``build(location, argument, actor)`` → the view's parts, name → JSON-ready value (shared: never mutated)."""

_views: dict[str, ViewBuilder] = {}
_last_parts: dict[tuple[str, int, str, str], dict[str, Any]] = {}  # (view, location id, argument, language) → parts


class Keyed(list):
    """A part that is a list of items (dicts with an ``id``): a change sends only the items that changed and the ids
    that went, not the whole list, so a booking costs the same on a day of 1,500 as on a day of 10. The browser
    puts them into the bound prop's list (``live_link.js``) and orders it by ``sort`` (then ``id``); the server
    side's followers get the whole new list. Made with :func:`keyed`."""

    sort: str | None = None


def keyed(items: list[dict], *, sort: str | None = None) -> Keyed:
    """``items`` as a :class:`Keyed` part, ordered by the item field ``sort`` in the browser (``None``: the order
    does not matter, e.g. absolutely placed blocks)."""
    part = Keyed(items)
    part.sort = sort
    return part


def _keyed_change(old: Keyed, new: Keyed) -> dict | None:
    """What the browser needs to turn ``old`` into ``new``: ``{'$keyed': 1, 'set': [items], 'drop': [ids], 'sort'}``,
    or None when nothing changed."""
    before = {item['id']: item for item in old}
    changed = []
    for item in new:
        was = before.pop(item['id'], None)
        if was is not item and was != item:
            changed.append(item)
    if not changed and not before:
        return None
    return {'$keyed': 1, 'set': changed, 'drop': list(before), 'sort': new.sort}


def view(name: str, build: ViewBuilder) -> None:
    """Register a view whose parts rooms share (``dashboard``, ``day-view``); see :data:`ViewBuilder`."""
    _views[name] = build


def current_parts(name: str, location: LocationRead, argument: str, actor: UserRead) -> dict[str, Any]:
    """The view's parts now, for a page being built. Later changes are sent relative to the parts the room last
    got (or these, for the first page): a part that changed unannounced (another process's write read after
    the caches' ``max_age``) then reaches this page again, harmlessly, and the pages already open as well."""
    parts = _views[name](location, argument, actor)
    _last_parts.setdefault((name, location.id, argument, i18n.current()), parts)
    return parts


class LiveLink(Element, component='live_link.js'):
    """The browser side of a client's room: joins it and applies its messages (see module docstring)."""

    def __init__(self, token: str, seq: int) -> None:
        super().__init__()
        self._props['token'] = token
        self._props['seq'] = seq
        self._props['bindings'] = []
        self._props['badge'] = None


@dataclass(eq=False)
class Subscription:
    """One client in one room: what its browser binds to which part, and how its server side follows."""

    token: str
    client: Client
    user: UserRead
    location: LocationRead
    link: LiveLink
    language: str = i18n.DEFAULT_LANGUAGE
    room: Room | None = None
    bound: list[Element] = field(default_factory=list)
    followers: list[Callable[[dict, events.Event], None]] = field(default_factory=list)

    def bind(self, element: Element, part: str, target: str = 'text') -> None:
        """Show part ``part`` (``cards.revenue-today``: a key inside a part) in ``element``'s text
        (``target='text'``) or in its prop ``target``; the page's follower (:meth:`follow`) keeps the server
        side equal."""
        self.link.props['bindings'].append([element.id, part, target])
        self.bound.append(element)

    def badge(self, element: ui.badge) -> None:
        """The bell's badge: counts one up (and shows) for every notice."""
        self.link.props['badge'] = element.id
        self.bound.append(element)

    def follow(self, absorb: Callable[[dict, events.Event], None]) -> None:
        """Call ``absorb(message, event)`` for every event at the location, and for a notice from another
        location in a room that hears every location (``message``: what the room got, maybe ``{}``), in this
        client's context, once the room's message is out: it must bring the server-side elements up to
        date without sending (:func:`quietly`, :func:`set_prop`); per-client sending belongs only where no
        room can serve."""
        self.followers.append(absorb)

    def show(self, view_name: str, argument: str) -> None:
        """Move this client into the room of ``view_name`` (registered with :func:`view`) for ``argument``."""
        _enter(self, view_name, argument)


class RoomKey(NamedTuple):
    location_id: int
    role: str
    everywhere: bool  # its people hear about every location (owners)
    view: str  # '' for pages without a shared view: toasts and notices only
    argument: str  # the view's day, ISO
    language: str  # its clients' language: the parts and toasts are built in it


@dataclass(eq=False)
class Room:
    key: RoomKey
    name: str
    seq: int = 0  # of the last message sent
    followed: int = 0  # of the last message the members' server sides have followed
    history: deque[tuple[int, float, dict]] = field(default_factory=lambda: deque(maxlen=HISTORY_LENGTH))
    members: dict[str, Subscription] = field(default_factory=dict)


_rooms: dict[RoomKey, Room] = {}
_by_token: dict[str, Subscription] = {}


def join(user: UserRead, location: LocationRead) -> Subscription:
    """This client's subscription (made on first call, in the page's frame): it starts in the room without
    a view, which still gets the location's toasts and the role's notices."""
    client = context.client
    existing = _nicegui.attached(client, 'live')
    if existing is not None:
        return existing
    token = secrets.token_urlsafe(24)
    link = LiveLink(token, 0)
    subscription = Subscription(token=token, client=client, user=user, location=location, link=link,
                                language=i18n.current())
    _nicegui.attach(client, 'live', subscription)
    _by_token[token] = subscription
    _enter(subscription, '', '')
    client.on_delete(lambda: _leave(subscription))
    return subscription


def subscription_of(client: Client) -> Subscription | None:
    """``client``'s subscription, if its page has one."""
    return _nicegui.attached(client, 'live')


def _enter(subscription: Subscription, view_name: str, argument: str) -> None:
    if subscription.room is not None:
        _leave(subscription, forget=False)
    user = subscription.user
    key = RoomKey(subscription.location.id, user.role.value, user.location_id is None, view_name, argument,
                  subscription.language)
    room = _rooms.get(key)
    if room is None:
        room = _rooms[key] = Room(key=key, name='cp:' + ':'.join(str(k) for k in key))
    room.members[subscription.token] = subscription
    subscription.room = room
    subscription.link.props['seq'] = room.seq


def _leave(subscription: Subscription, *, forget: bool = True) -> None:
    room = subscription.room
    if forget:
        _by_token.pop(subscription.token, None)
    if room is None:
        return
    room.members.pop(subscription.token, None)
    subscription.room = None
    if not room.members:
        del _rooms[room.key]
        if room.key.view and not any(r.key.view == room.key.view and r.key.location_id == room.key.location_id
                                     and r.key.argument == room.key.argument and r.key.language == room.key.language
                                     for r in _rooms.values()):
            _last_parts.pop((room.key.view, room.key.location_id, room.key.argument, room.key.language), None)


def quietly(element: Element, change: Callable[[], object]) -> None:
    """Apply ``change()`` to ``element`` on the server only: its browser got the same from the room."""
    _nicegui.update_quietly(element, change)


def set_prop(element: Element, name: str, value: Any) -> None:
    """Set prop ``name`` to the shared ``value`` on the server only (not wrapped in NiceGUI's observables: the
    value is shared by every client and must never be mutated; replace it instead)."""
    _nicegui.set_prop_untracked(element, name, value)


# --- publishing ---------------------------------------------------------------------------------------------------

@dataclass(eq=False)
class _Publishing:
    """The events waiting to be published to the rooms, and the task publishing them (one at a time, in order)."""

    waiting: deque[events.Event] = field(default_factory=deque)
    task: asyncio.Task | None = None


_publishing = _Publishing()


def publish(event: events.Event) -> None:
    """Send ``event``'s consequences to every open room (called on the event loop; see module docstring), after
    the events before it, in order. What the rooms' messages need from the database — the views' parts, whom a
    notice reaches — is read in a worker thread, never on the event loop (:meth:`_Composer.prepare`); the
    messages then go out, and the clients' server sides follow once they are sent (a few ms later)."""
    if not _rooms:
        return
    _publishing.waiting.append(event)
    if _publishing.task is None or _publishing.task.done():
        _publishing.task = background_tasks.create(_publish_waiting(), name='rooms publish')


async def _publish_waiting() -> None:
    """Publish the waiting events one at a time, in the order they came."""
    while _publishing.waiting:
        event = _publishing.waiting.popleft()
        try:
            await _publish(event)
        except Exception:  # one event's failure must not stop the ones after it
            log.exception('could not publish %s to the rooms', type(event).__name__)


async def _publish(event: events.Event) -> None:
    composer = _Composer(event)
    wanted = composer.wanted(list(_rooms.values()))
    if wanted:
        await asyncio.get_running_loop().run_in_executor(None, composer.prepare, wanted)
    sends: list[asyncio.Task] = []
    following: list[tuple[Room, dict[str, Any]]] = []
    for room in list(_rooms.values()):
        here = room.key.location_id == event.location_id
        if not (here or room.key.everywhere or composer.everywhere):
            continue
        message, full = composer.message(room, here=here)
        if message:
            sends.append(_send_next(room, message))
        if here or message:
            following.append((room, {**message, 'parts': full} if full else message))
    if sends:  # the clients' server sides follow once the messages are out: they must not delay them
        background_tasks.create(_follow_when_sent(sends, following, event), name='rooms follow')
    else:
        _follow(following, event)


class _Composer:
    """What one event says to each room: the changed parts of a view (built once per view, location, argument and
    language), the frame's toast (once per language) and the bell's notice where it reaches the room."""

    def __init__(self, event: events.Event) -> None:
        self.event = event
        self.notification_id = getattr(event, 'notification_id', None)
        self.changes_views = isinstance(event, events.DATA_EVENTS + events.STAFF_EVENTS)  # not holds, chat, typing…
        self.everywhere = event.location_id == 0 and self.notification_id is not None  # e.g. a database outage
        self._toasts: dict[str, dict | None] = {}  # language → the frame's toast in it
        self._parts: dict[tuple[str, int, str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
        self._reach: dict[RoomKey, bool] = {}  # room → whether the notice reaches it

    def wanted(self, rooms: list[Room]) -> list[tuple[RoomKey, LocationRead, UserRead]]:
        """The rooms (with one member's location and user: a view is built as its members see it) whose message
        needs the database: those showing a view at the event's location, and all when a notice may reach them.
        Read on the event loop, where the rooms change."""
        needed = []
        for room in rooms:
            member = next(iter(room.members.values()), None)
            here = room.key.location_id == self.event.location_id
            if member is not None and ((here and room.key.view and self.changes_views)
                                       or self.notification_id is not None):
                needed.append((room.key, member.location, member.user))
        return needed

    def prepare(self, wanted: list[tuple[RoomKey, LocationRead, UserRead]]) -> None:
        """Read what the ``wanted`` rooms' messages need (blocking: runs in a worker thread): each view's changed
        parts, once per view, location, argument and language, and whether the notice reaches each room."""
        for key, location, user in wanted:
            if key.location_id == self.event.location_id and key.view and self.changes_views:
                self._parts_of((key.view, key.location_id, key.argument, key.language), location, user)
            if self.notification_id is not None:
                self._reaches(key)

    def message(self, room: Room, *, here: bool) -> tuple[dict[str, Any], dict[str, Any]]:
        """The room's message (``parts``, ``toast``, ``notice``; empty when it has nothing to say) and the whole
        values of the changed parts for the tabs' server sides."""
        message: dict[str, Any] = {}
        full: dict[str, Any] = {}
        language = room.key.language
        if here and room.key.view and self.changes_views:
            full, wire = self._view_parts(room)
            if wire:
                message['parts'] = wire
        toast = self._toast(language)
        if here and toast is not None:
            message['toast'] = toast
        if self.notification_id is not None and self._reaches(room.key):
            with i18n.speaking(language):
                message['notice'] = {'toast': _notice_toast(self.event)}
        return message, full

    def _view_parts(self, room: Room) -> tuple[dict[str, Any], dict[str, Any]]:
        """The changed parts of the room's view (:func:`_changed_parts`), built once for every room showing it; none
        when building fails (the toast and the bell still go out; the view catches up on the next change)."""
        key = (room.key.view, room.key.location_id, room.key.argument, room.key.language)
        if key not in self._parts:  # a room opened while the others' parts were read (rare): built here
            first = next(iter(room.members.values()))
            self._parts_of(key, first.location, first.user)
        return self._parts[key]

    def _parts_of(self, key: tuple[str, int, str, str], location: LocationRead, user: UserRead) -> None:
        if key in self._parts:
            return
        try:
            with i18n.speaking(key[3]):
                self._parts[key] = _changed_parts(key, location, user)
        except Exception:
            log.exception('could not build the %s view of location %s', key[0], key[1])
            _last_parts.pop(key, None)
            self._parts[key] = ({}, {})

    def _reaches(self, key: RoomKey) -> bool:
        """Whether the event's notice reaches the room ``key`` (read from the database once per notice)."""
        if key not in self._reach:
            self._reach[key] = notifications.reaches(self.notification_id, Role(key.role),
                                                     None if key.everywhere else key.location_id)
        return self._reach[key]

    def _toast(self, language: str) -> dict | None:
        """The frame's toast of the event in ``language`` (None: the event has none)."""
        if language not in self._toasts:
            with i18n.speaking(language):
                self._toasts[language] = _frame_toast(self.event)
        return self._toasts[language]


def _send_next(room: Room, message: dict[str, Any]) -> asyncio.Task:
    """Number ``message`` as the room's next, keep it in the room's history (for a reconnect) and send it."""
    room.seq += 1
    message['seq'] = room.seq
    room.history.append((room.seq, time.monotonic(), message))
    return background_tasks.create(_send(room.name, message), name='room message')


async def _follow_when_sent(sends: list[asyncio.Task], following: list[tuple[Room, dict]], event: events.Event) -> None:
    await asyncio.wait(sends)
    _follow(following, event)


def _follow(following: list[tuple[Room, dict]], event: events.Event) -> None:
    for room, message in following:
        room.followed = max(room.followed, message.get('seq', 0))
        for subscription in list(room.members.values()):
            set_prop(subscription.link, 'seq', room.seq)  # a page drawn again from now on starts here
            for absorb in subscription.followers:
                try:
                    with subscription.client:
                        absorb(message, event)
                except Exception:  # one client's failure must not keep the change from the others
                    log.exception('a client could not follow its room %s', room.name)


def _changed_parts(key: tuple[str, int, str, str], location: LocationRead, actor: UserRead
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The parts that changed since the room's last message: ``(whole values for the server sides, what the
    browsers are sent)``, the same but for :class:`Keyed` parts, sent as their changed items."""
    fresh = _views[key[0]](location, key[2], actor)
    last = _last_parts.get(key, {})
    _last_parts[key] = fresh
    full: dict[str, Any] = {}
    wire: dict[str, Any] = {}
    for name, value in fresh.items():
        old = last.get(name)
        if old is value:
            continue
        if isinstance(value, Keyed) and isinstance(old, Keyed):
            change = _keyed_change(old, value)
            if change is not None:
                full[name], wire[name] = value, change
        elif old != value:
            full[name] = wire[name] = value
    return full, wire


def _frame_toast(event: events.Event) -> dict | None:
    if isinstance(event, events.BookingChanged | events.ReceiptCreated) and event.summary:
        kind = 'negative' if getattr(event, 'change', '') == 'cancelled' else 'info'
        return {'message': i18n.shown(event.summary), 'type': kind, 'position': TOAST_POSITION, 'timeout': 6000}
    if isinstance(event, events.DataImported) and event.summary:  # empty: a reload after missed events, unannounced
        return {'message': _('Import finished: {summary}').format(summary=i18n.shown(event.summary)),
                'type': 'positive', 'position': TOAST_POSITION}
    return None


def _notice_toast(event: events.Event) -> dict | None:
    if isinstance(event, events.BookingChanged | events.ReceiptCreated):
        return None  # the frame toasts those already
    return {'message': i18n.shown(event.summary), 'type': 'warning', 'position': TOAST_POSITION, 'timeout': 8000,
            'multiLine': True}


async def _send(room: str, message: dict, to: str | None = None) -> None:
    """Emit ``message`` as ``cp_live`` to a room (encoded once for all its sockets) or to one socket."""
    await _nicegui.emit('cp_live', message, room=to or room)


# --- joining --------------------------------------------------------------------------------------------------------

async def _on_join(sid: str, data: Any) -> bool:
    """A page's ``live_link.js`` asks to join its room: ``{token, client_id, seq}`` (the last message it saw).
    An unknown token, or one of another client, joins nothing. Missed messages are replayed from the room's
    history; if some are gone, the page's bound elements are sent again in full."""
    if not isinstance(data, dict):
        return False
    subscription = _by_token.get(str(data.get('token', '')))
    if subscription is None or subscription.client.id != data.get('client_id') or subscription.room is None:
        return False
    room = subscription.room
    await _nicegui.enter_room(sid, room.name)
    try:
        seen = int(data.get('seq', 0))
    except (TypeError, ValueError):
        seen = 0
    if seen >= room.seq:
        return True
    now = time.monotonic()
    missed = [m for seq, at, m in room.history if seq > seen and now - at <= HISTORY_SECONDS]
    if missed and missed[0]['seq'] == seen + 1:
        for message in missed:
            await _send(room.name, message, to=sid)
    else:
        for element in subscription.bound:
            if not element.is_deleted:
                element.update()  # the server side's state: it has followed the messages up to room.followed
        await _send(room.name, {'seq': room.followed}, to=sid)
        for seq, _sent_at, message in list(room.history):  # sent, but not yet followed on the server side
            if seq > room.followed:
                await _send(room.name, message, to=sid)
    return True


def install() -> None:
    """Serve ``live_link.js``'s joins; start with no rooms (called at start-up: NiceGUI's test harness starts the
    app again for every test, without deleting the last test's clients)."""
    _rooms.clear()
    _by_token.clear()
    _last_parts.clear()
    _publishing.waiting.clear()
    _publishing.task = None  # a task of the last start's event loop never finishes on this one
    _nicegui.on_socket('cp_join', _on_join)


def rooms_open() -> list[tuple[RoomKey, int]]:
    """The open rooms and how many clients each holds (for diagnostics and tests)."""
    return [(room.key, len(room.members)) for room in _rooms.values()]

