"""The bus across processes (app/services/redis_bus.py) on a real ``redis-server``: two buses stand for two
processes. Every event reaches the other once and in order; its own process hears it at once; Redis away for a
while loses nothing; a gap the stream no longer covers reloads from the database."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date

import pytest
import redis

from app.services import events
from app.services.redis_bus import RedisStreamBus
from tests.redis_server import RedisServer


def booking(number: int, location_id: int = 1) -> events.BookingChanged:
    return events.BookingChanged(booking_id=number, location_id=location_id, staff_member_id=1, day=date(2030, 3, 4),
                                 change='created', status='booked', summary=f'booking {number}')


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError('not within the time allowed')
        time.sleep(0.02)


@pytest.fixture
def buses(redis_server: RedisServer) -> Iterator[Callable[..., RedisStreamBus]]:
    made: list[RedisStreamBus] = []

    def make(**options) -> RedisStreamBus:
        bus = RedisStreamBus(redis_server.url, stream='test:events', block_ms=200, location_ids=lambda: [1, 2],
                             **options)
        bus.start()
        made.append(bus)
        return bus

    yield make
    for bus in made:
        bus.close()


def test_an_event_reaches_the_other_process_once_and_its_own_at_once(buses):
    a, b = buses(), buses()
    eventually(lambda: a.connected and b.connected)
    heard_a, heard_b = [], []
    a.subscribe(heard_a.append)
    b.subscribe(heard_b.append)
    event = booking(1)
    a.publish(event)
    assert heard_a == [event]  # no round trip through Redis for the process that published it
    assert a.version(1) == 1
    eventually(lambda: heard_b == [event])
    assert b.version(1) == 1  # the other process's caches keyed on it are stale now
    time.sleep(0.5)  # a's reader has read its own entry back by now: not delivered twice
    assert heard_a == [event] and heard_b == [event]
    assert a.version(1) == 1


def test_events_arrive_in_order_per_location_and_each_once_from_both_sides(buses):
    a, b = buses(), buses()
    eventually(lambda: a.connected and b.connected)
    heard_a, heard_b = [], []
    a.subscribe(heard_a.append)
    b.subscribe(heard_b.append)
    sent_a = [booking(n, location_id=1 + n % 2) for n in range(200)]
    sent_b = [booking(1000 + n, location_id=1 + n % 2) for n in range(200)]
    both = [threading.Thread(target=lambda bus=bus, sent=sent: [bus.publish(e) for e in sent])
            for bus, sent in ((a, sent_a), (b, sent_b))]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join()
    eventually(lambda: len(heard_a) == 400 and len(heard_b) == 400)
    time.sleep(0.3)
    for heard in (heard_a, heard_b):
        assert sorted(e.booking_id for e in heard) == sorted(e.booking_id for e in sent_a + sent_b)  # none twice
        for location_id in (1, 2):
            for sent in (sent_a, sent_b):
                mine = {e.booking_id for e in sent}
                assert ([e.booking_id for e in heard if e.location_id == location_id and e.booking_id in mine]
                        == [e.booking_id for e in sent if e.location_id == location_id])
    assert a.version(1) == b.version(1) == 200
    assert a.resyncs == b.resyncs == 0  # the stream held everything: nothing reloaded


def test_a_subscriber_that_acts_hears_only_its_own_process(buses):
    a, b = buses(), buses()
    eventually(lambda: a.connected and b.connected)
    acted_a, acted_b, shown_b = [], [], []
    a.subscribe(acted_a.append, local_only=True)
    b.subscribe(acted_b.append, local_only=True)
    b.subscribe(shown_b.append)
    a.publish(booking(1))
    eventually(lambda: len(shown_b) == 1)
    assert len(acted_a) == 1 and acted_b == []  # the waitlist's offer is made once, where the booking was cancelled


def test_an_entry_appended_twice_is_applied_once_and_a_hostile_one_is_ignored(buses, redis_server):
    b = buses()
    eventually(lambda: b.connected)
    heard = []
    b.subscribe(heard.append)
    client = redis.Redis.from_url(redis_server.url)
    entry = {'id': 'e1', 'origin': 'another', 'event': json.dumps(events.to_dict(booking(5)))}
    client.xadd('test:events', entry)  # a writer whose reply was lost sends again
    client.xadd('test:events', entry)
    client.xadd('test:events', {'id': 'e2', 'origin': 'x', 'event': '{"type": "__import__", "x": 1}'})
    client.xadd('test:events', {'id': 'e3', 'origin': 'x', 'event': 'not json'})
    client.xadd('test:events', {'id': 'e4', 'origin': 'x', 'event': json.dumps(events.to_dict(booking(6)))})
    eventually(lambda: len(heard) == 2)
    time.sleep(0.3)
    assert [e.booking_id for e in heard] == [5, 6]


def test_redis_away_loses_nothing_and_a_restart_reloads_from_the_database(buses, redis_server):
    a, b = buses(), buses()
    eventually(lambda: a.connected and b.connected)
    heard_a, heard_b = [], []
    a.subscribe(heard_a.append)
    b.subscribe(heard_b.append)
    a.publish(booking(1))
    eventually(lambda: len(heard_b) == 1)
    redis_server.stop()
    for n in range(2, 7):  # both processes go on serving: their own sessions see their own changes at once
        a.publish(booking(n))
        b.publish(booking(100 + n))
    assert [e.booking_id for e in heard_a] == [1, 2, 3, 4, 5, 6]
    assert [e.booking_id for e in heard_b] == [1, 102, 103, 104, 105, 106]
    eventually(lambda: not a.connected and not b.connected)
    assert a.buffered == 5 and b.buffered == 5
    redis_server.start()  # the same port; no persistence: the stream is gone
    eventually(lambda: a.buffered == 0 and b.buffered == 0)
    eventually(lambda: {getattr(e, "booking_id", 0) for e in heard_a} >= {102, 103, 104, 105, 106})
    eventually(lambda: {getattr(e, "booking_id", 0) for e in heard_b} >= {2, 3, 4, 5, 6})
    time.sleep(0.5)
    for heard in (heard_a, heard_b):
        bookings = [e.booking_id for e in heard if isinstance(e, events.BookingChanged)]
        assert len(bookings) == len(set(bookings)) == 11  # every booking, none twice
    # Redis restarted empty: what was in the stream before is gone, so each process reloads every location
    assert a.resyncs == b.resyncs == 1
    assert [e.location_id for e in heard_b if isinstance(e, events.DataImported)] == [1, 2]


def test_a_process_away_longer_than_the_stream_keeps_reloads_from_the_database(buses):
    a, b = buses(max_length=10), buses(max_length=10)
    eventually(lambda: a.connected and b.connected)
    heard_b = []
    b.subscribe(heard_b.append)
    before = b.version(1, 'takings')
    b.close()  # b stops reading (a long pause) ...
    for n in range(300):
        a.publish(booking(n))
    assert a.flush()
    b.start()  # ... and reads on from where it was: the stream was trimmed past that point
    eventually(lambda: b.resyncs == 1)
    eventually(lambda: any(isinstance(e, events.DataImported) for e in heard_b))
    assert b.version(1, 'takings') > before  # every cached value is computed again, takings included
