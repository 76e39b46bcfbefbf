"""Each page as a person sees it, with NiceGUI's simulated user."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from app.models import BookingStatus, PaymentMethod, Role
from app.services.frontdesk import bookings
from app.services.money import receipts
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import (
    DAY,
    choose_customer,
    click_block,
    element,
    eventually,
    figure,
    new_booking_dialog,
    sign_in,
    toasts,
)

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')  # check-ins on the day booked, no-shows after the start


async def test_signed_out_visitor_is_sent_to_login(user: User):
    await user.open('/bookings')
    await user.should_see('Sign in to your shop')
    await user.should_not_see('New booking')


async def test_wrong_password_is_refused(user: User):
    await user.open('/login')
    user.find(marker='email').type('owner@shop.test')
    user.find(marker='password').type('wrong password')
    user.find(marker='sign-in').click()
    await eventually(lambda: element(user, 'password').error == 'Wrong email or password.')
    await user.should_not_see('Revenue, last 30 days')


async def test_dashboard_shows_the_days_figures(user: User, shop):
    first = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    second = make_booking(shop['location'], shop['becky'], shop['mens'], shop['sam'], at(DAY, '11:00'))
    bookings.set_status(first.id, BookingStatus.CHECKED_IN, actor=OWNER)
    receipts.pay_booking(first.id, payment_method=PaymentMethod.CASH, actor=OWNER, as_of=at(DAY, '10:50'))
    bookings.set_status(second.id, BookingStatus.NO_SHOW, actor=OWNER)
    await sign_in(user, then=f'/?day={DAY.isoformat()}')
    await user.should_see('Monday 04 March 2030')
    assert figure(user, 'bookings-today') == '2'
    assert figure(user, 'revenue-today') == '$82.00'
    assert figure(user, 'no-show-rate') == '50.0 %'
    assert figure(user, 'cancellation-rate') == '0.0 %'
    chart = element(user, 'revenue-chart')
    assert chart.options['series'][0]['data'][-1] == 82.0
    statuses = {d['name']: d['value'] for d in element(user, 'status-chart').options['series'][0]['data']}
    assert statuses == {'Completed': 1, 'No-show': 1}
    rows = element(user, 'day-bookings').rows
    assert [(r['time'], r['customer'], r['status']) for r in rows] == [('10:00', 'Alex Kim', 'Completed'),
                                                                       ('11:00', 'Sam Lee', 'No-show')]


async def test_bookings_day_view_and_list(user: User, shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '14:30'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await user.should_see("14:30 Alex Kim · Women's cut")
    await click_block(user, booking.id)
    await user.should_see('Status: Booked')
    user.find(marker='to-checked_in').click()
    await eventually(lambda: bookings.get_booking(booking.id, actor=OWNER).status == BookingStatus.CHECKED_IN)
    element(user, 'booking-tabs').set_value('List')  # the list is brought up to date when it is shown
    await eventually(lambda: [(r['customer'], r['staff'], r['status']) for r in element(user, 'booking-list').rows]
                     == [('Alex Kim', 'JJ', 'Checked in')])


async def test_list_filters_by_status_and_search(user: User, shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    cancelled = make_booking(shop['location'], shop['becky'], shop['cut'], shop['sam'], at(DAY, '10:00'))
    bookings.cancel_booking(cancelled.id, actor=OWNER)
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    with pytest.raises(AssertionError):  # on the day view, the page holds no list: it is drawn when first shown
        element(user, 'booking-list')
    element(user, 'booking-tabs').set_value('List')
    await eventually(lambda: len(element(user, 'booking-list').rows) == 2)
    assert element(user, 'booking-count').text == '2 bookings'
    element(user, 'filter-status').set_value('cancelled')
    await eventually(lambda: [r['customer'] for r in element(user, 'booking-list').rows] == ['Sam Lee'])
    element(user, 'filter-status').set_value(None)
    user.find(marker='filter-search').type('alex')
    await eventually(lambda: [r['customer'] for r in element(user, 'booking-list').rows] == ['Alex Kim'])


async def test_new_booking_dialog_books_and_shows_errors_inline(user: User, shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '14:00'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await new_booking_dialog(user)
    await user.should_see('New booking')
    user.find(marker='book').click()  # the booking is made in a worker thread: answers arrive a moment later
    await eventually(lambda: element(user, 'service').error == 'Choose a service.')
    await choose_customer(user, 'customer', shop['sam'])
    element(user, 'service').set_value(shop['cut'].id)
    element(user, 'staff').set_value(shop['jj'].id)
    time_input = element(user, 'time')
    time_input.set_value('14:30')
    user.find(marker='book').click()
    await eventually(lambda: 'JJ is already booked 14:00–14:45 with Alex Kim' in (time_input.error or ''))
    time_input.set_value('7pm')
    user.find(marker='book').click()
    await eventually(lambda: time_input.error == 'Enter a time as HH:MM, e.g. 14:30.')
    time_input.set_value('16:45')
    user.find(marker='book').click()
    await eventually(lambda: 'outside' in (time_input.error or ''))
    time_input.set_value('15:00')
    user.find(marker='book').click()
    await user.should_see("15:00 Sam Lee · Women's cut")
    names = [b.customer_name for b in bookings.list_bookings(shop['location'].id, actor=OWNER)]
    assert names == ['Alex Kim', 'Sam Lee']


async def test_new_customer_from_the_booking_dialog(user: User, shop):
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await new_booking_dialog(user)
    element(user, 'customer').set_value(-1)
    user.find(marker='new-name').type('Priya Patel')
    user.find(marker='new-phone').type('416-555-0199')
    element(user, 'service').set_value(shop['mens'].id)
    element(user, 'staff').set_value(shop['becky'].id)
    element(user, 'time').set_value('09:30')
    user.find(marker='book').click()
    # the booking and the new customer are saved in a worker thread (E.164, the duplicate check): allow a loaded
    # machine more than should_see's default 0.3 s
    await user.should_see("09:30 Priya Patel · Men's cut", retries=100)


async def test_booking_made_in_one_session_appears_in_the_others_without_reload(user: User, create_user, shop):
    receptionist, owner, manager = user, create_user(), create_user()
    await sign_in(receptionist, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await sign_in(owner, Role.OWNER, f'/?day={DAY.isoformat()}')
    await sign_in(manager, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    element(manager, 'booking-tabs').set_value('List')  # the manager looks at the list, the receptionist the grid
    assert figure(owner, 'bookings-today') == '0'
    assert element(manager, 'booking-list').rows == []

    await new_booking_dialog(receptionist)
    await choose_customer(receptionist, 'customer', shop['alex'])
    element(receptionist, 'service').set_value(shop['cut'].id)
    element(receptionist, 'staff').set_value(shop['jj'].id)
    element(receptionist, 'time').set_value('14:30')
    receptionist.find(marker='book').click()

    await eventually(lambda: figure(owner, 'bookings-today') == '1')
    await eventually(lambda: [r['customer'] for r in element(owner, 'day-bookings').rows] == ['Alex Kim'])
    pie = element(owner, 'status-chart').options
    await eventually(lambda: {d['name']: d['value'] for d in pie['series'][0]['data']} == {'Booked': 1})  # in place
    assert pie['legend'] == {'bottom': 0}
    await receptionist.should_see("14:30 Alex Kim · Women's cut")
    await eventually(lambda: [r['customer'] for r in element(manager, 'booking-list').rows] == ['Alex Kim'])
    element(manager, 'booking-tabs').set_value('Day view')  # the grid missed it while hidden: drawn when shown
    await manager.should_see("14:30 Alex Kim · Women's cut")


async def test_change_from_elsewhere_shows_a_toast(user: User, shop, room_messages):
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '14:30'))  # another tab
    await eventually(lambda: toasts(user, room_messages) == ["New booking: Alex Kim — Women's cut, Mon 04 Mar 14:30 "
                                                             'with JJ'])
    await user.should_see("14:30 Alex Kim · Women's cut")
    # one message carried the toast and the new grid to the room
    [(_, message, _)] = room_messages
    assert [b['text'] for b in message['parts']['blocks']['set']] == ["14:30 Alex Kim · Women's cut"]


async def test_customers_search_and_history(user: User, shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    receipts.pay_booking(booking.id, payment_method=PaymentMethod.CARD, actor=OWNER, as_of=at(DAY, '11:00'))
    await sign_in(user, Role.STAFF, '/customers')
    assert {r['name'] for r in element(user, 'customer-list').rows} == {'Alex Kim', 'Sam Lee'}
    user.find(marker='customer-search').type('555-0102')
    await eventually(lambda: [r['name'] for r in element(user, 'customer-list').rows] == ['Sam Lee'])
    await user.open(f'/customers/{shop["alex"].id}')
    await user.should_see('Alex Kim · KIMA01')
    assert element(user, 'customer-totals').text == '1 booking · 1 receipt · $82.00 spent before tax'
    assert [r['status'] for r in element(user, 'customer-bookings').rows] == ['Completed']
    assert [r['items'] for r in element(user, 'customer-receipts').rows] == ["Women's cut"]


async def test_catalog_and_staff_pages(user: User, shop):
    await sign_in(user, Role.MANAGER, '/catalog')
    assert [r['name'] for r in element(user, 'service-list').rows] == ["Men's cut", "Women's cut"]
    assert element(user, 'service-list').rows[1]['duration'] == '45 min'
    await user.open('/staff')
    rows = element(user, 'staff-list').rows
    assert [r['name'] for r in rows] == ['BECKY', 'JJ']
    assert rows[0]['Mon'] == '09:00–17:00'


async def test_import_page_is_for_owners_and_managers(user: User, create_user):
    await sign_in(user, Role.OWNER, '/import')
    await user.should_see('Salon export')
    staff_user = create_user()
    await sign_in(staff_user, Role.STAFF, '/import')
    await staff_user.should_see('This page is not available for your role.')
    await staff_user.should_not_see(kind=ui.upload)


async def test_kiosk_device_cannot_open_front_desk_pages(user: User):
    await sign_in(user, Role.KIOSK, '/bookings')
    await user.should_see('This page is not available for your role.')
    await user.should_not_see(marker='new-booking')


async def test_manager_sets_a_service_duration(user: User, shop):
    from app.services.catalogue import catalog
    from tests.factories import make_service

    consultation = make_service(shop['location'], 'CON', 'Consultation', minutes=None, price_cents=0)
    await sign_in(user, Role.MANAGER, '/catalog')
    assert {r['name']: r['duration'] for r in element(user, 'service-list').rows}['Consultation'] == 'not set'
    user.find(marker='service-list').trigger('rowClick', [{}, {'id': consultation.id}, 0])
    element(user, 'service-minutes').set_value(0)
    user.find(marker='service-save').click()
    await eventually(lambda: element(user, 'service-minutes').error == 'The duration must be at least one minute.')
    element(user, 'service-minutes').set_value(20)
    user.find(marker='service-save').click()
    await eventually(lambda: {r['name']: r['duration'] for r in element(user, 'service-list').rows}[
        'Consultation'] == '20 min')
    assert catalog.list_services(shop['location'].id, actor=OWNER)[0].duration_minutes == 20


async def test_staff_cannot_edit_services(user: User, shop):
    await sign_in(user, Role.STAFF, '/catalog')
    await user.should_see('This page is not available for your role.')
    await user.should_not_see(marker='service-add', retries=2)


async def test_live_subscriptions_end_with_the_session(user: User):

    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    from app.live import bus, rooms
    client = user.client
    # the frame's toasts, the bell and the day view follow the session's room; nothing subscribes per session
    assert client not in bus.clients_following()
    subscription = rooms.subscription_of(client)
    assert rooms.rooms_open() == [(subscription.room.key, 1)]
    assert len(subscription.followers) == 2  # the bell and the bookings view
    client.delete()
    assert rooms.rooms_open() == []


async def test_the_menu_button_is_styled_and_the_drawer_is_left_to_the_screen_width(user: User):
    """The menu button's props once sat after a ``# noqa`` comment and never ran; the drawer opened over every
    page on a phone."""
    await sign_in(user, Role.MANAGER, '/bookings')
    button = element(user, 'menu')
    assert button.props.get('flat') is True and button.props.get('color') == 'white'
    drawer = next(iter(user.find(kind=ui.left_drawer).elements))
    assert drawer.value is False and drawer.props.get('show-if-above') is True  # Quasar opens it where wide


async def test_the_week_drawn_after_a_staff_change_offers_the_new_staff_member(user: User, shop):
    from app.models import StaffMemberCreate, WorkingHoursBase
    from app.services.catalogue import staff
    await sign_in(user, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    await user.should_see(marker='day-grid')
    staff.create_staff_member(StaffMemberCreate(location_id=shop['location'].id, name='Nia', working_hours=[
        WorkingHoursBase(weekday=DAY.weekday(), start_minute=9 * 60, end_minute=17 * 60)]), actor=OWNER)
    await eventually(lambda: 'Nia' in [c.get('name') for c in element(user, 'day-grid').props['grid']['columns']])
    # the day view has her column: the change has reached the page
    element(user, 'booking-tabs').set_value('Week')  # the week, drawn only now, from the staff the page read at first
    await eventually(lambda: 'Nia' in element(user, 'week-staff').options.values())


async def test_the_lists_staff_filter_offers_a_staff_member_added_while_it_is_shown(user: User, shop):
    from app.models import StaffMemberCreate
    from app.services.catalogue import staff
    await sign_in(user, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    element(user, 'booking-tabs').set_value('List')
    await eventually(lambda: 'JJ' in element(user, 'filter-staff').options.values())
    element(user, 'filter-staff').set_value(shop['jj'].id)
    staff.create_staff_member(StaffMemberCreate(location_id=shop['location'].id, name='Nia'), actor=OWNER)
    await eventually(lambda: 'Nia' in element(user, 'filter-staff').options.values())
    assert element(user, 'filter-staff').value == shop['jj'].id  # the staff member chosen stays chosen
