"""Bridge from the service bus to NiceGUI clients.

The bus (:mod:`app.services.events`) may deliver in any thread (a worker that committed, or a listener of a
cross-process backend). This module hands each event to the event loop, sends the rooms' shared messages
(:mod:`app.live.rooms`) and then calls the handlers clients registered with :func:`on_change`; a
client's handlers end with the client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.services import events

from . import _nicegui, rooms
from .quiet_gc import collector

_changed = _nicegui.ProcessSignal()


def install() -> None:
    """Connect the bus to the clients (idempotent; called at start-up)."""
    _changed.reset()
    events.subscribe(_forward)


def on_change(location_id: int, handler: Callable[[events.Event], Awaitable[None] | None], *,
              kinds: tuple[type, ...] | None = None) -> Callable[[], None]:
    """Call ``handler(event)`` in this client for every bus event at ``location_id`` (of ``kinds`` only, when
    given: a handler that re-reads something should not run for typing or holds) until the client ends or
    the returned function is called (an async handler is awaited in the background, in this client's
    context). Prefer a room (:func:`app.live.join`) where every client shows the same thing."""
    def deliver(event: events.Event) -> Awaitable[None] | None:
        if event.location_id == location_id and (kinds is None or isinstance(event, kinds)):
            return handler(event)
        return None

    return _changed.follow(deliver)


def clients_following() -> list:
    """The NiceGUI client of each handler registered with :func:`on_change` (diagnostics, tests)."""
    return _changed.clients_following()


def _forward(event: events.Event) -> None:
    _nicegui.on_loop(lambda: _emit(event))


def _emit(event: events.Event) -> None:
    collector.changed()  # no full garbage collection while this goes out (see collector)
    rooms.publish(event)  # queued: the rooms' messages are read in a worker thread, then go out in order
    _changed.emit(event)
