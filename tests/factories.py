"""Builders for test data through the services (no test builds rows by hand twice)."""

from __future__ import annotations

from datetime import date, datetime

from app.models import (
    BookingCreate,
    BookingRead,
    Channel,
    CustomerCreate,
    CustomerRead,
    LocationCreate,
    LocationRead,
    Role,
    ServiceCreate,
    ServiceRead,
    StaffMemberCreate,
    StaffMemberRead,
    UserRead,
    WorkingHoursBase,
)
from app.services import clock
from app.services.accounts import users
from app.services.catalogue import catalog, locations, staff
from app.services.customers import customers
from app.services.frontdesk import bookings

TZ = 'America/Toronto'
OWNER = UserRead(id=0, email='owner@test', role=Role.OWNER, location_id=None, staff_member_id=None, active=True)


def actor(role: Role = Role.STAFF, location_id: int | None = None) -> UserRead:
    """An acting user of ``role`` (not stored; services only read the role and location)."""
    return UserRead(id=0, email=f'{role.value}@test', role=role, location_id=location_id, staff_member_id=None,
                    active=True)


def make_location(name: str = 'Queen St', time_zone: str = TZ) -> LocationRead:
    return locations.find_or_create_location(LocationCreate(
        name=name, time_zone=time_zone, currency='CAD',
        tax_rates=[{'name': 'GST', 'percent': '5'}, {'name': 'PST', 'percent': '8'}]))


def make_staff_member(location: LocationRead, name: str = 'JJ', *, start: str = '09:00',
                      end: str = '17:00', weekdays: range = range(7)) -> StaffMemberRead:
    first, last = (int(t[:2]) * 60 + int(t[3:]) for t in (start, end))
    return staff.create_staff_member(StaffMemberCreate(
        location_id=location.id, name=name,
        working_hours=[WorkingHoursBase(weekday=d, start_minute=first, end_minute=last) for d in weekdays]),
        actor=OWNER)


def make_service(location: LocationRead, code: str = 'SHCW', name: str = "Women's cut", *,
                 minutes: int | None = 45, price_cents: int = 8200) -> ServiceRead:
    return catalog.create_service(ServiceCreate(location_id=location.id, code=code, name=name, category='STYLE',
                                                price_cents=price_cents, duration_minutes=minutes), actor=OWNER)


def make_customer(location: LocationRead, name: str = 'Alex Kim', phone: str = '416-555-0101') -> CustomerRead:
    return customers.create_customer(CustomerCreate(location_id=location.id, name=name, phone=phone), actor=OWNER)


def at(day: date, hhmm: str, time_zone: str = TZ) -> datetime:
    """``day`` at local ``hhmm`` as an aware UTC datetime."""
    return clock.local_datetime(day, int(hhmm[:2]) * 60 + int(hhmm[3:]), time_zone)


def make_booking(location: LocationRead, staff_member: StaffMemberRead, service: ServiceRead,
                 customer: CustomerRead | None, starts_at: datetime, *, by: UserRead = OWNER,
                 channel: Channel = Channel.PHONE, override_hours: bool = False) -> BookingRead:
    return bookings.create_booking(BookingCreate(
        location_id=location.id, customer_id=customer.id if customer else None, service_id=service.id,
        staff_member_id=staff_member.id, starts_at=starts_at, channel=channel, override_hours=override_hours),
        actor=by)


def make_product(location: LocationRead, code: str = 'SHAM', name: str = 'Shampoo', *, stock: int = 5,
                 minimum: int = 0) -> int:
    """A retail product with ``stock`` on hand (its opening movement); returns its id."""
    return catalog.save_product(None, actor=OWNER, location_id=location.id, code=code, name=name, price_cents=1500,
                                opening_stock=stock, stock_minimum=minimum).id


def make_small_shop(password: str) -> LocationRead:
    """The shop of the browser and cluster tests: JJ, a women's cut, the customer Sam Lee, and the accounts
    ``staff@shop.test`` and ``manager@shop.test`` with ``password``."""
    location = make_location()
    make_staff_member(location, 'JJ')
    make_service(location)
    make_customer(location, 'Sam Lee', '416-555-0102')
    for role in (Role.STAFF, Role.MANAGER):
        users.create_user(f'{role.value}@shop.test', password, role=role, location_id=location.id, actor=OWNER)
    return location
