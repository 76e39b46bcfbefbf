"""Local days and times at a location. Stored times are UTC; people think in the shop's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current moment (aware UTC): the front desk's rules ask here, so tests can set the shop's clock."""
    return datetime.now(UTC)


def zone(time_zone: str) -> ZoneInfo:
    """The :class:`ZoneInfo` of an IANA name such as ``'America/Toronto'``."""
    return ZoneInfo(time_zone)


def local_datetime(day: date, minute_of_day: int, time_zone: str) -> datetime:
    """A timezone-aware datetime (UTC) for ``day`` at ``minute_of_day`` local time."""
    local = datetime.combine(day, time(0), tzinfo=zone(time_zone)) + timedelta(minutes=minute_of_day)
    # re-localise so a DST change during the day is honoured
    local = local.replace(tzinfo=None).replace(tzinfo=zone(time_zone))
    return local.astimezone(UTC)


@lru_cache(maxsize=4096)  # every open page asks for its day on every change
def day_bounds(day: date, time_zone: str) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of the local calendar day ``day``."""
    tz = zone(time_zone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def to_local(moment: datetime, time_zone: str) -> datetime:
    """``moment`` (aware) in the location's time zone."""
    return moment.astimezone(zone(time_zone))


def local_day(moment: datetime, time_zone: str) -> date:
    """The local calendar date of ``moment``."""
    return to_local(moment, time_zone).date()


def minute_of_day(moment: datetime, time_zone: str) -> int:
    """Minutes after local midnight of ``moment``."""
    local = to_local(moment, time_zone)
    return local.hour * 60 + local.minute


def today(time_zone: str, *, as_of: datetime | None = None) -> date:
    """Today's date at the location (``as_of`` defaults to now)."""
    return local_day(as_of or datetime.now(UTC), time_zone)
