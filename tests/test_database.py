"""The engine: one per database URL for the whole process, also when many threads ask for it at once (each engine
has its own pool: engines made in a race multiplied a process's PostgreSQL connections past the server's limit)."""

from __future__ import annotations

import threading
import time

from app.services import database


def test_threads_starting_at_once_share_one_engine(sqlite_db, monkeypatch):
    database.reset_engines()
    made = database._create_engine

    def slow(url):  # as long as making a PostgreSQL engine can take (its dialect's first import): a wide window
        time.sleep(0.05)
        return made(url)

    monkeypatch.setattr(database, '_create_engine', slow)
    gate = threading.Barrier(32)
    engines = []

    def ask() -> None:
        gate.wait(10)
        engines.append(database.get_engine())

    threads = [threading.Thread(target=ask) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(engines) == 32 and len({id(e) for e in engines}) == 1
