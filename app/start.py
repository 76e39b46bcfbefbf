"""Where a process of the app begins: the ``clientpulse`` command (:func:`main`) and ``python main.py`` (:func:`serve`).

Importing the app makes about 180,000 objects that live as long as the process. While they are being made, CPython
runs a full (generation 2) garbage collection each time the objects that survived the young generations have grown
by a quarter: pass after pass over everything made so far, during which almost nothing is garbage (2,723 objects of
182,642 once the server is imported: measured). So the app is imported with those full passes held off
(:func:`full_collections_held_off`): the young generations are still collected as usual. Measured on the 2-core
machine of issue 33 (``import app, app.cli, app.server`` from a fresh interpreter, four runs each): 1.31–1.39 s as
before, 1.16–1.25 s held off; ``bench/startup.py`` starts the app through :func:`main` as an owner does.

A serving process then leaves full passes to :mod:`app.live.quiet_gc` for good; any other command gets CPython's
thresholds back before it runs (a long import of a booking file must collect as usual).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

HELD_OFF = 1_000_000_000
"""A generation-2 threshold no import reaches (the same as :data:`app.live.quiet_gc.NEVER`, which a serving
process sets for good)."""


@contextmanager
def full_collections_held_off() -> Iterator[None]:
    """Within the block, no full (generation 2) collection starts by itself; generations 0 and 1 are collected as
    usual. After it (even after an error), what exists is frozen (:func:`gc.freeze`: no later collection walks it
    again) and the thresholds are what they were (:func:`gc.get_threshold`).

    Without the freeze, the first full pass after the block would walk everything the block made at once (the
    survivors it left pending are far above a quarter of those counted before it): measured, that one pass cost as
    much as the passes held off. What the block left as garbage stays (2,723 objects after importing the server).
    """
    first, second, third = gc.get_threshold()
    gc.set_threshold(first, second, HELD_OFF)
    try:
        yield
    finally:
        gc.freeze()
        gc.set_threshold(first, second, third)


def main() -> None:
    """The ``clientpulse`` command: imports it with full collections held off, then runs it as usual."""
    with full_collections_held_off():
        from app import cli
    cli.main()


def serve() -> None:
    """``python main.py``: serve the app with the settings' host and port (as ``clientpulse run``)."""
    with full_collections_held_off():
        from app import server
    server.run()
