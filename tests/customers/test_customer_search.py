"""Issue 33: the customer pickers search on the server as the desk types (customers.find_customers): name in any
case, with or without accents, words in any order; phone in any format; code; e-mail; recent customers first; a page
of results, however many customers the location has."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlmodel import select

from app.models import Customer, LocationCreate, Role
from app.services import clock, database
from app.services.catalogue import locations
from app.services.customers import customers, records
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError
from tests.conftest import use_database
from tests.factories import (
    OWNER,
    actor,
    make_booking,
    make_customer,
    make_location,
    make_service,
    make_staff_member,
)


def names(found) -> list[str]:
    return [c.name for c in found]


def test_names_match_in_any_case_with_or_without_accents_and_in_any_order(db):
    location = make_location()
    for name in ('José Núñez-Ortiz', 'Joseph Stalwart', 'Renée Straße', 'Sam Lee', "Sofia O'Brien"):
        make_customer(location, name)
    find = lambda q: set(names(customers.find_customers(location.id, q, actor=OWNER)))  # noqa: E731
    assert find('jose') == {'José Núñez-Ortiz', 'Joseph Stalwart'}
    assert find('NUNEZ josé') == find('ortiz jose') == find('núñez') == {'José Núñez-Ortiz'}
    assert find('renee strasse') == find('STRASSE') == {'Renée Straße'}
    assert find('lee sam') == {'Sam Lee'}
    assert find('obrien') == find("o'brien sof") == find('OBRI') == {"Sofia O'Brien"}
    assert find('nunezortiz') == {'José Núñez-Ortiz'}
    assert find('100%') == find("o'neil") == set()
    assert find('%_') == find('') == find('jose') | find('renee') | find('sam') | find('sofia')  # no words
    assert names(customers.search_customers(location.id, 'nunez', actor=OWNER)) == ['José Núñez-Ortiz']


def test_a_phone_in_any_format_a_code_and_an_e_mail_find_the_customer(db):
    toronto = make_location()
    sam = make_customer(toronto, 'Sam Lee', '416-555-0102')
    for typed in ('(416) 555-0102', '+1 416 555 0102', '4165550102', '555-0102', '555 01'):
        assert names(customers.find_customers(toronto.id, typed, actor=OWNER)) == ['Sam Lee'], typed
    assert names(customers.find_customers(toronto.id, sam.code.lower(), actor=OWNER)) == ['Sam Lee']
    nairobi = locations.find_or_create_location(LocationCreate(name='Nairobi', time_zone='Africa/Nairobi',
                                                               currency='KES', country='KE'))
    wanjiru = customers.create_customer(customers.CustomerCreate(location_id=nairobi.id, name='Wanjiru Kamau',
                                                                 phone='0712 345 678', email='w.kamau@mail.co.ke'),
                                        actor=OWNER)
    assert wanjiru.phone_e164 == '+254712345678'
    for typed in ('0712 345 678', '+254 712 345 678', '0712-345', '712345678', 'W.Kamau@MAIL', 'kamau'):
        assert names(customers.find_customers(nairobi.id, typed, actor=OWNER)) == ['Wanjiru Kamau'], typed


def test_recent_customers_come_first_and_a_booking_ahead_is_not_a_visit(db):
    location = make_location()
    jj, cut = make_staff_member(location, 'JJ'), make_service(location)
    now = clock.now()
    _never, last_year, yesterday, ahead = (make_customer(location, f'Kim {who}') for who in
                                          ('Never', 'Last Year', 'Yesterday', 'Ahead'))
    with session_scope(write=True) as session:  # all four were added a long time ago
        for customer in session.exec(select(Customer)).all():
            customer.created_at = now - timedelta(days=800)
    make_booking(location, jj, cut, last_year, now - timedelta(days=365), override_hours=True)
    make_booking(location, jj, cut, yesterday, now - timedelta(days=1), override_hours=True)
    make_booking(location, jj, cut, ahead, now + timedelta(days=2), override_hours=True)
    newcomer = make_customer(location, 'Kim Newcomer')  # added just now
    found = names(customers.find_customers(location.id, 'kim', actor=OWNER, now=now))
    assert found == ['Kim Newcomer', 'Kim Yesterday', 'Kim Last Year', 'Kim Ahead', 'Kim Never']
    assert names(customers.find_customers(location.id, '', actor=OWNER, now=now))[:2] == [newcomer.name,
                                                                                           'Kim Yesterday']


def test_a_page_of_results_and_the_five_thousand_and_first_customer_is_found(sqlite_db):
    # the dialogs loaded the first 5,000 customers by name (the waitlist and chat 500): the rest could not be chosen
    location = make_location()
    with session_scope(write=True) as session:
        session.add_all([Customer(location_id=location.id, code=f'C{i:05d}', name=f'Anne Customer {i:05d}')
                         for i in range(5001)])
    assert len(customers.find_customers(location.id, 'anne', actor=OWNER)) == 20
    assert len(customers.find_customers(location.id, 'anne', actor=OWNER, limit=500)) == 50  # at most 50
    assert names(customers.find_customers(location.id, 'customer 05000', actor=OWNER)) == ['Anne Customer 05000']


def test_other_locations_merged_and_erased_customers_are_not_found(db):
    here, there = make_location(), make_location('Uptown')
    sam, twin = make_customer(here, 'Sam Lee', '416-555-0102'), make_customer(here, 'Sam Lee', '416-555-0102')
    make_customer(there, 'Sam Leeway')
    assert {c.id for c in customers.find_customers(here.id, 'sam', actor=OWNER)} == {sam.id, twin.id}
    records.merge_customers(sam.id, twin.id, actor=OWNER)
    assert [c.id for c in customers.find_customers(here.id, 'sam', actor=OWNER)] == [sam.id]
    records.erase_customer(sam.id, actor=OWNER)  # the erased name is no longer searchable
    assert customers.find_customers(here.id, 'sam', actor=OWNER) == []
    assert customers.find_customers(here.id, '416 555 0102', actor=OWNER) == []
    with pytest.raises(PermissionDeniedError):
        customers.find_customers(here.id, 'sam', actor=actor(Role.STAFF, there.id))
    with pytest.raises(PermissionDeniedError):
        customers.find_customers(here.id, 'sam', actor=actor(Role.KIOSK, here.id))


def test_a_changed_name_or_e_mail_is_searched_as_changed(db):
    location = make_location()
    alex = make_customer(location, 'Alex Kim')
    records.update_customer(alex.id, {'name': 'Sandra Kimani', 'email': 'akimani@example.com'}, actor=OWNER)
    assert names(customers.find_customers(location.id, 'kimani', actor=OWNER)) == ['Sandra Kimani']
    assert names(customers.find_customers(location.id, 'akimani@', actor=OWNER)) == ['Sandra Kimani']
    assert customers.find_customers(location.id, 'alex', actor=OWNER) == []  # the old name's words went
    records.update_customer(alex.id, {'name': 'Sandra Kimani', 'email': 'akimani@example.com', 'phone': '416-555-0177',
                                      'notes': 'VIP'}, actor=OWNER)
    assert names(customers.find_customers(location.id, '555 0177', actor=OWNER)) == ['Sandra Kimani']
    assert customers.find_customers(location.id, '555 0101', actor=OWNER) == []


def test_0047_gives_customers_already_there_their_words(tmp_path):
    url = f'sqlite:///{tmp_path / "old.db"}'
    command.upgrade(database.alembic_config(url), '0046')
    use_database(url)
    location = make_location()  # the location table is as 0046 left it
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO customer (location_id, code, name, phone, email, notes, created_at) "
                                "VALUES (:location, 'NUNJ01', 'José Núñez', '', 'JN@Example.com', '', "
                                "'2026-01-01 00:00:00.000000')"),
                           {'location': location.id})
    command.upgrade(database.alembic_config(url), '0047')
    with engine.connect() as connection:
        assert set(connection.execute(text('SELECT word FROM customer_word')).scalars()) == {
            'jose', 'nunez', 'nunj01', 'jn@example.com'}
    assert names(customers.find_customers(location.id, 'nun jos', actor=OWNER)) == ['José Núñez']
    engine.dispose()
    database.reset_engines()


def test_hostile_searches_find_nothing_they_should_not_and_never_fail(db):
    location = make_location()
    make_customer(location, 'Sam Lee', '416-555-0102')
    for typed in ('x' * 100_000, '\x00sam', "sam' OR 1=1 --", '%', '_%_', '\U0010ffff', '😀 lee', '٣٤٥٦', 'ǅ' * 300,
                  ' '.join(['s'] * 5000), '+' * 50 + '4165550102', '=HYPERLINK("x")'):
        found = customers.find_customers(location.id, typed, actor=OWNER)
        assert len(found) <= 20
        listed = customers.search_customers(location.id, typed, actor=OWNER)
        assert {c.name for c in found} <= {'Sam Lee'} and {c.name for c in listed} <= {'Sam Lee'}, typed
    assert names(customers.find_customers(location.id, '\x00sam', actor=OWNER)) == ['Sam Lee']  # NUL: a space
