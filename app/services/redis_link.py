"""What every part of the app that talks to Redis shares: the signature of the bus's entries, and logging that says
once what changed instead of once per failed attempt.

**Signed entries.** Whoever can write to the Redis stream could otherwise make every process show what they like
("booking cancelled"). Each entry carries an HMAC-SHA256 (RFC 2104) of its fields under a key of the bus's own,
derived from the install's storage secret (the one the cluster's processes share: ``CLIENTPULSE_STORAGE_SECRET``
or ``<data dir>/storage_secret``) as ``HMAC-SHA256(secret, 'clientpulse bus v1')`` — one HMAC used as a
pseudo-random function, as HKDF's expand step does (RFC 5869 §2.3), so the bus's key signs no cookie and the
secret itself never signs a bus entry. The signature covers the stream's name, the entry's id, the process that
wrote it, when it was written and the event, so an entry cannot be moved to another stream or edited; a reader
compares signatures with :func:`hmac.compare_digest` (constant time) and refuses an entry written more than
:data:`MAX_AGE_SECONDS` before or after its own clock, or before the reader started (less
:data:`CLOCK_SKEW_SECONDS`): a genuine entry copied and appended again. A copy of an entry the reader has already
applied is ignored by its id.

**One line per change of state.** A Redis outage used to log a traceback per failed attempt of every part;
:class:`LinkState` logs one warning when a part loses Redis (with the reason) and one info line when it is back,
nothing in between. :class:`EveryFewSeconds` does the same for things that repeat (entries refused): one line per
interval with the count.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

import redis

BUS_KEY_LABEL = b'clientpulse bus v1'
"""What the bus's key is derived for (the HMAC's message); a new version of the entries' format gets a new label."""
MAX_AGE_SECONDS = 3600
"""An entry signed further than this from a reader's clock is refused as a replay (or a reader far behind, which
then reloads from the database). An hour is far more than the clocks of one cluster drift apart (NTP)."""
CLOCK_SKEW_SECONDS = 30
"""How far the clocks of two processes of one cluster may disagree: an entry written this long before a reader
started may still be one it has to apply."""
SIGNED_FIELDS = ('id', 'origin', 'at', 'event')
"""The fields of an entry its signature (field ``sig``) covers, in this order, with the stream's name first."""

OUTAGES = (redis.ConnectionError, redis.TimeoutError, ConnectionError, TimeoutError)
"""The errors that mean Redis cannot be reached (as opposed to a refused command)."""


def bus_key(secret: str) -> bytes:
    """The bus's signing key: HMAC-SHA256(``secret``, :data:`BUS_KEY_LABEL`), 32 bytes.

    :param secret: the install's storage secret (:meth:`app.config.Settings.storage_secret_value`)
    :raises ValueError: an empty secret
    """
    if not secret:
        raise ValueError('the bus needs the storage secret to sign its entries')
    return hmac.new(secret.encode(), BUS_KEY_LABEL, hashlib.sha256).digest()


def sign(key: bytes, stream: str, entry: dict[str, str]) -> str:
    """The signature (64 hex digits) of ``entry`` (which must hold every one of :data:`SIGNED_FIELDS`) on
    ``stream``: HMAC-SHA256 over the JSON array ``[stream, id, origin, at, event]`` (a JSON array, so no two
    different entries give the same message)."""
    message = json.dumps([stream, *(str(entry[name]) for name in SIGNED_FIELDS)], separators=(',', ':'))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def check(key: bytes, stream: str, fields: dict[str, str], *, now: float | None = None,
          not_before: float = 0.0) -> str | None:
    """Why the entry ``fields`` read from ``stream`` must not be applied, or None if it was signed with ``key`` and
    is recent: ``'unsigned'`` (no signature, or a field it covers is missing), ``'forged'`` (the signature does not
    match: another key, or a field was changed), ``'unreadable'`` (signed, but its time is not a number: not
    written by this code), ``'replayed'`` (written before ``not_before``) or ``'stale'`` (written more than
    :data:`MAX_AGE_SECONDS` from ``now``). Times in seconds since the epoch."""
    signature = fields.get('sig')
    if not signature or any(name not in fields for name in SIGNED_FIELDS):
        return 'unsigned'
    if not hmac.compare_digest(str(signature), sign(key, stream, fields)):
        return 'forged'
    try:
        written = int(fields['at']) / 1000
    except ValueError:
        return 'unreadable'
    if abs((time.time() if now is None else now) - written) > MAX_AGE_SECONDS:
        return 'stale'
    if written < not_before:
        return 'replayed'
    return None


def now_ms() -> str:
    """The ``at`` field of an entry written now: milliseconds since the epoch, as text."""
    return str(int(time.time() * 1000))


class LinkState:
    """Whether one part of this process (``name``: "the bus's reader") reaches Redis. :meth:`lost` logs one warning
    with the reason when the part loses Redis, :meth:`back` one info line when it reaches it again; the calls in
    between log nothing. Thread-safe. A part starts as connected, so a Redis that is away from the start is
    reported once too."""

    def __init__(self, name: str, logger: logging.Logger, *, consequence: str = '') -> None:
        self.name, self.consequence = name, consequence
        self.up = True
        self.since = time.monotonic()
        self._log = logger
        self._lock = threading.Lock()

    def lost(self, reason: BaseException | str) -> bool:
        """Record a failed attempt; True (and one warning) only if the part was connected until now."""
        with self._lock:
            if not self.up:
                return False
            self.up, self.since = False, time.monotonic()
        text = str(reason) or type(reason).__name__
        self._log.warning('%s lost Redis (%s)%s', self.name, text, f': {self.consequence}' if self.consequence else '')
        return True

    def back(self) -> bool:
        """Record a successful exchange; True (and one info line) only if the part had lost Redis."""
        with self._lock:
            if self.up:
                return False
            self.up, away = True, time.monotonic() - self.since
            self.since = time.monotonic()
        self._log.info('%s reaches Redis again (after %.0f s)', self.name, away)
        return True


class EveryFewSeconds:
    """At most one log line per ``interval`` seconds about something that may repeat many times (entries refused):
    the first occurrence is logged at once, the ones within the next ``interval`` are counted and reported by
    the next line (at the next occurrence or :meth:`flush` once ``interval`` has passed). Thread-safe."""

    def __init__(self, logger: logging.Logger, what: str, *, interval: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.what, self.interval = what, interval
        self.total = 0
        self._log, self._clock = logger, clock
        self._counts: Counter[str] = Counter()
        self._latest = ''
        self._next = 0.0
        self._lock = threading.Lock()

    def add(self, kind: str, detail: str) -> None:
        """Count one occurrence of ``kind`` (``detail``: what identifies it, kept short) and log if it is time."""
        with self._lock:
            self.total += 1
            self._counts[kind] += 1
            self._latest = detail
        self.flush()

    def flush(self) -> None:
        """Log what was counted since the last line, if ``interval`` has passed since it (cheap when nothing was)."""
        with self._lock:
            now = self._clock()
            if not self._counts or now < self._next:
                return
            counts = ', '.join(f'{n} {kind}' for kind, n in sorted(self._counts.items()))
            latest = self._latest
            self._counts.clear()
            self._next = now + self.interval
        self._log.warning('%s: %s (latest: %s); at most one such line every %g s', self.what, counts, latest,
                          self.interval)


class OutageFilter(logging.Filter):
    """A logging filter for a library that logs a traceback for every failed attempt to reach Redis (NiceGUI's
    storage of sign-ins: one per browser's listener and per write): a record carrying an outage
    (:data:`OUTAGES`), or a message starting with one of ``messages``, is replaced by ``link``'s one warning, and a
    thread then asks Redis at ``url`` every second until it answers, to log the one info line and call
    ``on_back()`` (e.g. to start again what the library gave up). Other records pass."""

    def __init__(self, link: LinkState, url: str, *, messages: tuple[str, ...] = (),
                 on_back: Callable[[], None] = lambda: None) -> None:
        super().__init__()
        self.link, self.url, self.messages, self.on_back = link, url, messages, on_back
        self.hidden = 0  # records kept out of the log (tests, diagnostics)

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, OUTAGES):
            reason: BaseException | str = error
        elif self.messages and isinstance(record.msg, str) and record.msg.startswith(self.messages):
            reason = record.getMessage()
        else:
            return True
        self.hidden += 1
        if self.link.lost(reason):
            threading.Thread(target=self._wait_until_back, name=f'{self.link.name}: waiting for Redis',
                             daemon=True).start()
        return False

    def _wait_until_back(self) -> None:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
        try:
            while True:
                try:
                    client.ping()
                    break
                except redis.RedisError:
                    time.sleep(1.0)
        finally:
            client.close()
        self.link.back()
        self.on_back()
