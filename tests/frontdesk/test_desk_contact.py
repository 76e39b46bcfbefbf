"""Issue 30 §1 at the desk: a new customer's contact read the location's way (a Kenyan '0712 345 678' is
+254712345678), consent and preferred channel stored, an unreadable number refused with nothing written, duplicates
found by E.164 phone or e-mail, and one rule (``messaging.reach``) for who can be reached, which the outbox, the
desk's lists and the dashboard all follow."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from app.models import (
    Booking,
    BookingCreate,
    Channel,
    Customer,
    CustomerCreate,
    Message,
    MessageStatus,
    Role,
    Template,
)
from app.services import clock, events
from app.services.catalogue import locations
from app.services.customers import customers, records
from app.services.database import session_scope
from app.services.errors import ValidationError
from app.services.frontdesk import booking_contact, bookings, dashboard
from app.services.messaging import outbox, reach
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

DAY = date(2030, 3, 4)  # a Monday
TOMORROW = date(2030, 3, 5)
NAIROBI = 'Africa/Nairobi'


@pytest.fixture
def shop(db, shop_clock):
    location = make_location('Nairobi salon', time_zone=NAIROBI)
    location = locations.update_location(location.id, {**locations.settings_of(location).model_dump(mode='json'),
                                                       'country': 'KE'}, actor=OWNER)
    shop_clock(clock.local_datetime(DAY, 8 * 60, NAIROBI))  # Monday 08:00 in Nairobi
    return {'location': location, 'member': make_staff_member(location, start='08:00', end='20:00'),
            'service': make_service(location)}


def book_new(shop, starts_at, **customer) -> int:
    data = BookingCreate(location_id=shop['location'].id, customer_id=None, service_id=shop['service'].id,
                         staff_member_id=shop['member'].id, starts_at=starts_at, channel=Channel.PHONE)
    return bookings.create_booking(data, actor=actor(Role.STAFF, shop['location'].id), new_customer=CustomerCreate(
        location_id=shop['location'].id, **customer)).id


def counts() -> tuple[int, int]:
    with session_scope() as session:
        return (session.exec(select(func.count()).select_from(Customer)).one(),
                session.exec(select(func.count()).select_from(Booking)).one())


def customer_of(booking_id: int) -> Customer:
    with session_scope() as session:
        return session.get(Customer, session.get(Booking, booking_id).customer_id)


def test_a_local_kenyan_number_is_stored_in_e164_with_consent_and_preferred_channel(shop):
    booking_id = book_new(shop, at(TOMORROW, '14:00', NAIROBI), name='Wanjiku Kamau', phone='0712 345 678',
                          email='Wanjiku@Example.com', preferred_channel='sms', consent={'sms': True, 'email': False})
    customer = customer_of(booking_id)
    assert (customer.phone, customer.phone_e164) == ('0712 345 678', '+254712345678')
    assert customer.email == 'Wanjiku@Example.com'
    assert customer.preferred_channel == 'sms'
    assert customer.consent == {'sms': DAY.isoformat()}  # consent dated the day given; e-mail not given


@pytest.mark.parametrize(('phone', 'email', 'field'), [('12', '', 'phone'), ('0712 345 678 999 999', '', 'phone'),
                                                       ('', 'not an address', 'email')])
def test_an_unreadable_number_or_address_is_refused_naming_the_field_and_changes_nothing(shop, phone, email, field):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        book_new(shop, at(TOMORROW, '14:00', NAIROBI), name='Otieno', phone=phone, email=email)
    assert refused.value.field == field
    assert (phone or email)[:5] in str(refused.value)  # the message quotes what was typed
    assert counts() == before


def test_duplicates_are_found_by_the_phone_in_any_spelling_or_the_email(shop):
    first = customer_of(book_new(shop, at(TOMORROW, '14:00', NAIROBI), name='Wanjiku Kamau', phone='0712 345 678',
                                 email='wanjiku@example.com'))
    desk = actor(Role.STAFF, shop['location'].id)
    for phone, email in (('+254 712 345678', ''), ('0712-345-678', ''), ('', 'WANJIKU@example.com')):
        assert [c.id for c in customers.matching(shop['location'].id, phone=phone, email=email, actor=desk)] == [
            first.id]
    assert customers.matching(shop['location'].id, phone='0712 345 679', email='other@example.com', actor=desk) == []
    assert customers.matching(shop['location'].id, phone='12', actor=desk) == []  # unreadable: no match
    elsewhere = make_location('Kigali spa', time_zone='Africa/Kigali')
    make_customer(elsewhere, 'Wanjiku Kamau', '+254712345678')
    assert len(customers.matching(shop['location'].id, phone='0712345678', actor=desk)) == 1  # not the other shop's


def test_the_reach_rule(shop, twilio):
    location = shop['location']

    def who(**contact):
        return type('C', (), {'email': '', 'phone_e164': '', 'preferred_channel': '', 'erased_at': None,
                              'merged_into': None, **contact})()

    def channels(customer, sms=True, email=True):
        return [c.value for c, _ in reach.channels(customer, email_messages=email, sms_messages=sms,
                                                   sms_provider=location.sms_provider)]

    assert channels(who()) == []
    assert channels(who(phone_e164='+254712345678')) == ['sms']
    assert channels(who(phone_e164='+254712345678'), sms=False) == []
    assert channels(who(email='a@example.com'), email=False) == []
    both = who(email='a@example.com', phone_e164='+254712345678')
    assert channels(both) == ['email', 'sms']
    assert channels(who(email='a@example.com', phone_e164='+254712345678', preferred_channel='sms')) == ['sms']
    assert channels(who(email='a@example.com', preferred_channel='sms')) == ['email']  # preferred one not there
    assert channels(who(email='a@example.com', erased_at=DAY)) == []


def test_the_rule_in_sql_finds_the_same_bookings_as_the_rule_in_python_on_every_combination(shop, twilio):
    """``reach.not_reached`` (a day's bookings in one statement, for the day view and the dashboard) against
    ``reach.channels`` (what the outbox queues by): every customer contact × every location's channels and provider
    (Twilio set up, Africa's Talking not)."""
    import itertools
    from datetime import datetime, timedelta

    from app.models import Location
    location = shop['location']
    member = make_staff_member(location, 'Night shift', start='00:00', end='23:59')
    quick = make_service(location, 'QCK', 'Quick look', minutes=5)
    states = ('live', 'erased', 'merged')
    contacts = list(itertools.product(('', 'a@example.com'), ('', '+254712345678'), ('', 'sms', 'email'), states))
    other = make_customer(location, 'Kept', '')
    booked: dict[int, tuple] = {}
    for number, contact in enumerate(contacts):
        customer = make_customer(location, f'Customer {number}', '')
        booking = make_booking(location, member, quick, customer,
                               at(TOMORROW, '01:00', NAIROBI) + timedelta(minutes=15 * number))
        booked[booking.id] = contact
        email, phone, preferred, state = contact
        with session_scope(write=True) as session:
            row = session.get(Customer, customer.id)
            row.email, row.phone_e164, row.preferred_channel = email, phone, preferred
            row.erased_at = datetime(2030, 1, 1, tzinfo=clock.UTC) if state == 'erased' else None
            row.merged_into = other.id if state == 'merged' else None
    desk = actor(Role.STAFF, location.id)
    start, end = clock.day_bounds(TOMORROW, NAIROBI)
    sizes = []
    for email_messages, sms_messages, provider in itertools.product((True, False), (True, False),
                                                                     ('twilio', 'africastalking')):
        with session_scope(write=True) as session:
            row = session.get(Location, location.id)
            row.email_messages, row.sms_messages, row.sms_provider = email_messages, sms_messages, provider
        expected = set()
        for booking_id, (email, phone, preferred, state) in booked.items():
            who = type('C', (), {'email': email, 'phone_e164': phone, 'preferred_channel': preferred,
                                 'erased_at': DAY if state == 'erased' else None,
                                 'merged_into': other.id if state == 'merged' else None})()
            if not reach.channels(who, email_messages=email_messages, sms_messages=sms_messages,
                                  sms_provider=provider):
                expected.add(booking_id)
        settings = (email_messages, sms_messages, provider)
        assert reach.unreachable_bookings(location.id, list(booked), actor=desk) == expected, settings
        assert reach.unreachable_between(location.id, start, end, actor=desk) == expected, settings
        assert reach.unreachable_between(location.id, start, end, actor=desk, staff_member_id=member.id) == expected
        assert reach.unreachable_between(location.id, start, end, actor=desk,
                                         staff_member_id=shop['member'].id) == set()
        listed = reach.unreached(location.id, start=start, end=end, actor=desk)
        assert {b.booking_id for b in listed} == expected, settings
        with session_scope() as session:  # what the dashboard counts: the same rule, counted by the database
            assert reach.unreached_count(session, location.id, start=start, end=end) == len(listed), settings
        sizes.append(len(expected))
    # 24 erased or merged always; of the 12 others, those with neither (3), without the one channel there (6),
    # everyone when no channel is (36): each part of the rule makes a difference somewhere
    assert sorted(set(sizes)) == [27, 30, 36]


def test_a_phone_reaches_no_one_without_an_sms_provider(shop):
    location = shop['location']
    customer = type('C', (), {'email': '', 'phone_e164': '+254712345678', 'preferred_channel': '',
                              'erased_at': None, 'merged_into': None})()
    assert reach.channels(customer, email_messages=True, sms_messages=True,
                          sms_provider=location.sms_provider) == []


def test_unreached_bookings_are_listed_and_counted_and_get_no_messages(shop):
    location, desk = shop['location'], actor(Role.STAFF, shop['location'].id)
    silent = book_new(shop, at(TOMORROW, '14:00', NAIROBI), name='No Contact')
    mailed = book_new(shop, at(TOMORROW, '15:00', NAIROBI), name='Has Mail', email='mail@example.com')
    walk_in = make_booking(location, shop['member'], shop['service'], None, at(TOMORROW, '16:00', NAIROBI),
                           channel=Channel.WALK_IN).id
    assert reach.unreachable_bookings(location.id, [silent, mailed, walk_in], actor=desk) == {silent}
    start, end = clock.day_bounds(TOMORROW, NAIROBI)
    assert [b.booking_id for b in reach.unreached(location.id, start=start, end=end, actor=desk)] == [silent]
    assert dashboard.compute_summary(location.id, DAY).unreached_this_week == 1
    with session_scope() as session:  # the outbox follows the same rule: nothing queued for the silent one
        assert session.exec(select(Message).where(Message.booking_id == silent)).all() == []
        assert session.exec(select(Message).where(Message.booking_id == mailed)).all() != []


def test_a_contact_added_from_the_booking_queues_its_reminders_and_clears_the_flag(shop):
    location, desk = shop['location'], actor(Role.STAFF, shop['location'].id)
    silent = book_new(shop, at(TOMORROW, '14:00', NAIROBI), name='No Contact')
    saved = booking_contact.change_contact(silent, {'phone': '0722 000 111', 'email': 'late@example.com',
                                                    'preferred_channel': 'email', 'consent': {'email': True}},
                                           actor=desk)
    assert (saved.phone_e164, saved.email, saved.preferred_channel) == ('+254722000111', 'late@example.com', 'email')
    assert saved.consent == {'email': DAY.isoformat()}
    assert reach.unreachable_bookings(location.id, [silent], actor=desk) == set()
    assert dashboard.compute_summary(location.id, DAY).unreached_this_week == 0
    with session_scope() as session:
        queued = session.exec(select(Message).where(Message.booking_id == silent,
                                                    Message.status == MessageStatus.QUEUED.value)).all()
    assert sorted((m.template, m.channel, m.to_address) for m in queued) == [  # the confirmation it never had, and
        (Template.CONFIRMATION.value, 'email', 'late@example.com')] + [  # the reminders 24 h and 2 h before
        (Template.REMINDER.value, 'email', 'late@example.com')] * 2


def test_an_unreadable_number_from_the_booking_changes_nothing(shop):
    booking = book_new(shop, at(TOMORROW, '14:00', NAIROBI), name='Kept', phone='0712 345 678')
    with pytest.raises(ValidationError) as refused:
        booking_contact.change_contact(booking, {'phone': '07', 'email': 'new@example.com'},
                                       actor=actor(Role.STAFF, shop['location'].id))
    assert refused.value.field == 'phone'
    customer = customer_of(booking)
    assert (customer.phone_e164, customer.email) == ('+254712345678', '')


def _booking_messages(booking_id: int) -> list[Message]:
    with session_scope() as session:
        return list(session.exec(select(Message).where(Message.booking_id == booking_id).order_by(Message.id)).all())


def _set_status(message_id: int, status: MessageStatus) -> None:
    with session_scope(write=True) as session:
        message = session.get(Message, message_id)
        message.status = status.value
        session.add(message)


def test_a_corrected_contact_redirects_queued_messages_and_withdraws_those_of_a_channel_it_removes(shop, twilio):
    desk = actor(Role.STAFF, shop['location'].id)
    booking = book_new(shop, at(TOMORROW, '14:00', NAIROBI), name='Wanjiku Kamau', phone='0712 345 678',
                       email='old@example.com')
    with session_scope(write=True) as session:  # a high no-show risk: one more reminder on each channel
        assert outbox.extra_reminder(session, booking, now=clock.now()) == 2
    before = _booking_messages(booking)
    sent_mail = next(m for m in before if m.channel == 'email' and m.template == Template.CONFIRMATION.value)
    sending_sms = next(m for m in before if m.channel == 'sms' and m.template == Template.CONFIRMATION.value)
    _set_status(sent_mail.id, MessageStatus.SENT)
    _set_status(sending_sms.id, MessageStatus.SENDING)

    booking_contact.change_contact(booking, {'phone': '0712 345 678', 'email': 'new@example.com',
                                             'preferred_channel': 'email'}, actor=desk)
    after = {m.id: m for m in _booking_messages(booking)}
    # what was sent or is being sent is as it was
    assert (after[sent_mail.id].status, after[sent_mail.id].to_address) == ('sent', 'old@example.com')
    assert (after[sending_sms.id].status, after[sending_sms.id].to_address) == ('sending', '+254712345678')
    queued = [m for m in after.values() if m.status == MessageStatus.QUEUED.value]
    # the e-mail reminders (24 h, 2 h and the no-show-risk one) go to the corrected address …
    assert sorted((m.channel, m.to_address, (m.dedupe_key or '').split(':')[0]) for m in queued) == [
        ('email', 'new@example.com', 'reminder'), ('email', 'new@example.com', 'reminder'),
        ('email', 'new@example.com', 'risk-reminder')]
    # … and every SMS still queued, the no-show-risk one too, is withdrawn: the customer now prefers e-mail
    withdrawn = [m for m in after.values() if m.channel == 'sms' and m.status == MessageStatus.CANCELLED.value]
    assert sorted((m.dedupe_key or '').split(':')[0] for m in withdrawn) == ['reminder', 'reminder',
                                                                           'risk-reminder']
    assert all('no longer reached' in m.last_error for m in withdrawn)

    # SMS preferred again (e-mail dropped): the SMS reminders come back, the e-mail ones are withdrawn
    booking_contact.change_contact(booking, {'phone': '0733 000 222', 'email': '', 'preferred_channel': 'sms'},
                                   actor=desk)
    queued = [m for m in _booking_messages(booking) if m.status == MessageStatus.QUEUED.value]
    assert sorted((m.channel, m.to_address) for m in queued) == [('sms', '+254733000222')] * 2


def test_editing_a_customer_re_plans_their_upcoming_bookings_and_announces_them(shop, twilio):
    desk = actor(Role.STAFF, shop['location'].id)
    silent = book_new(shop, at(TOMORROW, '14:00', NAIROBI), name='No Contact')
    later = book_new(shop, at(TOMORROW, '16:00', NAIROBI), name='Other')
    customer = customer_of(silent)
    with session_scope(write=True) as session:  # the same customer's second booking
        session.get(Booking, later).customer_id = customer.id
    assert reach.unreachable_bookings(shop['location'].id, [silent, later], actor=desk) == {silent, later}
    heard = []
    events.subscribe(heard.append)
    try:
        records.update_customer(customer.id, {'name': customer.name, 'email': 'found@example.com'}, actor=desk)
    finally:
        events.unsubscribe(heard.append)
    assert {e.booking_id for e in heard if isinstance(e, events.BookingChanged)} == {silent, later}
    assert reach.unreachable_bookings(shop['location'].id, [silent, later], actor=desk) == set()
    assert dashboard.compute_summary(shop['location'].id, DAY).unreached_this_week == 0
    for booking in (silent, later):
        queued = [m for m in _booking_messages(booking) if m.status == MessageStatus.QUEUED.value]
        assert sorted((m.template, m.channel, m.to_address) for m in queued) == [
            (Template.CONFIRMATION.value, 'email', 'found@example.com')] + [
            (Template.REMINDER.value, 'email', 'found@example.com')] * 2

    # a corrected address on the Customers page: the queued messages follow it; the phone preferred instead (the
    # unsent e-mail confirmation is withdrawn and one goes by SMS)
    records.update_customer(customer.id, {'name': customer.name, 'email': 'right@example.com',
                                          'phone': '0712 345 678', 'preferred_channel': 'sms'}, actor=desk)
    queued = [m for m in _booking_messages(silent) if m.status == MessageStatus.QUEUED.value]
    assert sorted((m.channel, m.to_address) for m in queued) == [('sms', '+254712345678')] * 3
    records.update_customer(customer.id, {'name': customer.name, 'email': 'right@example.com',
                                          'phone': '0712 345 678', 'preferred_channel': ''}, actor=desk)
    queued = [m for m in _booking_messages(silent) if m.status == MessageStatus.QUEUED.value]
    assert sorted((m.channel, m.to_address) for m in queued) == [('email', 'right@example.com')] * 2 + [
        ('sms', '+254712345678')] * 3  # still one confirmation: the SMS one queued


def test_a_booking_made_without_contact_is_confirmed_once_when_a_contact_is_added(shop, shop_clock):
    desk = actor(Role.STAFF, shop['location'].id)
    earlier = book_new(shop, at(DAY, '09:00', NAIROBI), name='No Contact')
    customer = customer_of(earlier)
    ahead = book_new(shop, at(TOMORROW, '14:00', NAIROBI), name='Other')
    with session_scope(write=True) as session:  # the same customer's booking tomorrow
        session.get(Booking, ahead).customer_id = customer.id
    shop_clock(clock.local_datetime(DAY, 11 * 60, NAIROBI))  # the 09:00 booking is past

    def confirmations(booking_id: int) -> list[tuple[str, str, str]]:
        return [(m.status, m.channel, m.to_address) for m in _booking_messages(booking_id)
                if m.template == Template.CONFIRMATION.value]

    assert confirmations(earlier) == confirmations(ahead) == []
    records.update_customer(customer.id, {'name': customer.name, 'email': 'found@example.com'}, actor=desk)
    assert confirmations(ahead) == [('queued', 'email', 'found@example.com')]
    assert confirmations(earlier) == []  # not for a booking already past
    records.update_customer(customer.id, {'name': customer.name, 'email': 'right@example.com'}, actor=desk)
    assert confirmations(ahead) == [('queued', 'email', 'right@example.com')]  # the same one, redirected
    (confirmation,) = [m for m in _booking_messages(ahead) if m.template == Template.CONFIRMATION.value]
    _set_status(confirmation.id, MessageStatus.SENT)
    records.update_customer(customer.id, {'name': customer.name, 'email': 'right@example.com',
                                          'phone': '0712 345 678'}, actor=desk)
    assert confirmations(ahead) == [('sent', 'email', 'right@example.com')]  # never twice
