"""Everything live: how a page shows changes the moment they happen, in every open tab (a NiceGUI client).

One public interface (import from ``app.live``, never from its modules):

- **Join a view**: :func:`join` gives the page's :class:`Subscription` to its room, the clients of one
  location and role that show the same thing; :meth:`Subscription.show` moves it into the room of a
  shared view registered with :func:`view` (the dashboard, the day view), whose parts are computed once
  per change for every client and sent as one Socket.IO message (:mod:`app.live.rooms`).
- **Bind parts**: :meth:`Subscription.bind` puts a part of the view into an element's text or prop in the
  browser; :meth:`Subscription.badge` counts the bell.
- **Follow**: :meth:`Subscription.follow` keeps the client's server-side elements equal to what its
  browser shows, without sending (:func:`quietly`, :func:`set_prop`); :func:`on_change` calls a
  client's own handler for the events at a location, filtered by **kind** (``kinds=``), for views no room
  can share (a customer's thread, a list filtered by what one person typed).
- **Signals within the process**: :data:`presence_changed`, :data:`notifications_read` (who is online;
  someone marked their notifications read).
- **Keyed parts**: :func:`keyed` marks a part that is a list of items with ids; a change sends only the items
  that changed (a booking costs the same on a busy day as on a quiet one).
- **Shared derivations**: :func:`derived`, :func:`derived_again`, :func:`per_item`, :func:`sync_rows`.
- :class:`SearchableText`: the text tests find in a custom element.

NiceGUI's and python-socketio's internals are touched only in :mod:`app.live._nicegui`.
"""

from __future__ import annotations

import logging

from app.services import redis_link

from . import _nicegui, bus, rooms
from ._nicegui import SearchableText
from .bus import on_change
from .quiet_gc import collector, take_over
from .rooms import (
    Keyed,
    LiveLink,
    RoomKey,
    Subscription,
    current_parts,
    join,
    keyed,
    quietly,
    rooms_open,
    set_prop,
    subscription_of,
    view,
)
from .rows import derived, derived_again, per_item, sync_rows

log = logging.getLogger(__name__)
presence_changed = _nicegui.ProcessSignal()
"""Someone came online, moved to another page or left (no arguments)."""

notifications_read = _nicegui.ProcessSignal()
"""A person (their user id) marked notifications read: their other open pages count again."""

__all__ = [
    'Keyed',
    'LiveLink',
    'RoomKey',
    'SearchableText',
    'Subscription',
    'call_soon',
    'collector',
    'current_client',
    'current_parts',
    'derived',
    'derived_again',
    'install',
    'join',
    'keyed',
    'notifications_read',
    'on_change',
    'per_item',
    'presence_changed',
    'quietly',
    'rooms_open',
    'set_page_language',
    'set_prop',
    'share_sign_ins',
    'storage_folder',
    'subscription_of',
    'sync_rows',
    'take_over',
    'view',
]


def install() -> None:
    """Start with no rooms and no followers, connect the bus to the clients, make Socket.IO's packets cheap and send
    what a page drew before its browser connected at the connection (called at start-up; NiceGUI's test harness starts
    the app again for every test)."""
    presence_changed.reset()
    notifications_read.reset()
    rooms.install()
    bus.install()
    _nicegui.install_packet_class()
    _nicegui.send_once_connected()


def call_soon(callback) -> None:
    """Run ``callback()`` on the event loop (now if this is its thread, soon from another thread; never once the app
    is stopping): for a bus subscriber, which may hear events in any thread."""
    _nicegui.on_loop(callback)


def current_client():
    """The NiceGUI client of the page or handler running in this task, or None (threads, jobs, before start)."""
    return _nicegui.current_client()


def set_page_language(client, language: str) -> None:
    """Serve this client's page in ``language`` (``<html lang>``, Quasar's pack, NiceGUI's notices): ``'en-GB'``,
    ``'fr'``, ``'sw'``."""
    _nicegui.set_page_language(client, language)


def storage_folder(path) -> None:
    """Keep NiceGUI's per-browser storage files in ``path`` (a private folder)."""
    _nicegui.storage_folder(path)


def share_sign_ins(url: str) -> None:
    """Keep every browser's sign-in (NiceGUI's user storage) in Redis at ``url``, for every process to read: a
    browser whose process died is still signed in on another."""
    _nicegui.storage_in_redis(url, 'clientpulse:storage:')
    link = redis_link.LinkState("the sign-ins' storage (NiceGUI)", log,
                                consequence='a sign-in or sign-out here is not shared with the other processes')
    _nicegui.quiet_storage_outages(redis_link.OutageFilter(
        link, url, messages=('Could not load data from Redis',),  # NiceGUI's own warning, without the error
        on_back=lambda: _nicegui.on_loop(_listen_to_storage_again)))


def _listen_to_storage_again() -> None:
    started = _nicegui.listen_to_storage_again()
    if started:
        log.info("the sign-ins' storage (NiceGUI): %d browsers' storage listen again for the other processes' changes",
                 started)
