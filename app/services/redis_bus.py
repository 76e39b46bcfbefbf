"""The bus across processes: every event through one Redis stream, read by every process (``CLIENTPULSE_BUS_URL``).

Several app processes (behind nginx, on one PostgreSQL database) each serve their own open tabs; a change made
in one must show in all. Redis pub/sub would lose what a process misses while it is disconnected, so the
events go through a **Redis stream** (``XADD`` / ``XREAD``, https://redis.io/docs/latest/develop/data-types/streams/):

- **publish**: the event is delivered to this process's subscribers at once (no round trip), given an id
  (a UUID) and queued; a writer thread appends it to the stream (``XADD … MAXLEN ~ max_length``). While Redis
  is unreachable the queue keeps what is published (up to ``max_buffer`` events) and the writer retries, in
  order, when it returns.
- **read**: a reader thread follows the stream from the last entry it read (``XREAD BLOCK``) and delivers
  each event that another process published to this process's subscribers, in stream order (so in order per
  location); an id it has already applied (its own, or one appended twice after a lost reply) is ignored.
- **gaps**: the stream keeps about ``max_length`` entries. When a process comes back after more than that was
  appended (the oldest entry held is numbered past the one after the last it read: ``entries-added`` and
  ``length`` of ``XINFO STREAM``), or Redis restarted without keeping the stream (its ``run_id`` changed and
  the last entry read is gone),
  the process cannot know what it missed: every cached value is invalidated (:meth:`InProcessBus.invalidate`)
  and a :class:`~app.services.events.DataImported` without summary is delivered for every location, so
  rooms and pages read what they show from the database again.

Subscribers that write (``local_only=True``) hear only this process's events, so an action runs once.

**Trust**: every entry is signed when it is appended (HMAC-SHA256 under a key derived from the install's storage
secret, :mod:`app.services.redis_link`); an entry that is unsigned, forged, signed more than an hour away from
the reader's clock or before the reader started is not applied, and refusals are logged at most once a minute with
their count. Redis itself
asks for a password (``deploy/redis.conf``; the URL carries it: ``redis://clientpulse:PASSWORD@host:6379/0``).

**Outages** are logged once per change of state and per thread (the reader; the writer when it has something to
send): one warning with the reason when Redis is lost, one info line when it is back, no traceback in between.
"""

from __future__ import annotations

import collections
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import date

import redis

from app.services import events, redis_link

log = logging.getLogger(__name__)

RETRY_SECONDS = (0.1, 0.2, 0.5, 1.0, 2.0)
"""Waits between attempts to reach Redis again (the last one repeats)."""


class RedisStreamBus:
    """A :class:`~app.services.events.Bus` over one Redis stream; see the module docstring.

    ``url``: ``redis://[user:password@]host:port/db``; ``secret``: the install's storage secret (every process of
    the cluster has the same; the entries' signing key is derived from it); ``stream``: the stream's key (one per
    database of the app); ``max_length``: entries the stream keeps (approximately, ``MAXLEN ~``); ``max_buffer``:
    events kept while Redis is away (beyond it the oldest are dropped, and the other processes find the gap when they
    read);
    ``location_ids``: the ids of every location (called on a gap, to reload each one); ``local``: the in-process
    bus whose subscribers and versions this one takes over (the process's bus until now).
    Threads start with :meth:`start`; :meth:`close` stops them.
    """

    def __init__(self, url: str, *, secret: str, stream: str = 'clientpulse:events', max_length: int = 10_000,
                 max_buffer: int = 100_000, location_ids: Callable[[], Iterable[int]] = lambda: (),
                 local: events.InProcessBus | None = None, block_ms: int = 1000) -> None:
        self.url, self.stream, self.max_length, self.max_buffer = url, stream, max_length, max_buffer
        self._key = redis_link.bus_key(secret)
        self._not_before = time.time() - redis_link.CLOCK_SKEW_SECONDS  # the reader starts at the stream's end
        self.process_id = uuid.uuid4().hex[:16]
        self._local = local if local is not None else events.InProcessBus()
        self._location_ids = location_ids
        self._block_ms = block_ms
        self._outgoing: collections.deque[dict[str, str]] = collections.deque()
        self._wake = threading.Condition()
        self._applied: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._applied_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.last_id = '0-0'  # the id of the last stream entry read
        self.position = 0  # its number (Redis counts the entries ever added to a stream)
        self._run_id: str | None = None  # of the Redis server last read from
        self.connected = False
        self.resyncs = 0  # how often a gap made this process reload from the database
        self.dropped = 0  # events that did not fit the buffer while Redis was away
        self._stale_resync_at = -60.0
        self.refused = redis_link.EveryFewSeconds(log, 'the bus refused entries of the stream that this install did '
                                                  'not sign (not applied)')
        self._reader_link = redis_link.LinkState(
            "the bus's reader", log, consequence='pages are served, changes of other processes wait')
        self._writer_link = redis_link.LinkState(
            "the bus's writer", log, consequence="this process's changes are kept and sent when it returns")

    # --- the Bus protocol ---------------------------------------------------------------------------------------

    def publish(self, event: events.Event) -> None:
        """Deliver ``event`` here now, and queue it for the stream (never blocks on Redis)."""
        event_id = uuid.uuid4().hex
        self._remember(event_id)
        entry = {'id': event_id, 'origin': self.process_id, 'event': json.dumps(events.to_dict(event))}
        with self._wake:
            if len(self._outgoing) >= self.max_buffer:
                self._outgoing.popleft()
                self.dropped += 1
            self._outgoing.append(entry)
            self._wake.notify()
        self._local.deliver(event, local=True)

    def subscribe(self, handler: events.Handler, *, local_only: bool = False) -> None:
        self._local.subscribe(handler, local_only=local_only)

    def unsubscribe(self, handler: events.Handler) -> None:
        self._local.unsubscribe(handler)

    def version(self, location_id: int, of: str = 'data', *, through: date | None = None) -> int:
        return self._local.version(location_id, of, through=through)

    # --- running ------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the writer and the reader (daemon threads; idempotent). The reader starts at the stream's end:
        what was appended before this process started is already in the database it reads."""
        if self._threads:
            return
        self._stop.clear()
        for target, name in ((self._write_loop, 'bus writer'), (self._read_loop, 'bus reader')):
            thread = threading.Thread(target=target, name=f'{name} {self.process_id}', daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self, timeout: float = 5.0) -> None:
        """Stop both threads (what is still queued is not sent)."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    @property
    def buffered(self) -> int:
        """Events published here and not yet in the stream."""
        return len(self._outgoing)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued event is in the stream (tests, shutdown); False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        while self._outgoing and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._outgoing

    def _client(self) -> redis.Redis:
        # bytes that are not UTF-8 (anyone may XADD anything) become U+FFFD and fail the signature, instead of
        # raising in the reader before its position moves past them
        return redis.Redis.from_url(self.url, decode_responses=True, encoding_errors='replace',
                                    socket_connect_timeout=2, socket_timeout=self._block_ms / 1000 + 5,
                                    health_check_interval=10)

    def _remember(self, event_id: str) -> bool:
        """Record ``event_id`` as applied; False if it already was."""
        with self._applied_lock:
            if event_id in self._applied:
                return False
            self._applied[event_id] = None
            if len(self._applied) > 2 * self.max_length + self.max_buffer:
                self._applied.popitem(last=False)
            return True

    def _write_loop(self) -> None:
        client, failures = self._client(), 0
        while not self._stop.is_set():
            with self._wake:
                while not self._outgoing and not self._stop.is_set():
                    self._wake.wait(1.0)
                batch = list(self._outgoing)[:500]
            if not batch:
                continue
            try:
                pipeline = client.pipeline(transaction=False)
                for entry in batch:
                    pipeline.xadd(self.stream, self._signed(entry), maxlen=self.max_length, approximate=True)
                pipeline.execute()
            except redis.RedisError as error:
                failures += 1
                self._writer_link.lost(error)
                self._stop.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])
                continue
            self._writer_link.back()
            failures = 0
            with self._wake:
                for _ in batch:  # the batch is the queue's head: only publish appends, only this thread pops
                    self._outgoing.popleft()

    def _signed(self, entry: dict[str, str]) -> dict[str, str]:
        """``entry`` with the time it is appended (``at``) and its signature (``sig``)."""
        entry = {**entry, 'at': redis_link.now_ms()}
        return {**entry, 'sig': redis_link.sign(self._key, self.stream, entry)}

    def _read_loop(self) -> None:
        client, failures = self._client(), 0
        unexpected = redis_link.EveryFewSeconds(log, 'the bus reader failed unexpectedly (it goes on)')
        while not self._stop.is_set():
            try:
                if not self.connected:
                    self._connect(client)
                self._reader_link.back()
                if not self._read(client):  # nothing new: wait for the next entry (then read it as above)
                    client.xread({self.stream: self.last_id}, count=1, block=self._block_ms)
                failures = 0
            except redis.RedisError as error:
                self._reader_link.lost(error)
                self.connected = False
                failures += 1
                self._stop.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])
            except Exception as error:  # never let the reader die: the next read goes on
                unexpected.add(type(error).__name__, repr(error)[:200])
                if unexpected.total == 1:
                    log.exception('the bus reader failed')  # the first one with its traceback, for the developer
                self._stop.wait(1.0)
            self.refused.flush()

    def _read(self, client: redis.Redis) -> int:
        """Read what follows the last entry read, and the stream's counters with it (one transaction: the same
        moment). Entries are numbered by ``entries-added`` (Redis 7): when the oldest entry the stream still holds
        comes after the one following ours, entries were trimmed before this process read them. Returns how
        many entries were read."""
        pipeline = client.pipeline(transaction=True)
        pipeline.xinfo_stream(self.stream)
        pipeline.xread({self.stream: self.last_id}, count=500)
        try:
            info, found = pipeline.execute()
        except redis.ResponseError:  # no stream yet (XINFO of a missing key)
            return 0
        added, length = int(info['entries-added']), int(info['length'])
        first = added - length + 1  # the number of the oldest entry still held
        if length and first > self.position + 1:
            self._resync(f'{first - self.position - 1} events were trimmed from the stream before this process '
                         'read them')
        entries = [entry for _, stream_entries in found for entry in stream_entries]
        if entries:
            self.position = max(self.position + 1, first) + len(entries) - 1
        stale = 0
        for entry_id, fields in entries:
            self.last_id = entry_id
            stale += self._apply(entry_id, fields) == 'stale'
        if stale and time.monotonic() > self._stale_resync_at + 60:  # an hour behind, or old entries replayed:
            self._stale_resync_at = time.monotonic()  # what this process shows may be out of date (once a minute)
            self._resync(f'entries signed more than {redis_link.MAX_AGE_SECONDS} s from this clock')
        return len(entries)

    def _connect(self, client: redis.Redis) -> None:
        """On start: begin at the stream's end. After a loss: if Redis restarted (its ``run_id`` changed) without
        keeping the stream (the last entry read is gone), whatever this process had not read yet is gone too."""
        run_id = client.info('server')['run_id']
        try:
            info = client.xinfo_stream(self.stream)
            added, length, last = int(info['entries-added']), int(info['length']), str(info['last-generated-id'])
        except redis.ResponseError:  # no stream (yet, or no more)
            added, length, last = 0, 0, '0-0'
        if self._run_id is None:
            self.last_id, self.position = last, added
        elif run_id != self._run_id and (self.last_id == '0-0'
                                         or not client.xrange(self.stream, self.last_id, self.last_id)):
            self.position = added - length  # a new stream: what it holds now all follows what was read before
            self._resync('Redis restarted without the stream')
        self._run_id = run_id
        self.connected = True

    def _apply(self, entry_id: str, fields: dict[str, str]) -> str | None:
        """Deliver the event of a genuine entry here (once); returns why it was not, if it was refused."""
        refusal = redis_link.check(self._key, self.stream, fields, not_before=self._not_before)
        if refusal is not None:
            self.refused.add(refusal, f'entry {entry_id[:40]} {refusal}, from {str(fields.get("origin"))[:40]!r}')
            return refusal
        if fields['origin'] == self.process_id or not self._remember(fields['id']):
            return None
        try:
            event = events.from_dict(json.loads(fields['event']))
        except (KeyError, ValueError, TypeError):  # signed here, by another version of the app (while upgrading)
            self.refused.add('unreadable', f'entry {entry_id[:40]}: {fields["event"][:120]!r}')
            return 'unreadable'
        self._local.deliver(event, local=False)
        return None

    def _resync(self, why: str) -> None:
        self.resyncs += 1
        log.warning('the bus may have missed events (%s): every location reloads from the database', why)
        self._local.invalidate()
        try:
            location_ids = list(self._location_ids())
        except Exception:
            log.exception('the bus could not list the locations to reload')
            return
        for location_id in location_ids:
            self._local.deliver(events.DataImported(location_id=location_id), local=False)
