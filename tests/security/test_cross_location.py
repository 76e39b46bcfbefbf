"""Every service that writes checks the actor against the location of every row it writes.

Two shops, A and B. An account bound to A (manager, staff member, kiosk) tries every write into B; each
is refused (``PermissionDeniedError`` or ``NotFoundError``) and the database is exactly as before. Rows
of two locations are never mixed, whoever asks (the owner included).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from app.models import (
    BookingCreate,
    BookingMove,
    BookingStatus,
    CampaignCreate,
    Channel,
    CustomerCreate,
    DiscountCodeCreate,
    MessageChannel,
    PaymentMethod,
    ProductCreate,
    Role,
    ServiceCreate,
    StaffMemberCreate,
    Target,
    Template,
)
from app.models.schedule import ReportScheduleBase
from app.services import notifications
from app.services.accounts import users
from app.services.analytics import schedules
from app.services.backups import schedule as backup_schedule
from app.services.campaigns import campaigns
from app.services.catalogue import catalog, locations, staff
from app.services.customers import chat, customers, records, subject_access
from app.services.database import session_scope
from app.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.services.frontdesk import availability, booking_contact, bookings, kiosk, recurring, waitlist
from app.services.frontdesk.waitlist import WaitlistJoin
from app.services.imports import mapped as booking_imports
from app.services.imports import mapping
from app.services.imports import salon as imports
from app.services.messaging import feeds, outbox, sign_in_links, templates
from app.services.money import checkout, codes, deposits, mobile_money, receipts
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from tests.factories import (
    OWNER,
    actor,
    at,
    make_booking,
    make_customer,
    make_location,
    make_product,
    make_service,
    make_staff_member,
)

DAY = date(2030, 3, 4)
REFUSED = (PermissionDeniedError, NotFoundError)


def shop(name: str) -> dict:
    location = make_location(name, time_zone='UTC')
    member = make_staff_member(location, f'{name} stylist', start='06:00', end='22:00')
    service, customer = make_service(location), make_customer(location, f'{name} customer', '416 555 0101')
    booking = make_booking(location, member, service, customer, at(DAY, '10:00', 'UTC'))
    entry = waitlist.join(WaitlistJoin(location_id=location.id, customer_id=customer.id, service_id=service.id,
                                       day=DAY), actor=OWNER, today=DAY)
    conversation = chat.open_conversation(customer.id, actor=OWNER)
    slot = availability.Slot(at(DAY, '15:00', 'UTC'), member.id, member.name)
    availability.hold(location.id, service.id, slot, holder=f'{name}-screen', actor=OWNER)
    away = staff.add_time_off(member.id, DAY.replace(day=20), DAY.replace(day=20), actor=OWNER, reason='Holiday')
    with session_scope(write=True) as session:  # a message that failed, for "try again"
        message = outbox.queue(session, location_id=location.id, template=Template.REMINDER,
                               channel=MessageChannel.EMAIL, to='x@example.com', customer_id=customer.id,
                               due_at=at(DAY, '08:00', 'UTC'))
        session.execute(text(f"UPDATE message SET status = 'failed' WHERE id = {int(message)}"))
    campaign = campaigns.create_campaign(CampaignCreate(location_id=location.id, name=f'{name} spring',
                                                        target=Target(segment='at_risk'), subject='Hi', body='Hi'),
                                         actor=OWNER)
    return {'location': location, 'member': member, 'service': service, 'customer': customer, 'booking': booking,
            'message': message, 'campaign': campaign,
            'entry': entry, 'conversation': conversation, 'product': make_product(location), 'slot': slot,
            'time_off': away, **_a_sale(location, member, service),
            'account': users.create_user(f'{name.lower()}-desk@shop.test', 'a long password', role=Role.STAFF,
                                         actor=OWNER, location_id=location.id)}


def _a_sale(location, member, service) -> dict:
    """A walk-in sale with a balance left, and its line."""
    from sqlmodel import select

    from app.models import ReceiptLine
    from app.services.database import session_scope
    sale = checkout.check_out(Sale(location_id=location.id, lines=[SaleLine(service_id=service.id,
                                                                              staff_member_id=member.id)],
                                   payments=[PaymentIn(method=PaymentMethod.CARD, amount_cents=1000)]), actor=OWNER)
    with session_scope() as session:
        line = session.exec(select(ReceiptLine.id).where(ReceiptLine.receipt_id == sale.receipt_id)).one()
    return {'sale': sale, 'sale_line': line}


@pytest.fixture(scope='module')
def made(module_db) -> dict:
    """Shops A and B, made once for the module on each database kind, and every row as made."""
    return {'shops': (shop('A'), shop('B')), 'rows': snapshot()}


@pytest.fixture
def two_shops(module_db, made):
    """A and B as made: the shared database checked unchanged first (a case that wrote — one that failed, or
    ``test_marking_notifications…`` — has it made again, so no case sees another's rows)."""
    module_db.use()
    if snapshot() != made['rows']:
        module_db.fresh()
        made.update(shops=(shop('A'), shop('B')), rows=snapshot())
    return made['shops']


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (the activity log and notifications included)."""
    with session_scope() as session:
        return {name: sorted(map(tuple, session.execute(text(f'SELECT * FROM {name}')).all()), key=repr)
                for name in SQLModel.metadata.tables}


def salon_dir(tmp_path: Path) -> Path:
    folder = tmp_path / 'salon'
    folder.mkdir()
    (folder / imports.SALON_FILES['services']).write_text('IsActive,Code,Desc,Cate,Price,Cost\nTRUE,X,X,X,1,1\n')
    return folder


def mapping_file(tmp_path: Path, location_name: str) -> tuple[Path, mapping.Mapping]:
    path = tmp_path / 'bookings.csv'
    path.write_text('day\n2030-03-04 10:00\n')
    return path, mapping.parse_mapping({'fields': {'location': {'value': location_name},
                                                   'starts_at': {'column': 'day'}}})


WRITES = {  # what an account of A tries on B: (name) -> callable(who, a, b, tmp_path)
    'book': lambda who, a, b, _: bookings.create_booking(BookingCreate(
        location_id=b['location'].id, customer_id=b['customer'].id, service_id=b['service'].id,
        staff_member_id=b['member'].id, starts_at=at(DAY, '12:00', 'UTC'),
        channel=Channel.KIOSK if who.role == Role.KIOSK else Channel.PHONE), actor=who),
    'move': lambda who, a, b, _: bookings.move_booking(b['booking'].id, BookingMove(
        starts_at=at(DAY, '13:00', 'UTC')), actor=who),
    'cancel': lambda who, a, b, _: bookings.cancel_booking(b['booking'].id, actor=who),
    'confirm or check in': lambda who, a, b, _: bookings.set_status(
        b['booking'].id, BookingStatus.CHECKED_IN if who.role == Role.KIOSK else BookingStatus.CONFIRMED, actor=who),
    'add customer': lambda who, a, b, _: customers.create_customer(CustomerCreate(
        location_id=b['location'].id, name='Intruder'), actor=who),
    'add service': lambda who, a, b, _: catalog.create_service(ServiceCreate(
        location_id=b['location'].id, code='NEW', name='New', category='', price_cents=1), actor=who),
    'stock': lambda who, a, b, _: catalog.adjust_stock(b['product'], -1, reason='sold', actor=who),
    'add staff member': lambda who, a, b, _: staff.create_staff_member(StaffMemberCreate(
        location_id=b['location'].id, name='Intruder', working_hours=[]), actor=who),
    'pay': lambda who, a, b, _: receipts.pay_booking(b['booking'].id, payment_method=PaymentMethod.CASH, actor=who),
    'failed payment': lambda who, a, b, _: receipts.record_failed_payment(
        b['booking'].id, payment_method=PaymentMethod.CARD, reason='declined', actor=who),
    'open chat': lambda who, a, b, _: chat.open_conversation(b['customer'].id, actor=who),
    'send chat': lambda who, a, b, _: chat.send_as_staff(b['conversation'].id, 'hi', actor=who),
    'read chat': lambda who, a, b, _: chat.mark_read_by_staff(b['conversation'].id, actor=who),
    'kiosk chat': lambda who, a, b, _: chat.open_visitor_conversation(b['location'].id, name='X', phone='4165550101',
                                                                      actor=who),
    'join waitlist': lambda who, a, b, _: waitlist.join(WaitlistJoin(
        location_id=b['location'].id, customer_id=b['customer'].id, service_id=b['service'].id, day=DAY),
        actor=who, today=DAY),
    'book offer': lambda who, a, b, _: waitlist.book_offer(b['entry'].id, actor=who),
    'pass offer': lambda who, a, b, _: waitlist.pass_offer(b['entry'].id, actor=who),
    'remove from waitlist': lambda who, a, b, _: waitlist.remove(b['entry'].id, actor=who),
    'hold': lambda who, a, b, _: availability.hold(b['location'].id, b['service'].id, availability.Slot(
        at(DAY, '16:00', 'UTC'), b['member'].id, ''), holder='intruder', actor=who),
    'release': lambda who, a, b, _: availability.release(b['location'].id, 'B-screen', actor=who),
    'kiosk book': lambda who, a, b, _: kiosk.book(b['location'].id, b['service'].id, availability.Slot(
        at(DAY, '17:00', 'UTC'), b['member'].id, ''), name='X', phone='4165550199', actor=who),
    'kiosk check in': lambda who, a, b, _: kiosk.check_in(b['location'].id, b['booking'].id, actor=who),
    'kiosk waitlist': lambda who, a, b, _: kiosk.join_waitlist(b['location'].id, b['service'].id, DAY,
                                                               staff_member_id=None, name='X', phone='4165550199',
                                                               actor=who),
    'schedule report': lambda who, a, b, _: schedules.create_schedule(ReportScheduleBase(
        location_id=b['location'].id, frequency='daily'), actor=who),
    'import bookings': lambda who, a, b, tmp: booking_imports.import_bookings(
        *mapping_file(tmp, b['location'].name), actor=who),
    'import new location': lambda who, a, b, tmp: booking_imports.import_bookings(
        *mapping_file(tmp, 'Brand new place'), actor=who),
    'import salon': lambda who, a, b, tmp: imports.import_salon(
        salon_dir(tmp), actor=who, location=imports.SALON_LOCATION.model_copy(update={'name': b['location'].name})),
    'import salon new location': lambda who, a, b, tmp: imports.import_salon(salon_dir(tmp), actor=who),
    'create account': lambda who, a, b, _: users.create_user('x@shop.test', 'long enough', role=Role.STAFF,
                                                             location_id=b['location'].id, actor=who),
    'unlock account': lambda who, a, b, _: users.unlock(1, actor=who),
    # sign-in links and revoking (issue 30)
    'invite staff member': lambda who, a, b, _: sign_in_links.invite(
        b['member'].id, channel=MessageChannel.EMAIL, to='new@shop.test', actor=who),
    'send reset link': lambda who, a, b, _: sign_in_links.send_reset(b['account'].id, location_id=b['location'].id,
                                                                     actor=who),
    'revoke sign-in': lambda who, a, b, _: users.set_active(b['account'].id, False, actor=who),
    # the back office (issue 14)
    'location settings': lambda who, a, b, _: locations.update_location(
        b['location'].id, locations.settings_of(b['location']).model_dump(mode='json'), actor=who),
    'archive location': lambda who, a, b, _: locations.set_archived(b['location'].id, True, actor=who),
    'open a location': lambda who, a, b, _: locations.create_location(
        {**locations.settings_of(b['location']).model_dump(mode='json'), 'name': 'Third'}, actor=who),
    'edit staff member': lambda who, a, b, _: staff.update_staff_member(b['member'].id, actor=who, name='Intruder',
                                                                        working_hours=[]),
    'staff services': lambda who, a, b, _: staff.set_services(b['member'].id, None, actor=who),
    'time off': lambda who, a, b, _: staff.add_time_off(b['member'].id, DAY, DAY, actor=who),
    'take back time off': lambda who, a, b, _: staff.remove_time_off(b['time_off'].id, actor=who),
    'extra shift': lambda who, a, b, _: staff.add_extra_shift(b['member'].id, DAY, 600, 700, actor=who),
    'add services': lambda who, a, b, _: catalog.create_services([ServiceCreate(
        location_id=b['location'].id, code='', name='New', price_cents=1)], actor=who),
    'edit service': lambda who, a, b, _: catalog.update_service(
        b['service'].id, actor=who, name='Intruder', duration_minutes=30, active=False),
    'add products': lambda who, a, b, _: catalog.create_products([ProductCreate(
        location_id=b['location'].id, code='', name='New', price_cents=1, stock_on_hand=2)], actor=who),
    'add product': lambda who, a, b, _: catalog.save_product(
        None, actor=who, location_id=b['location'].id, code='X1', name='Intruder'),
    'edit product': lambda who, a, b, _: catalog.save_product(
        b['product'], actor=who, location_id=b['location'].id, code='X1', name='Intruder'),
    'check out': lambda who, a, b, _: checkout.check_out(Sale(
        location_id=b['location'].id, lines=[SaleLine(product_id=b['product'])]), actor=who),
    'check out by M-Pesa': lambda who, a, b, _: mobile_money.check_out_by_phone(Sale(
        location_id=b['location'].id, lines=[SaleLine(product_id=b['product'])]), '0712 345 678', 100, actor=who),
    'add a payment': lambda who, a, b, _: checkout.add_payment(
        b['sale'].receipt_id, PaymentIn(method=PaymentMethod.CASH, amount_cents=1), actor=who),
    'refund': lambda who, a, b, _: checkout.refund(
        b['sale'].receipt_id, {b['sale_line']: 1}, method=PaymentMethod.CASH, reason='x', actor=who),
    'take a deposit': lambda who, a, b, _: deposits.take(
        b['booking'].id, PaymentIn(method=PaymentMethod.CASH, amount_cents=100), actor=who),
    'undo a check-in': lambda who, a, b, _: bookings.undo_status(b['booking'].id, actor=who),
    'edit customer': lambda who, a, b, _: records.update_customer(b['customer'].id, {'name': 'Intruder'}, actor=who),
    'edit booking contact': lambda who, a, b, _: booking_contact.change_contact(
        b['booking'].id, {'phone': '416 555 0199', 'email': 'in@example.com'}, actor=who),
    'merge customers': lambda who, a, b, _: records.merge_customers(b['customer'].id, a['customer'].id, actor=who),
    'erase customer': lambda who, a, b, _: records.erase_customer(b['customer'].id, actor=who),
    'export customer data': lambda who, a, b, _: subject_access.export_customer(b['customer'].id, actor=who),
    'change the backup schedule': lambda who, a, b, tmp: backup_schedule.save_schedule(
        enabled=True, time_of_day='02:30', folder=str(tmp), keep=3, actor=who),  # owners only: install-wide
    'back up now': lambda who, a, b, _: backup_schedule.back_up_now(actor=who),
    'message text': lambda who, a, b, _: templates.save(b['location'].id, Template.CONFIRMATION,
                                                        MessageChannel.EMAIL, subject='Hi', body='Hi', actor=who),
    'message text back to default': lambda who, a, b, _: templates.reset(b['location'].id, Template.CONFIRMATION,
                                                                         MessageChannel.EMAIL, actor=who),
    'marketing': lambda who, a, b, _: outbox.queue_marketing(b['location'].id, [b['customer'].id],
                                                             channel=MessageChannel.EMAIL, subject='Hi', body='Hi',
                                                             actor=who),
    'try a message again': lambda who, a, b, _: outbox.retry(b['message'], actor=who),
    'set up a campaign': lambda who, a, b, _: campaigns.create_campaign(CampaignCreate(
        location_id=b['location'].id, name='Intruder', target=Target(segment='vip'), subject='Hi', body='Hi',
        offer={'code': 'INTRUDER', 'percent_off': 50}), actor=who),
    'send a campaign': lambda who, a, b, _: campaigns.send_campaign(b['campaign'].id, actor=who),
    'take a campaign off its schedule': lambda who, a, b, _: campaigns.unschedule(b['campaign'].id, actor=who),
    'delete a campaign': lambda who, a, b, _: campaigns.discard(b['campaign'].id, actor=who),
    'make a discount code': lambda who, a, b, _: codes.create_code(DiscountCodeCreate(
        location_id=b['location'].id, code='INTRUDER', percent_off=50), actor=who),
    'calendar feed': lambda who, a, b, _: feeds.feed_link(b['member'].id, actor=who),
    'revoke a calendar feed': lambda who, a, b, _: feeds.revoke(b['member'].id, actor=who),
    'book a series': lambda who, a, b, _: recurring.book(BookingCreate(
        location_id=b['location'].id, customer_id=b['customer'].id, service_id=b['service'].id,
        staff_member_id=b['member'].id, starts_at=at(DAY, '12:00', 'UTC')), every_weeks=1, count=2, actor=who),
    'cancel a series': lambda who, a, b, _: recurring.cancel_following(b['booking'].id, actor=who),
    'move a series': lambda who, a, b, _: recurring.move_following(b['booking'].id, BookingMove(
        starts_at=at(DAY, '12:00', 'UTC')), actor=who),
}


@pytest.mark.parametrize('role', [Role.MANAGER, Role.STAFF, Role.KIOSK])
@pytest.mark.parametrize('write', sorted(WRITES))
def test_an_account_of_one_location_cannot_write_into_another(write, role, two_shops, tmp_path):
    a, b = two_shops
    who = actor(role, a['location'].id)
    before = snapshot()
    with pytest.raises(REFUSED):
        WRITES[write](who, a, b, tmp_path)
    assert snapshot() == before


def test_marking_notifications_read_touches_only_ones_own_location(two_shops):
    a, b = two_shops
    notifications.record(b['location'].id, 'note', 'for B only')
    manager = users.create_user('manager@a.test', 'long enough', role=Role.MANAGER, location_id=a['location'].id,
                                actor=OWNER).model_copy(update={'created_at': None})  # here before every notification
    with session_scope() as session:
        located = dict(session.execute(text('SELECT id, location_id FROM notification')).all())
    assert notifications.mark_read(manager, list(located)) == sum(1 for x in located.values() if x == a['location'].id)
    with session_scope() as session:
        marked = {row[0] for row in session.execute(text('SELECT notification_id FROM notification_receipt'))}
    assert marked and all(located[i] == a['location'].id for i in marked)


MIXED = {  # rows of A written with parts of B: refused for everyone, the owner included
    'booking with another location\'s customer': lambda who, a, b: bookings.create_booking(BookingCreate(
        location_id=a['location'].id, customer_id=b['customer'].id, service_id=a['service'].id,
        staff_member_id=a['member'].id, starts_at=at(DAY, '12:00', 'UTC')), actor=who),
    'booking with another location\'s service': lambda who, a, b: bookings.create_booking(BookingCreate(
        location_id=a['location'].id, customer_id=a['customer'].id, service_id=b['service'].id,
        staff_member_id=a['member'].id, starts_at=at(DAY, '12:00', 'UTC')), actor=who),
    'booking with another location\'s staff member': lambda who, a, b: bookings.create_booking(BookingCreate(
        location_id=a['location'].id, customer_id=a['customer'].id, service_id=a['service'].id,
        staff_member_id=b['member'].id, starts_at=at(DAY, '12:00', 'UTC')), actor=who),
    'move to another location\'s staff member': lambda who, a, b: bookings.move_booking(a['booking'].id, BookingMove(
        starts_at=at(DAY, '12:00', 'UTC'), staff_member_id=b['member'].id), actor=who),
    'waitlist with another location\'s customer': lambda who, a, b: waitlist.join(WaitlistJoin(
        location_id=a['location'].id, customer_id=b['customer'].id, service_id=a['service'].id, day=DAY),
        actor=who, today=DAY),
    'hold another location\'s staff member': lambda who, a, b: availability.hold(
        a['location'].id, a['service'].id, availability.Slot(at(DAY, '16:00', 'UTC'), b['member'].id, ''),
        holder='mixed', actor=who),
    'release another location\'s hold': lambda who, a, b: availability.release(a['location'].id, 'B-screen',
                                                                             actor=who),
    'services of another location for a staff member': lambda who, a, b: staff.set_services(
        a['member'].id, [b['service'].id], actor=who),
    'merge another location\'s customer': lambda who, a, b: records.merge_customers(
        a['customer'].id, b['customer'].id, actor=who),
    'another location\'s staff member performing a service': lambda who, a, b: catalog.update_service(
        a['service'].id, actor=who, name=a['service'].name, duration_minutes=30, performers=[b['member'].id]),
    'another location\'s product under one\'s own': lambda who, a, b: catalog.save_product(
        b['product'], actor=who, location_id=a['location'].id, code='X1', name='Intruder'),
    'another location\'s product in a sale': lambda who, a, b: checkout.check_out(Sale(
        location_id=a['location'].id, lines=[SaleLine(product_id=b['product'])]), actor=who),
    'another location\'s booking in a sale': lambda who, a, b: checkout.check_out(Sale(
        location_id=a['location'].id, booking_id=b['booking'].id, lines=[SaleLine(service_id=a['service'].id)]),
        actor=who),
    'a tip for another location\'s staff member': lambda who, a, b: checkout.check_out(Sale(
        location_id=a['location'].id, lines=[SaleLine(service_id=a['service'].id, staff_member_id=a['member'].id)],
        tip_cents=100, tip_staff_member_id=b['member'].id), actor=who),
    'another location\'s sign-in for a staff member': lambda who, a, b: staff.update_staff_member(
        a['member'].id, actor=who, name='Intruder', working_hours=[], account_id=b['account'].id),
}


@pytest.mark.parametrize('role', [Role.OWNER, Role.MANAGER])
@pytest.mark.parametrize('write', sorted(MIXED))
def test_rows_of_two_locations_are_never_mixed(write, role, two_shops):
    a, b = two_shops
    who = OWNER if role == Role.OWNER else actor(role, a['location'].id)
    before = snapshot()
    try:
        MIXED[write](who, a, b)
    except (*REFUSED, ValidationError):  # refused in words is refused too
        pass
    assert snapshot() == before


def test_an_account_cannot_be_tied_to_another_locations_staff_member(two_shops):
    a, b = two_shops
    with pytest.raises(Exception, match="must work at the account's location"):
        users.create_user('x@shop.test', 'long enough', role=Role.STAFF, location_id=a['location'].id,
                          staff_member_id=b['member'].id, actor=OWNER)
