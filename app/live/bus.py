"""Bridge from the service bus to NiceGUI sessions.

The bus (:mod:`app.services.events`) may deliver in any thread (a worker that committed, or a listener of a
cross-process backend). This module hands each event to the event loop, sends the rooms' shared messages
(:mod:`app.live.rooms`) and then calls the handlers sessions registered with :func:`on_change`; a
session's handlers end with the session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.services import events

from . import _nicegui, rooms
from .quiet_gc import collector

_changed = _nicegui.ProcessSignal()


def install() -> None:
    """Connect the bus to the sessions (idempotent; called at start-up)."""
    _changed.reset()
    events.subscribe(_forward)


def on_change(location_id: int, handler: Callable[[events.Event], Awaitable[None] | None], *,
              kinds: tuple[type, ...] | None = None) -> Callable[[], None]:
    """Call ``handler(event)`` in this session for every bus event at ``location_id`` (of ``kinds`` only, when
    given: a handler that re-reads something should not run for typing or holds) until the session ends or
    the returned function is called (an async handler is awaited in the background, in this session's
    context). Prefer a room (:func:`app.live.join`) where every session shows the same thing."""
    def deliver(event: events.Event) -> Awaitable[None] | None:
        if event.location_id == location_id and (kinds is None or isinstance(event, kinds)):
            return handler(event)
        return None

    return _changed.follow(deliver)


def sessions_following() -> list:
    """The session (NiceGUI client) of each handler registered with :func:`on_change` (diagnostics, tests)."""
    return _changed.sessions_following()


def _forward(event: events.Event) -> None:
    _nicegui.on_loop(lambda: _emit(event))


def _emit(event: events.Event) -> None:
    collector.changed()  # no full garbage collection while this goes out (see collector)
    rooms.publish(event)  # first: the shared messages go out before any session's own handler runs
    _changed.emit(event)
