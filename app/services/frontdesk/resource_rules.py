"""Which resources a booking may use, as pure functions over plain values (no database, no clock): the part of the
slot rules (:mod:`app.services.frontdesk.slot_rules`) that concerns rooms, chairs, stations and equipment.

A service needs ``units`` of each of its kinds (:class:`~app.models.ServiceResource`). A slot kept over ``[start,
end)`` (its preparation and buffer included) gets them from the active resources of each kind, in name order,
taking from each what it has free: its capacity less the **peak** of the units its other bookings use at any one
moment of the slot (:func:`peak`; two bookings that follow each other never add up), none from a resource out of
service at any moment of it. A kind whose resources have too few units free refuses the slot (:func:`allocate`).

The free-time search, the booking's write (inside its transaction, the resources' rows locked) and the refusal the
desk reads all ask :func:`allocate`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.services.frontdesk.slot_rules import meets

_INSTANT = timedelta(microseconds=1)
"""How long a use of no length is counted (an imported booking's): at its moment, as :func:`meets` clashes it."""


@dataclass(frozen=True)
class Use:
    """Units of a resource a booking uses over ``[start, until)`` (its kept time)."""

    start: datetime
    until: datetime
    units: int
    booking_id: int = 0


@dataclass
class Pool:
    """One resource as the rules see it near a slot: its uses and its times out of service (``[start, end,
    reason]``)."""

    resource_id: int
    name: str
    kind: str
    capacity: int
    uses: list[Use] = field(default_factory=list)
    outages: list[tuple[datetime, datetime, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Shortage:
    """Why a slot cannot have its resources: of ``kind``, ``needed`` units and only ``free`` to be had; ``out``: the
    names of resources of that kind out of service then."""

    kind: str
    needed: int
    free: int
    out: tuple[str, ...] = ()


def peak(uses: Iterable[Use], start: datetime, end: datetime, *, exclude_id: int = 0) -> int:
    """The most units ``uses`` (other than booking ``exclude_id``'s) take at any one moment of ``[start, end)``:
    a sweep over their starts and ends, an end before a start at the same moment (back to back never add up)."""
    moments: list[tuple[datetime, int]] = []
    for use in uses:
        if exclude_id and use.booking_id == exclude_id:
            continue
        until = max(use.until, use.start + _INSTANT)
        if meets(use.start, until, start, end):
            moments.append((max(use.start, start), use.units))
            moments.append((min(until, max(end, start + _INSTANT)), -use.units))
    most = now = 0
    for _moment, units in sorted(moments, key=lambda m: (m[0], m[1])):  # -units (ends) sort first
        now += units
        most = max(most, now)
    return most


def out_of_service(pool: Pool, start: datetime, end: datetime) -> bool:
    """Whether the resource is out of service at any moment of ``[start, end)``."""
    return any(meets(a, b, start, end) for a, b, _reason in pool.outages)


def allocate(needs: Iterable[tuple[str, int]], pools: Iterable[Pool], start: datetime, end: datetime, *,
             exclude_id: int = 0) -> tuple[list[tuple[int, int]], Shortage | None]:
    """``(taken, None)``: the ``(resource id, units)`` a slot kept over ``[start, end)`` takes for ``needs`` (``(kind,
    units)`` each) from ``pools`` (each kind's resources, in name order, what each has free); or ``([],
    shortage)``: the first kind (by name) that has too few units free. ``exclude_id``: a booking moved does not count
    against itself."""
    by_kind: dict[str, list[Pool]] = {}
    for pool in pools:
        by_kind.setdefault(pool.kind, []).append(pool)
    taken: list[tuple[int, int]] = []
    for kind, units in sorted(needs):
        left, free, out = units, 0, []
        for pool in sorted(by_kind.get(kind, []), key=lambda p: (p.name, p.resource_id)):
            if out_of_service(pool, start, end):
                out.append(pool.name)
                continue
            spare = pool.capacity - peak(pool.uses, start, end, exclude_id=exclude_id)
            if spare <= 0:
                continue
            free += spare
            if left:
                take = min(spare, left)
                taken.append((pool.resource_id, take))
                left -= take
        if left:
            return [], Shortage(kind, units, free, tuple(out))
    return taken, None
