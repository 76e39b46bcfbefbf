"""A customer's record: phones read in any spelling, details saved field by field, duplicates merged without losing a
booking, a receipt or a message, and erasure that forgets the person but not the figures."""

from __future__ import annotations

from datetime import date

import pytest

from app.models import BookingStatus, PaymentMethod, Role
from app.services.catalogue import locations
from app.services.customers import chat, customers, phones, records
from app.services.errors import PermissionDeniedError, ValidationError
from app.services.frontdesk import bookings
from app.services.money import receipts
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
pytestmark = pytest.mark.usefixtures('shop_clock')


@pytest.fixture
def shop(db):
    location = make_location()
    location = locations.update_location(location.id, {**locations.settings_of(location).model_dump(mode='json'),
                                                       'country': 'CA'}, actor=OWNER)
    return {'location': location, 'jj': make_staff_member(location), 'cut': make_service(location)}


def test_phones_are_read_in_any_spelling():
    assert phones.e164('(416) 555-0101', 'CA') == phones.e164('416.555.0101', 'CA') == '+14165550101'
    assert phones.e164('+44 20 7946 0958', 'CA') == '+442079460958'
    assert phones.e164('12', 'CA') == '' and phones.e164('call me', 'CA') == ''
    assert phones.digits_of('416 555-0101') == '4165550101' and phones.digits_of('Alex') == ''


def test_details_are_saved_and_a_customer_is_found_by_any_spelling_of_their_phone(shop):
    alex = make_customer(shop['location'], 'Alex Kim', '416-555-0101')
    for spelling in ('(416) 555 0101', '+1 416 555 0101', '4165550101'):
        assert [c.id for c in customers.search_customers(shop['location'].id, spelling, actor=OWNER)] == [alex.id]
    desk = actor(Role.STAFF, shop['location'].id)
    saved = records.update_customer(alex.id, {
        'name': 'Alex Kim', 'phone': '+1 (416) 555-0199', 'birthday': '1990-05-17', 'alerts': 'Allergic to latex',
        'tags': ['VIP', 'VIP', ' colour '], 'consent': {'sms': True, 'email': False}},
        actor=desk, today=date(2030, 3, 1))
    assert (saved.phone_e164, saved.tags, saved.consent) == ('+14165550199', ['VIP', 'colour'], {'sms': '2030-03-01'})
    with pytest.raises(ValidationError) as bad:
        records.update_customer(alex.id, {'name': 'Alex Kim', 'phone': '55'}, actor=desk)
    assert bad.value.field == 'phone'
    assert customers.get_customer(alex.id, actor=OWNER).phone_e164 == '+14165550199'  # nothing saved
    with pytest.raises(ValidationError) as unknown:
        records.update_customer(alex.id, {'name': 'Alex Kim', 'consent': {'pigeon': True}}, actor=desk)
    assert unknown.value.field == 'consent'


def test_a_merge_keeps_every_booking_receipt_and_message(shop):
    location = shop['location']
    alex = make_customer(location, 'Alex Kim', '416-555-0101')
    twin = make_customer(location, 'Alex  Kim', '(416) 555 0101')  # the same person, typed again
    assert [[c.id for c in group] for group in records.duplicates(location.id, actor=OWNER)] == [[alex.id, twin.id]]
    mine = make_booking(location, shop['jj'], shop['cut'], alex, at(DAY, '10:00'))
    theirs = make_booking(location, shop['jj'], shop['cut'], twin, at(DAY, '11:00'))
    bookings.set_status(theirs.id, BookingStatus.CHECKED_IN, actor=OWNER)
    receipts.pay_booking(theirs.id, payment_method=PaymentMethod.CARD, actor=OWNER, as_of=at(DAY, '11:50'))
    for person, text in ((alex, 'See you Monday'), (twin, 'Can I come earlier?')):
        chat.send_as_customer(chat.open_conversation(person.id, actor=OWNER).access_token, text)
    before = {key: records.counts(alex.id)[key] + records.counts(twin.id)[key] for key in records.counts(alex.id)}

    kept = records.merge_customers(alex.id, twin.id, actor=actor(Role.STAFF, location.id))
    assert records.counts(alex.id) == before and sum(records.counts(twin.id).values()) == 0
    assert before == {'bookings': 2, 'receipts': 1, 'messages': 2, 'waitlist': 0}
    assert {b.customer_id for b in bookings.list_bookings(location.id, actor=OWNER)} == {kept.id}
    assert [c.id for c in customers.search_customers(location.id, 'Kim', actor=OWNER)] == [alex.id]  # twin hidden
    assert records.duplicates(location.id, actor=OWNER) == []
    assert mine.id in {b.id for b in bookings.list_bookings(location.id, actor=OWNER, customer_id=alex.id)}


def test_erasure_forgets_the_person_and_keeps_the_figures(shop):
    location = shop['location']
    alex = make_customer(location, 'Alex Kim', '416-555-0101')
    booking = make_booking(location, shop['jj'], shop['cut'], alex, at(DAY, '10:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    receipts.pay_booking(booking.id, payment_method=PaymentMethod.CARD, actor=OWNER, as_of=at(DAY, '10:50'))
    conversation = chat.open_conversation(alex.id, actor=OWNER)
    chat.send_as_customer(conversation.access_token, 'My address is 1 Queen St')
    takings = sum(r.amount_cents for r in receipts.list_receipts(location.id, actor=OWNER))
    with pytest.raises(PermissionDeniedError):
        records.erase_customer(alex.id, actor=actor(Role.STAFF, location.id))

    erased = records.erase_customer(alex.id, actor=actor(Role.MANAGER, location.id))
    personal = (erased.name, erased.phone, erased.phone_e164, erased.email, erased.notes, erased.alerts,
                erased.birthday, erased.tags, erased.consent)
    assert personal == (records.ERASED_NAME, '', '', '', '', '', None, [], {})
    assert sum(r.amount_cents for r in receipts.list_receipts(location.id, actor=OWNER)) == takings
    assert [b.id for b in bookings.list_bookings(location.id, actor=OWNER)] == [booking.id]
    assert customers.search_customers(location.id, '416', actor=OWNER) == []
    assert all(m.body == '' for m in chat.staff_messages(conversation.id, actor=OWNER))


def test_the_list_filters_by_tag_exactly_on_both_databases(db):
    location = make_location()
    tagged = {'Ann Lee': ['VIP', 'colour_50%'], 'Bo Ray': ['VIP2'], 'Cy Moe': ['"quoted"'], 'Di Fox': []}
    for number, (name, tags) in enumerate(tagged.items()):
        person = make_customer(location, name, f'416-555-01{number:02d}')
        records.update_customer(person.id, {'name': name, 'phone': person.phone, 'tags': tags}, actor=OWNER)
    assert customers.tags_in_use(location.id, actor=OWNER) == ['"quoted"', 'colour_50%', 'VIP', 'VIP2']
    found = {tag: [c.name for c in customers.search_customers(location.id, actor=OWNER, tag=tag)]
             for tag in ('VIP', 'VIP2', 'colour_50%', 'colour', '"quoted"', '%', '_')}
    assert found == {'VIP': ['Ann Lee'], 'VIP2': ['Bo Ray'], 'colour_50%': ['Ann Lee'], 'colour': [],
                     '"quoted"': ['Cy Moe'], '%': [], '_': []}
    assert [c.name for c in customers.search_customers(location.id, 'bo', actor=OWNER, tag='VIP')] == []
