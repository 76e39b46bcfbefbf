"""The bus across processes (app/services/redis_bus.py) on a real ``redis-server``: two buses stand for two
processes. Every event reaches the other once and in order; its own process hears it at once; Redis away for a
while loses nothing and logs one line per change of state; a gap the stream no longer covers reloads from the
database; an entry this install did not sign is never applied (issue 28: a forged ``XADD`` showed "FORGED: booking
cancelled" in a manager's session)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date

import pytest
import redis

from app.services import events, redis_link
from app.services.redis_bus import RedisStreamBus
from tests.redis_server import RedisServer

SECRET = 'the storage secret of this install'
STREAM = 'test:events'


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
        bus = RedisStreamBus(options.pop('url', redis_server.url), secret=SECRET, stream=STREAM, block_ms=200,
                             location_ids=lambda: [1, 2], **options)
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


def signed(event_text: str, *, entry_id: str, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    """A stream entry as a process of the install with ``secret`` writes it (``at``: when, seconds since the epoch)."""
    entry = {'id': entry_id, 'origin': 'another process', 'event': event_text,
             'at': str(int((time.time() if at is None else at) * 1000))}
    return {**entry, 'sig': redis_link.sign(redis_link.bus_key(secret), STREAM, entry)}


def test_an_entry_appended_twice_is_applied_once_and_a_hostile_one_is_ignored(buses, redis_server):
    b = buses()
    eventually(lambda: b.connected)
    heard = []
    b.subscribe(heard.append)
    client = redis.Redis.from_url(redis_server.url)
    entry = signed(json.dumps(events.to_dict(booking(5))), entry_id='e1')
    client.xadd(STREAM, entry)  # a writer whose reply was lost sends again
    client.xadd(STREAM, entry)
    client.xadd(STREAM, signed('{"type": "__import__", "x": 1}', entry_id='e2'))  # signed, yet not an event
    client.xadd(STREAM, signed('not json', entry_id='e3'))
    client.xadd(STREAM, signed(json.dumps(events.to_dict(booking(6))), entry_id='e4'))
    eventually(lambda: len(heard) == 2)
    time.sleep(0.3)
    assert [e.booking_id for e in heard] == [5, 6]
    assert b.refused.total == 2


def test_an_entry_this_install_did_not_sign_is_not_applied_and_is_logged_once(buses, redis_server, caplog):
    """What an attacker who reaches Redis can append: an unsigned event, one signed with another key, a genuine
    entry edited, genuine entries replayed (two hours old; ten minutes old, from before the process started),
    bytes that are not text. None is applied (the stale one makes the
    process reload from the database instead); one line per process is logged for them all, without a traceback;
    a genuine entry from another process is applied."""
    caplog.set_level(logging.INFO, logger='app.services.redis_bus')
    a, b = buses(), buses()
    eventually(lambda: a.connected and b.connected)
    heard = []
    b.subscribe(heard.append)
    client = redis.Redis.from_url(redis_server.url)
    forged = events.BookingChanged(booking_id=1, location_id=1, staff_member_id=1, day=date(2030, 3, 4),
                                   change='cancelled', status='cancelled', summary='FORGED: booking cancelled')
    text = json.dumps(events.to_dict(forged))
    client.xadd(STREAM, {'id': 'f1', 'origin': 'x', 'event': text})  # unsigned
    client.xadd(STREAM, signed(text, entry_id='f2', secret='another install'))  # another key
    client.xadd(STREAM, {**signed(json.dumps(events.to_dict(booking(7))), entry_id='f3'), 'event': text})  # edited
    client.xadd(STREAM, signed(text, entry_id='f4', at=time.time() - 2 * 3600))  # recorded two hours ago, replayed
    client.xadd(STREAM, signed(text, entry_id='f5', at=time.time() - 600))  # ten minutes ago, before these started
    client.xadd(STREAM, {b'id': b'\xff\xfe', b'event': b'\x80' + text.encode(), b'sig': b'\xff' * 64})  # not UTF-8
    a.publish(booking(8))  # and a genuine change from another process
    eventually(lambda: any(isinstance(e, events.BookingChanged) for e in heard))
    time.sleep(0.5)  # anything else read by now
    assert [e.booking_id for e in heard if isinstance(e, events.BookingChanged)] == [8]
    assert not any('FORGED' in getattr(e, 'summary', '') for e in heard)
    assert a.refused.total == b.refused.total == 6  # both processes read them
    assert a.resyncs == b.resyncs == 1  # the entry two hours old: a process may be behind, so it reloads
    refusals = [r.getMessage() for r in caplog.records if 'refused' in r.getMessage()]
    assert len(refusals) == 2, refusals  # one line per process: the first at once, the rest counted for the next
    assert all('1 unsigned (latest: entry ' in line for line in refusals)
    assert not [r for r in caplog.records if r.exc_info]


def test_refusals_are_logged_at_most_once_a_minute_with_their_count(caplog):
    now = [1000.0]
    refusals = redis_link.EveryFewSeconds(logging.getLogger('test'), 'refused', clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger='test'):
        for n in range(1000):
            refusals.add('forged' if n % 2 else 'unsigned', f'entry {n}')
        refusals.flush()
        assert [r.getMessage().split(' (')[0] for r in caplog.records] == ['refused: 1 unsigned']
        now[0] += 61
        refusals.flush()  # the reader's loop flushes after every read
        refusals.flush()
    assert [r.getMessage().split(' (')[0] for r in caplog.records] == ['refused: 1 unsigned',
                                                                     'refused: 500 forged, 499 unsigned']
    assert refusals.total == 1000


def test_the_bus_uses_the_password_in_its_url_and_a_client_without_it_cannot_append(buses, tmp_path):
    server = RedisServer(tmp_path / 'locked', password='a-long-random-password').start()
    try:
        a, b = buses(url=server.url), buses(url=server.url)
        eventually(lambda: a.connected and b.connected)
        heard = []
        b.subscribe(heard.append)
        a.publish(booking(1))
        eventually(lambda: [e.booking_id for e in heard] == [1])
        anonymous = redis.Redis(port=server.port)
        with pytest.raises(redis.AuthenticationError):
            anonymous.xadd(STREAM, {'id': 'x', 'event': '{}'})
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=server.port, password='a guess').xadd(STREAM, {'id': 'x', 'event': '{}'})
    finally:
        server.stop()


def test_a_redis_outage_logs_one_line_when_lost_and_one_when_back_per_thread(buses, redis_server, caplog):
    """Redis away for a few seconds, while both readers and a writer try again and again: each logs one warning
    when it loses Redis and one info line when it reaches it again, and no traceback (there were ~200 per
    process)."""
    caplog.set_level(logging.INFO, logger='app.services.redis_bus')
    a, b = buses(), buses()
    eventually(lambda: a.connected and b.connected)
    redis_server.stop()
    for n in range(10):
        a.publish(booking(n))  # the writer has something to send, and tries
    eventually(lambda: not a.connected and not b.connected)
    time.sleep(3)  # the readers and the writer try several times meanwhile (every 0.1, 0.2, 0.5, 1, 2 s)
    redis_server.start()
    eventually(lambda: a.connected and b.connected and a.buffered == 0)
    eventually(lambda: sum('reaches Redis again' in r.getMessage() for r in caplog.records) == 3)
    time.sleep(0.5)
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == 'app.services.redis_bus']
    assert not [r for r in caplog.records if r.exc_info]
    assert sorted(message.split(' (')[0] for level, message in lines if 'lost Redis' in message) == [
        "the bus's reader lost Redis", "the bus's reader lost Redis", "the bus's writer lost Redis"]
    assert sorted(message.split(' (')[0] for level, message in lines if level == 'INFO') == [
        "the bus's reader reaches Redis again", "the bus's reader reaches Redis again",
        "the bus's writer reaches Redis again"]
    others = [m for _, m in lines if 'Redis again' not in m and 'lost Redis' not in m]
    assert len(others) == 2 and all('Redis restarted without the stream' in m for m in others)  # one per process


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
