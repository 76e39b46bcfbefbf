"""The day per resource (the Bookings page's Resources tab): a column per room, chair or piece of equipment with the
bookings that use it and its times out of service, drawn by the day grid (``day_grid.js``) as the day per staff
member is. A booking using two resources shows in both columns; a click opens it. No free times are offered here
(a booking is made with a staff member, in the day view)."""

from __future__ import annotations

from datetime import date

from app.models import LocationRead, UserRead
from app.pages.frontdesk.grid import PX_PER_MINUTE, block_of, grid_texts
from app.services import clock
from app.services.catalogue import resources
from app.services.frontdesk import bookings
from app.services.frontdesk.slot_rules import BLOCKING_VALUES
from app.services.i18n import _


def resource_day_parts(location: LocationRead, day: date, actor: UserRead) -> dict:
    """The local ``day`` per resource as ``day_grid.js`` draws it: ``{'grid': {first, last, px, clashes, all_known,
    texts, legend, markers, columns: [{id (the resource's), name, colour, shifts (none: no free times offered), away
    ([[start, end, reason]] minutes of the day out of service)}]}, 'blocks': [block_of each booking using a resource,
    its column that resource]}``. Reads the database: call it from a worker thread.

    :raises PermissionDeniedError: another location, or a role outside the front desk
    """
    tz = location.time_zone
    start, end = clock.day_bounds(day, tz)
    listed = bookings.list_day(location.id, day, actor=actor, time_zone=tz)
    used = resources.uses_between(location.id, start, end, actor=actor)
    shown = [r for r in resources.list_resources(location.id, actor=actor, include_inactive=True)
             if r.active or any(resource_id == r.id for uses in used.values() for resource_id, _units in uses)]
    away: dict[int, list] = {}
    for gone in resources.outages(location.id, start, end, actor=actor):
        first = 0 if gone.starts_at <= start else clock.minute_of_day(gone.starts_at, tz)
        last = 24 * 60 if gone.ends_at >= end else clock.minute_of_day(gone.ends_at, tz)
        away.setdefault(gone.resource_id, []).append([first, last, gone.reason or _('Out of service')])
    blocks = []
    for booking in listed:
        if booking.status.value not in BLOCKING_VALUES or not booking.time_known:  # a no-show gave its room back
            continue
        for resource_id, _units in used.get(booking.id, []):
            blocks.append({**block_of(booking, False, tz), 'column': resource_id})
    _side_by_side(blocks)
    spans = [(b['start'] - b['before'], b['start'] + b['minutes'] + b['after']) for b in blocks]
    first = max(0, min([8 * 60, *(s for s, _e in spans)])) // 60 * 60
    last = -(-min(max([20 * 60, *(e for _s, e in spans)]), 24 * 60) // 60) * 60
    texts = grid_texts(0)
    texts['markers'] = [{**mark, 'label': _('Out of service')} if mark['kind'] == 'away' else mark
                        for mark in texts['markers']]  # a resource's striped time is out of service, not time off
    texts['texts'] = {**texts['texts'], 'nobody': _('No resources yet: add them under Services & products.'),
                      'grid_label': _('Bookings by resource and time. Arrow keys move between bookings; Enter opens '
                                      'one.')}
    return {'grid': {'first': first, 'last': last, 'px': PX_PER_MINUTE, 'clashes': 0, 'all_known': True, **texts,
                     'columns': [{'id': r.id, 'name': r.name, 'colour': None, 'shifts': [],
                                  'away': away.get(r.id, [])} for r in shown]},
            'blocks': blocks}


def _side_by_side(blocks: list[dict]) -> None:
    """Bookings sharing a resource at once (a sauna with six places) drawn side by side in its column, each in a lane
    (the first free one, earliest start first), every lane of the column as wide, not on top of each other."""
    by_column: dict[int, list[dict]] = {}
    for block in blocks:
        by_column.setdefault(block['column'], []).append(block)
    for column in by_column.values():
        lanes: list[int] = []  # the minute each lane is free again
        placed = []
        for block in sorted(column, key=lambda b: (b['start'] - b['before'], b['id'])):
            start, end = block['start'] - block['before'], block['start'] + block['minutes'] + block['after']
            lane = next((i for i, free in enumerate(lanes) if free <= start), len(lanes))
            if lane == len(lanes):
                lanes.append(end)
            lanes[lane] = end
            placed.append((block, lane))
        if len(lanes) > 1:
            for block, lane in placed:
                block['style'] = {**block['style'], 'left': f'calc({lane * 100 / len(lanes):.3f}% + 2px)',
                                  'right': f'calc({(len(lanes) - lane - 1) * 100 / len(lanes):.3f}% + 2px)'}
