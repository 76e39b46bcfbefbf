"""Every touch of NiceGUI's and python-socketio's internals, in one place.

The live package shares one Socket.IO message between the clients that show the same thing
(:mod:`app.live.rooms`). That needs a few things neither library offers as public API; each is
here, named after what it does, and each is checked against the installed libraries by
``tests/live/test_library_contract.py``, which names what moved when an upgrade changes it:

- :func:`update_quietly`: change an element on the server without queueing its update
  (NiceGUI's ``client.outbox.updates``);
- :func:`set_prop_untracked`: set a prop past NiceGUI's change tracking (``element.props`` is an
  observable ``dict`` subclass);
- :class:`SearchableText`: the text NiceGUI's ``ElementFilter`` (``user.should_see``) finds in a
  custom element (``Element._displayed_contents``);
- :func:`emit`, :func:`enter_room`, :func:`on_socket`: NiceGUI's Socket.IO server (``core.sio``);
- :func:`install_packet_class`: python-socketio's ``Packet.data_is_binary``, made cheap;
- :func:`send_once_connected`: NiceGUI's ``Outbox.loop``, which sends what a page queued before its browser connected
  up to 100 ms after the connection (a copy of the loop that wakes at the connection instead);
- :func:`on_loop`: NiceGUI's event loop (``core.loop``), from any thread;
- :func:`storage_folder`, :func:`storage_in_redis`: where NiceGUI keeps its browsers' storage (``Storage.path``,
  ``Storage.redis_url``);
- :func:`quiet_storage_outages`, :func:`listen_to_storage_again`: NiceGUI's logger (``nicegui``) and the listeners of
  its Redis storage (``RedisPersistentDict._listener_task`` and ``_start_listening``, ``Storage._general``,
  ``_users``, ``_tabs``), which end at the first error of a Redis outage and are not started again;
- :class:`ProcessSignal`: NiceGUI's ``Event`` (its test harness resets them between tests);
- :func:`current_client`: the slot stack of the running task (``Slot.get_stack``), read without NiceGUI's
  script-mode side effect of ``context.client``;
- :func:`set_page_language`: the language of one client's page (``client.page``, shared by every client of a
  route, is copied for that client with its ``language``), which NiceGUI writes into ``<html lang>`` and uses for
  Quasar's language pack and its own notices;
- ``live_link.js`` (the browser side) reads ``mounted_app.elements`` and calls NiceGUI's own
  ``update`` listener of ``window.socket``: both in NiceGUI's ``static/nicegui.js``.

Nothing outside :mod:`app.live` imports this module (``import-linter`` keeps it so).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from nicegui import Event, core
from nicegui.client import Client
from nicegui.dependencies import JsComponent
from nicegui.element import Element
from nicegui.logging import log as nicegui_log
from nicegui.outbox import Deleted, Outbox, deleted
from nicegui.persistence import RedisPersistentDict
from nicegui.slot import Slot
from nicegui.storage import Storage
from socketio import packet

# --- the page's language ---------------------------------------------------------------------------------------------


def current_client() -> Client | None:
    """The client whose page or handler is running in this task, or None (a thread, a job, start-up). Unlike
    ``context.client`` it never creates NiceGUI's script-mode client when asked before the app started, and a
    handler whose element a live redraw deleted while it awaited still finds its page through the slots below."""
    for slot in reversed(Slot.get_stack()):  # a handler's own element may be gone (a live redraw deleted it)
        try:
            return slot.parent.client
        except RuntimeError:  # "The parent element this slot belongs to has been deleted": ask the slot below
            continue
    return None


def set_page_language(client: Client, language: str) -> None:
    """Serve ``client``'s page in ``language`` (a Quasar language code such as ``'fr'``): its ``<html lang>``, Quasar's
    pack and NiceGUI's own notices; other clients of the same route keep theirs."""
    page = copy.copy(client.page)
    page.language = language
    client.page = page


# --- elements -------------------------------------------------------------------------------------------------------


def update_quietly(element: Element, change: Callable[[], object]) -> None:
    """Apply ``change()`` to ``element`` on the server only: no update of it is sent (unless one was
    already queued for another reason, which then goes out as usual)."""
    outbox = element.client.outbox
    pending = element.id in outbox.updates
    change()
    if not pending:
        outbox.updates.pop(element.id, None)


def set_prop_untracked(element: Element, name: str, value: Any) -> None:
    """Set prop ``name`` to ``value`` without NiceGUI wrapping it in its observables or queueing an update
    (the value may be shared by every client: it must never be mutated; replace it instead)."""
    dict.__setitem__(element.props, name, value)


class SearchableText:
    """Mixin for a custom element whose text lives in its props: :meth:`searchable_text` is what NiceGUI's
    ``ElementFilter`` (``user.should_see``, ``user.find``) matches against."""

    def searchable_text(self) -> list[str]:
        """The texts this element shows."""
        return []

    def _displayed_contents(self, *, only_visible: bool) -> list:
        return [*super()._displayed_contents(only_visible=only_visible), *self.searchable_text()]  # type: ignore[misc]


_attached: dict[str, weakref.WeakKeyDictionary[Client, Any]] = {}


def attach(client: Client, key: str, value: Any) -> None:
    """Keep ``value`` under ``key`` for as long as ``client`` lives (no attribute is set on NiceGUI's object)."""
    _attached.setdefault(key, weakref.WeakKeyDictionary())[client] = value


def attached(client: Client, key: str) -> Any:
    """What :func:`attach` keeps for ``client`` under ``key``, or ``None``."""
    return _attached.get(key, {}).get(client)


# --- the event loop and the socket server ---------------------------------------------------------------------------


def on_loop(callback: Callable[[], None]) -> None:
    """Run ``callback()`` on NiceGUI's event loop: now if this is that loop's thread, soon otherwise; never
    once the loop is gone (the app is stopping)."""
    loop = core.loop
    if loop is None or loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        callback()
    else:
        loop.call_soon_threadsafe(callback)


async def emit(event: str, data: dict, *, room: str) -> None:
    """Emit ``event`` with ``data`` to a Socket.IO room or to one socket id (``room``), encoded once."""
    await core.sio.emit(event, data, room=room)


async def enter_room(sid: str, room: str) -> None:
    """Put the socket ``sid`` into ``room``."""
    await core.sio.enter_room(sid, room)


def on_socket(event: str, handler: Callable[[str, Any], Any]) -> None:
    """Serve the Socket.IO ``event`` from browsers with ``handler(sid, data)``."""
    core.sio.on(event, handler)


_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


class _NotJson(Exception):
    """Raised from orjson's ``default`` hook: the payload holds something orjson cannot encode itself."""


def _refuse(_value: object) -> None:
    raise _NotJson


class JsonFirstPacket(packet.Packet):
    """A :class:`socketio.packet.Packet` whose binary check tries orjson first.

    python-socketio checks every outgoing packet for ``bytes`` by walking the whole payload in Python, and
    NiceGUI sends every element update through it: a third of the event loop's time when one booking reached
    100 clients (``bench/fanout.py`` with ``BENCH_PROFILE``). Anything orjson encodes natively cannot hold
    bytes; only a payload it cannot encode alone (bytes, or a type NiceGUI's own converter handles) is walked
    the original way, so binary attachments (``ui.download.content``) still go out as before.
    """

    @classmethod
    def data_is_binary(cls, data: object) -> bool:
        try:
            orjson.dumps(data, option=_OPTIONS, default=_refuse)
        except orjson.JSONEncodeError:
            return super().data_is_binary(data)
        return False


def install_packet_class() -> None:
    """Make NiceGUI's Socket.IO server build its packets with :class:`JsonFirstPacket` (idempotent)."""
    if core.sio is not None and core.sio.packet_class is packet.Packet:
        core.sio.packet_class = JsonFirstPacket


# --- the outbox -------------------------------------------------------------------------------------------------------

OUTBOX_LOOP_COPIED = 'efb7d8934c322314ea07ef57f5558569fca7194e93c755c7bc7c8d36dca16d1a'
"""The SHA-256 of the source of NiceGUI's ``Outbox.loop`` that :func:`_loop` copies (NiceGUI 3.18): the contract test
fails, naming :func:`send_once_connected`, when an upgrade changes it."""
_LIBRARY_LOOP = Outbox.loop
_POLL = 0.1
"""Seconds between looks at a connection that has not come (NiceGUI's own interval)."""


def send_once_connected() -> None:
    """Make every client's outbox send what its page queued before the browser connected as soon as the browser
    connects, not up to :data:`_POLL` later (called at each start, before any page is opened).

    NiceGUI's outbox loop looks for the connection every 100 ms (``await asyncio.sleep(0.1)``) while updates wait,
    so what a page draws after its first HTML (the figures its worker thread works out) reached the browser 0–100 ms
    after the socket connected, ~50 ms on average: measured on ``/analytics`` (``bench/page_time.py``), the update
    came 55–60 ms after the handshake. :func:`_loop` is NiceGUI's loop with that one wait replaced by a wait for
    the connection (:func:`_wake`, an app-wide connect handler, added again at each start: NiceGUI's test harness
    clears them between tests) of at most the same 100 ms."""
    Outbox.loop = _loop
    core.app.on_connect(_wake)


def _wake(client: Client) -> None:
    """A connect handler: wake the outbox of ``client`` if it waits for the connection."""
    woken = getattr(client.outbox, '_clientpulse_connected', None)
    if woken is not None:
        woken.set()


async def _loop(self: Outbox) -> None:
    """NiceGUI's ``Outbox.loop`` (3.18, :data:`OUTBOX_LOOP_COPIED`) but for the wait marked below."""
    self._enqueue_event = asyncio.Event()
    self._enqueue_event.set()
    connected = self._clientpulse_connected = asyncio.Event()

    while not self._should_stop:
        try:
            if not self._enqueue_event.is_set():
                try:
                    await asyncio.wait_for(self._enqueue_event.wait(), timeout=1.0)
                except TimeoutError:
                    continue

            client = self.client
            if not client or not client.has_socket_connection:
                # changed: NiceGUI sleeps 0.1 s here; this wakes as soon as the connect handler says so
                connected.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(connected.wait(), timeout=_POLL)
                continue

            self._enqueue_event.clear()

            coros = []
            if self.updates:
                data = {
                    element_id: None if element is deleted else element._to_dict()
                    for element_id, element in self.updates.items()
                }
                js_components = [
                    component
                    for element in self.updates.values()
                    if not isinstance(element, Deleted)
                    and isinstance((component := element.component), JsComponent)
                    and component.name not in self._loaded_components
                ]
                if js_components:
                    coros.append(self._emit((client.id, 'load_js_components', {
                        'components': [{'key': c.key, 'tag': c.tag} for c in js_components],
                    })))
                    self._loaded_components.update(c.name for c in js_components)
                coros.append(self._emit((client.id, 'update', data)))
                self.updates.clear()

            if self.messages:
                for message in self.messages:
                    coros.append(self._emit(message))
                self.messages.clear()

            for coro in coros:
                try:
                    await coro
                except Exception as e:
                    core.app.handle_exception(e)
        except asyncio.CancelledError:
            break
        except Exception as e:
            core.app.handle_exception(e)
            await asyncio.sleep(0.1)


# --- process-wide state -----------------------------------------------------------------------------------------------


def storage_folder(path: Path) -> None:
    """Keep NiceGUI's per-browser and per-user storage files in ``path``."""
    Storage.path = path


def storage_in_redis(url: str, prefix: str) -> None:
    """Keep NiceGUI's per-user and per-tab storage in Redis at ``url`` (keys ``prefix…``) instead of files, so every
    process sees every browser's sign-in (what ``NICEGUI_REDIS_URL`` does, set after start-up; before ``ui.run``)."""
    Storage.redis_url = url
    Storage.redis_key_prefix = prefix


def quiet_storage_outages(outage_filter: logging.Filter) -> None:
    """Put ``outage_filter`` on NiceGUI's logger (in place of one of its class put there before): NiceGUI's Redis
    storage logs a traceback for each browser's listener and each write that cannot reach Redis."""
    for old in [f for f in nicegui_log.filters if type(f) is type(outage_filter)]:
        nicegui_log.removeFilter(old)
    nicegui_log.addFilter(outage_filter)


def listen_to_storage_again() -> int:
    """Start again the listener of every storage kept in Redis whose listener has ended (NiceGUI ends it at the
    first error and never starts it again: after an outage this process would no longer hear a sign-in or sign-out
    made through another one). Call on the event loop; returns how many were started."""
    storage = core.app.storage
    started = 0
    for kept in [storage._general, *storage._users.values(), *storage._tabs.values()]:
        task = getattr(kept, '_listener_task', None)
        if isinstance(kept, RedisPersistentDict) and task is not None and task.done():
            kept._start_listening()
            started += 1
    return started


class ProcessSignal:
    """A signal within this process, delivered on the event loop to the clients that follow it; a client's
    handlers end with it. Made anew by :meth:`reset` at start-up (NiceGUI's test harness drops its events
    between tests)."""

    def __init__(self) -> None:
        self._event: Event = Event()

    def reset(self) -> None:
        """Start without followers."""
        if self._event not in Event.instances:
            self._event = Event()

    def emit(self, *args: Any) -> None:
        """Call every follower with ``args``."""
        self._event.emit(*args)

    def follow(self, handler: Callable[..., Any]) -> Callable[[], None]:
        """Call ``handler(*args)`` for every emission, in the calling client, until the client ends or the
        returned function is called."""
        self._event.subscribe(handler)
        return lambda: self._event.unsubscribe(handler)

    def clients_following(self) -> list[Client | None]:
        """The client of each handler now following (``None`` for one outside any client): diagnostics."""
        return [(callback.slot and callback.slot() and callback.slot().parent.client) or None
                for callback in self._event.callbacks]
