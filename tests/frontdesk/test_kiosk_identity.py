"""At the kiosk a phone number or a booking's number is never identity (service level; the screens are in
tests/frontdesk/test_kiosk.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.models import Role
from app.models.booking import CODE_ALPHABET, CODE_LENGTH
from app.services.customers import chat, customers
from app.services.errors import ValidationError
from app.services.frontdesk import availability, bookings, kiosk
from tests.factories import (
    OWNER,
    actor,
    at,
    make_booking,
    make_customer,
    make_location,
    make_service,
    make_staff_member,
)

DAY = date(2030, 3, 4)
NOON = datetime(2030, 3, 4, 12, tzinfo=UTC)


@pytest.fixture
def desk(db):
    location = make_location(time_zone='UTC')
    member, service = make_staff_member(location, start='06:00', end='23:00'), make_service(location)
    alex, sam = make_customer(location), make_customer(location, 'Sam Lee', '416-555-0102')
    made = [make_booking(location, member, service, who, at(DAY, f'{hour:02d}:00', 'UTC'))
            for hour, who in zip(range(13, 19), [alex, sam] * 3, strict=True)]
    return location, actor(Role.KIOSK, location.id), alex, sam, made


def test_booking_codes_are_random_and_unrelated_to_booking_numbers(desk):
    location, device, _alex, _sam, made = desk
    codes = [b.code for b in made]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    for booking in made:  # its number, its neighbours' numbers, and the old "B-<number>" form open nothing
        for guess in (str(booking.id), f'B-{booking.id}', f'B-{booking.id + 1}', f'b {booking.id - 1}'):
            assert kiosk.todays_bookings(location.id, guess, actor=device, now=NOON) == []
    shown = kiosk.todays_bookings(location.id, kiosk.booking_code(made[0]).lower().replace('-', ' '), actor=device,
                                  now=NOON)
    assert [(b.id, b.customer_name) for b in shown] == [(made[0].id, 'Alex')]  # first name only


def test_codes_are_read_forgivingly_but_only_as_codes():
    assert kiosk.parse_code('b-7kq2m-9xd4p') == '7KQ2M9XD4P'
    assert kiosk.parse_code('7KQ2M 9XD4P') == '7KQ2M9XD4P'
    assert kiosk.parse_code('OIL00-11111') == '0110011111'  # O as 0, I and L as 1
    assert kiosk.parse_code('B-123') is None
    assert kiosk.parse_code('7KQ2M9XD4U') is None  # U is not in the alphabet
    assert kiosk.parse_code('') is None


def test_a_phone_number_alone_finds_nothing_and_a_wrong_name_neither(desk):
    location, device, _alex, _sam, made = desk
    assert kiosk.todays_bookings(location.id, '416 555 0101', actor=device, now=NOON) == []
    assert kiosk.todays_bookings(location.id, '416 555 0101', name='Sam', actor=device, now=NOON) == []
    assert kiosk.todays_bookings(location.id, '416 555 0101', name='Alex Lee', actor=device, now=NOON) == []
    assert kiosk.upcoming(location.id, '4165550101', actor=device, now=NOON) == []
    found = kiosk.todays_bookings(location.id, '(416) 555-0101', name='  alex ', actor=device, now=NOON)
    assert [b.id for b in found] == [b.id for b in made if b.customer_name == 'Alex Kim']
    assert {b.customer_name for b in found} == {'Alex'}
    assert [b.id for b in kiosk.upcoming(location.id, '416-555-0101', name='Alex Kim', actor=device, now=NOON)] == \
        [b.id for b in found]


@pytest.mark.parametrize(('typed', 'recorded', 'same'), [
    ('Alex', 'Alex Kim', True), ('alex kim', 'Alex Kim', True), ('ÁLEX', 'Alex Kim', True),
    ('José', 'Jose Ortiz', True), ('Alexander', 'Alex Kim', False), ('Kim', 'Alex Kim', False),
    ('Alex Lee', 'Alex Kim', False), ('', 'Alex Kim', False), ('!!', 'Alex Kim', False),
    ('мария', 'Мария Иванова', True), ('李', '李 明', True), ('Zoë', 'Zoe Smith', True), ('Mary', 'Мария', False),
])
def test_same_person(typed, recorded, same):
    assert kiosk.same_person(typed, recorded) is same


def test_another_name_with_a_known_number_is_not_filed_under_that_customer(desk):
    location, device, alex, _sam, _made = desk
    service = make_service(location, 'TRIM', 'Trim', minutes=15)
    slots = availability.free_slots(location.id, service.id, DAY + timedelta(days=1), actor=device,
                                    now=NOON - timedelta(days=1))
    booking = kiosk.book(location.id, service.id, slots[0], name='Jordan Park', phone='416 555 0101', actor=device)
    assert booking.customer_id != alex.id and booking.customer_name == 'Jordan Park'
    jordan = customers.get_customer(booking.customer_id, actor=OWNER)
    assert f'phone number on file for {alex.code}' in jordan.notes  # the desk is told to check
    assert bookings.list_bookings(location.id, actor=OWNER, customer_id=alex.id,
                                  start=at(DAY + timedelta(days=1), '00:00', 'UTC')) == []
    again = kiosk.book(location.id, service.id, slots[1], name='alex', phone='4165550101', actor=device)
    assert again.customer_id == alex.id  # the same number with the same first name is Alex


def test_too_long_names_and_numbers_are_field_errors(desk):
    location, device, _alex, _sam, _made = desk
    service = make_service(location, 'TRIM', 'Trim', minutes=15)
    slot = availability.free_slots(location.id, service.id, DAY + timedelta(days=1), actor=device,
                                   now=NOON - timedelta(days=1))[0]
    with pytest.raises(ValidationError, match='at most 200 characters') as raised:
        kiosk.book(location.id, service.id, slot, name='N' * 300, phone='416 555 0177', actor=device)
    assert raised.value.field == 'name'
    with pytest.raises(ValidationError) as raised:
        kiosk.book(location.id, service.id, slot, name='Kai', phone='4' * 60, actor=device)
    assert raised.value.field == 'phone'


def test_the_kiosk_chat_never_opens_a_customers_conversation(desk):
    location, device, _alex, sam, _made = desk
    own = chat.open_conversation(sam.id, actor=OWNER)
    chat.send_as_staff(own.id, 'Your colour formula: 7N + 20 vol', actor=OWNER)
    visit = kiosk.visitor_chat(location.id, name='Sam', phone='416 555 0102', actor=device)
    assert (visit.customer_id, visit.id) == (None, visit.id) and visit.id != own.id
    assert visit.access_token != own.access_token
    assert chat.customer_messages(visit.access_token) == []  # nothing of Sam's history
    chat.send_as_customer(visit.access_token, 'Running late')
    assert [m.body for m in chat.staff_messages(own.id, actor=OWNER)] == ['Your colour formula: 7N + 20 vol']
    listed = {c.id: c.customer_name for c in chat.conversations(location.id, actor=OWNER)}
    assert listed[visit.id] == 'Sam (at the kiosk, unverified, 416 555 0102)'
    assert listed[own.id] == 'Sam Lee'
    with pytest.raises(ValidationError, match='at least 7 digits'):
        kiosk.visitor_chat(location.id, name='Sam', phone='12', actor=device)


def test_a_visitors_name_and_number_are_checked(desk):
    location, device, *_ = desk
    with pytest.raises(ValidationError) as raised:
        kiosk.visitor_chat(location.id, name='N' * 300, phone='416 555 0102', actor=device)
    assert raised.value.field == 'name'
    with pytest.raises(ValidationError) as raised:
        kiosk.visitor_chat(location.id, name='   ', phone='416 555 0102', actor=device)
    assert raised.value.field == 'name'
    with pytest.raises(ValidationError) as raised:
        kiosk.visitor_chat(location.id, name='Sam', phone='4' * 60, actor=device)
    assert raised.value.field == 'phone'


def test_codes_made_in_bulk_for_an_import_are_as_random_as_one_at_a_time():
    from collections import Counter

    from app.models.booking import new_booking_codes
    codes = new_booking_codes(20_000)
    assert len(codes) == 20_000 and all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert len(set(codes)) == len(codes)  # 50 bits each: a repeat in 20,000 has odds of about 1 in 6 million
    # every symbol equally likely in every place: 200,000 symbols, 6,250 expected each; a chi-square of the 32
    # counts above 80 (31 degrees of freedom) happens by chance about once in 200,000 runs
    counts = Counter(''.join(codes))
    assert set(counts) == set(CODE_ALPHABET)
    assert sum((n - 6250) ** 2 / 6250 for n in counts.values()) < 80
