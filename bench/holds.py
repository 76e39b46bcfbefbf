"""Free times left on a day as N hostile booking sessions hold times on ``/book``, against none (not a test).

    .venv/bin/python bench/holds.py [--sessions 0 1 2 4 8 12 24 48]

A fresh SQLite shop: online booking on, four staff members working 09:00–17:00, a 45-minute service on the
15-minute grid (30 free starts each, 120 in all). Each hostile session is a booking page of its own (a browser session
of its own) from one network address (``1``) or each from its own (``N``); it tries, one after another, the starts an
online customer still sees (earliest first, each staff member in turn) and keeps the first hold it gets. The
``limits off`` rows set both limits out of the way (what any number of sessions could do before them).

For each row: what an online customer still sees (starts with any staff member, and as a share of the day with no
hostile session: the anchor measured in the same run), what the desk sees (a customer's online hold never hides a
time from it) and how many holds are live.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402
from bench._fresh import fresh_database  # noqa: E402

DAY = date(2031, 1, 7)  # a Tuesday
NOW = datetime(2031, 1, 5, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--sessions', type=int, nargs='+', default=[0, 1, 2, 4, 12, 48])
    report.add_option(parser)
    args = parser.parse_args()
    table = report.Table('holds', ['hostile sessions', 'addresses', 'limits', 'online customer sees',
                                   'share of none', 'desk sees', 'live holds'],
                         notes=['Four staff members, 09:00–17:00, a 45-minute service: 120 free starts. Anchor: '
                                'what an online customer sees with no hostile session, same run.'])
    with fresh_database('holds'):
        from app.config import get_settings, reset_settings
        from app.services import database

        shop = _shop()
        none = _seen(shop)
        print(f'{"sessions":>8} {"addresses":>9} {"limits":>6} {"online sees":>11} {"of none":>7} '
              f'{"desk sees":>9} {"live holds":>10}')
        for limits in (True, False):
            for count in args.sessions:
                for addresses in sorted({1, count}) if count else [0]:
                    _clear()
                    settings = get_settings()
                    if not limits:
                        settings.online_holds_per_address, settings.online_hold_share_percent = 10 ** 6, 100
                    live = _attack(shop, count, addresses)
                    online, desk = _seen(shop), _seen(shop, desk=True)
                    print(f'{count:>8} {addresses:>9} {"on" if limits else "off":>6} {online:>11} '
                          f'{online / none * 100:>6.0f}% {desk:>9} {live:>10}')
                    table.add(count, addresses, 'on' if limits else 'off', online, f'{online / none * 100:.0f} %',
                              desk, live)
                    reset_settings()
        database.reset_engines()
    if args.markdown:
        table.write()


def _shop() -> dict:
    from app.models import LocationCreate, ServiceCreate, StaffMemberCreate, WorkingHoursBase
    from app.services.accounts.access import SYSTEM_ACTOR
    from app.services.catalogue import catalog, locations, staff

    location = locations.find_or_create_location(LocationCreate(name='Bench', time_zone='UTC', currency='KES'))
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'online_booking': True},
                              actor=SYSTEM_ACTOR)
    hours = [WorkingHoursBase(weekday=d, start_minute=9 * 60, end_minute=17 * 60) for d in range(7)]
    members = [staff.create_staff_member(StaffMemberCreate(location_id=location.id, name=name, working_hours=hours),
                                         actor=SYSTEM_ACTOR).id for name in ('JJ', 'Becky', 'Wanjiru', 'Amani')]
    service = catalog.create_service(ServiceCreate(location_id=location.id, code='CUT', name='Cut', category='',
                                                   price_cents=80000, duration_minutes=45), actor=SYSTEM_ACTOR)
    return {'location': location.id, 'members': members, 'service': service.id}


def _slots(shop: dict, member: int, *, desk: bool = False):
    from app.services.accounts.access import SYSTEM_ACTOR
    from app.services.frontdesk import availability, online

    who = SYSTEM_ACTOR if desk else online.visitor_at(shop['location'])  # a visitor to the public booking page
    return availability.free_slots(shop['location'], shop['service'], DAY, actor=who, staff_member_id=member,
                                   now=NOW, customer=not desk)


def _seen(shop: dict, *, desk: bool = False) -> int:
    return sum(len(_slots(shop, member, desk=desk)) for member in shop['members'])


def _attack(shop: dict, sessions: int, addresses: int) -> int:
    """``sessions`` hostile sessions each hold what hides the most; returns the live holds."""
    from app.models import HoldKind
    from app.services.errors import ClientPulseError
    from app.services.frontdesk import availability, online

    held = 0
    for session in range(sessions):
        ip = f'203.0.113.{session % max(addresses, 1)}'
        actor = online.visitor_at(shop['location'], ip=ip)  # each a visitor to the public booking page
        for slot in [slot for member in shop['members'] for slot in _slots(shop, member)]:
            try:
                availability.hold(shop['location'], shop['service'], slot, holder=f'hostile-{session}', actor=actor,
                                  now=NOW, kind=HoldKind.ONLINE, ip=ip, visitor=f'hostile-{session}')
            except ClientPulseError:
                continue
            held += 1
            break
    return held


def _clear() -> None:
    from sqlmodel import delete

    from app.models import SlotHold
    from app.services.database import session_scope

    with session_scope(write=True) as session:
        session.exec(delete(SlotHold))


if __name__ == '__main__':
    main()
