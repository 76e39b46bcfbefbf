"""The Staff page: add someone, change their hours (a lunch break), the services they do and their time off; the
change reaches another tab's day view at once."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import Role
from app.services.customers import records
from tests.factories import OWNER
from tests.fixtures.pages import DAY, element, eventually, new_booking_dialog, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def _columns(user: User) -> list[str]:
    return [c['name'] for c in element(user, 'day-grid').props['grid']['columns']]


async def test_a_staff_member_added_and_changed_here_shows_in_another_sessions_day_view(user: User, create_user,
                                                                                       shop):
    from app.services.catalogue import staff  # to read back what the page saved
    desk = create_user()
    await sign_in(desk, Role.STAFF, f'/bookings?day={DAY.isoformat()}')  # a Monday
    assert 'KELLY' not in _columns(desk)
    await sign_in(user, Role.MANAGER, '/staff')

    user.find(marker='staff-add').click()
    user.find(marker='staff-new-name').type('KELLY')
    user.find(marker='staff-create').click()
    await eventually(lambda: 'KELLY' in [r['name'] for r in element(user, 'staff-list').rows])
    await eventually(lambda: 'KELLY' in _columns(desk))  # no reload

    kelly = next(m for m in staff.list_staff(shop['location'].id, actor=OWNER) if m.name == 'KELLY')
    user.find(marker='staff-list').trigger('rowClick', [None, {'id': kelly.id}])
    await user.should_see(marker='staff-editing')
    user.find(marker='staff-opens-0-0').clear().type('09:00')
    user.find(marker='staff-closes-0-0').clear().type('12:00')
    user.find(marker='staff-opens-0-1').clear().type('13:00')
    user.find(marker='staff-closes-0-1').clear().type('17:00')
    element(user, 'staff-services').set_value([shop['cut'].id])
    user.find(marker='staff-save').click()
    await eventually(lambda: next(r for r in element(user, 'staff-list').rows if r['name'] == 'KELLY')['Mon']
                     == '09:00–12:00, 13:00–17:00')

    user.find(marker='staff-list').trigger('rowClick', [None, {'id': kelly.id}])
    await user.should_see(marker='staff-editing')
    user.find(marker='staff-off-from').clear().type(DAY.isoformat())
    user.find(marker='staff-off-to').clear().type(DAY.isoformat())
    user.find(marker='staff-off-reason').type('Training')
    user.find(marker='staff-off-add').click()
    await eventually(lambda: staff.schedule(shop['location'].id, *_day(shop), actor=OWNER).time_off != [])
    await eventually(lambda: element(user, 'staff-off-reason').value == '')  # the form is ready for the next
    schedule = staff.schedule(shop['location'].id, *_day(shop), actor=OWNER)
    assert [t.reason for t in schedule.time_off] == ['Training'] and schedule.services[kelly.id] == {shop['cut'].id}


def _day(shop):
    from app.services import clock
    return clock.day_bounds(DAY, shop['location'].time_zone)


async def test_a_service_added_on_the_services_page_appears_in_an_open_booking_dialog(user: User, create_user, shop):
    desk = create_user()
    await sign_in(desk, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await new_booking_dialog(desk)
    await desk.should_see(marker='book')
    await sign_in(user, Role.MANAGER, '/catalog')
    user.find(marker='service-add').click()
    user.find(marker='service-name').type('Balayage')
    element(user, 'service-minutes').set_value(120)
    element(user, 'service-buffer').set_value(15)
    user.find(marker='service-save').click()
    await eventually(lambda: any(label.startswith('Balayage (120 min')
                                 for label in element(desk, 'service').options.values()))
    await eventually(lambda: 'Balayage' in [r['name'] for r in element(user, 'service-list').rows])


async def test_the_menu_and_the_shelf_are_kept_on_the_catalogue_page(user: User, create_user, shop):
    """A service archived and taken off the kiosk, a product added with a barcode, stock received and sold."""
    from app.services.catalogue import catalog
    await sign_in(user, Role.MANAGER, '/catalog')
    user.find(marker='service-list').trigger('rowClick', [{}, {'id': shop['cut'].id}, 0])
    await user.should_see(marker='service-save')
    element(user, 'service-price').set_value(-5)
    user.find(marker='service-save').click()
    await eventually(lambda: 'price' in (element(user, 'service-price').error or ''))
    element(user, 'service-price').set_value(95)
    element(user, 'service-prep').set_value(20)  # 20 minutes of preparation before each booking
    element(user, 'service-kiosk').set_value(False)
    element(user, 'service-active').set_value(False)
    user.find(marker='service-save').click()
    await eventually(lambda: shop['cut'].name not in [r['name'] for r in element(user, 'service-list').rows])
    kept = next(s for s in catalog.list_services(shop['location'].id, actor=OWNER, include_inactive=True)
                if s.id == shop['cut'].id)
    assert (kept.price_cents, kept.prep_minutes, kept.kiosk, kept.active) == (9500, 20, False, False)

    user.find(marker='product-add').click()
    user.find(marker='product-name').type('Argan oil')
    user.find(marker='product-code').type('OIL1')
    user.find(marker='product-barcode').type('4006381333932')
    element(user, 'product-price').set_value(24)
    element(user, 'product-stock').set_value(3)
    element(user, 'product-minimum').set_value(2)
    user.find(marker='product-save').click()
    await eventually(lambda: 'valid EAN/UPC' in (element(user, 'product-barcode').error or ''))
    element(user, 'product-barcode').set_value('4006381333931')
    user.find(marker='product-save').click()
    await eventually(lambda: 'Argan oil' in [r['name'] for r in element(user, 'product-list').rows])
    oil = next(p for p in catalog.list_products(shop['location'].id, actor=OWNER) if p.name == 'Argan oil')
    assert (oil.barcode, oil.price_cents, oil.stock_on_hand) == ('4006381333931', 2400, 3)

    user.find(marker='product-list').trigger('rowClick', [{}, {'id': oil.id}, 0])
    await user.should_see(marker='stock-apply')
    element(user, 'stock-kind').set_value('sold')
    element(user, 'stock-units').set_value(5)
    user.find(marker='stock-apply').click()
    await eventually(lambda: 'on hand' in (element(user, 'stock-units').error or ''))
    element(user, 'stock-units').set_value(2)
    user.find(marker='stock-apply').click()
    await eventually(lambda: next(r for r in element(user, 'product-list').rows if r['name'] == 'Argan oil')[
        'reorder'] == 'below minimum')
    assert [m.quantity for m in catalog.stock_ledger(oil.id, actor=OWNER)] == [3, -2]


async def test_commission_and_sign_in_are_saved_and_the_staff_login_lands_on_their_column(user: User, create_user,
                                                                                         shop):
    from app.services.accounts import users
    from app.services.catalogue import staff
    from tests.fixtures.pages import PASSWORD
    login = next(a for a in users.list_users(actor=OWNER) if a.email == 'staff@shop.test')
    jj = next(m for m in staff.list_staff(shop['location'].id, actor=OWNER) if m.name == 'JJ')
    await sign_in(user, Role.MANAGER, '/staff')
    user.find(marker='staff-list').trigger('rowClick', [None, {'id': jj.id}])
    await user.should_see(marker='staff-editing')
    element(user, 'staff-commission-services').set_value(120)
    user.find(marker='staff-save').click()
    await eventually(lambda: 'from 0 to 100' in (element(user, 'staff-commission-services').error or ''))
    element(user, 'staff-commission-services').set_value(12.5)
    element(user, 'staff-commission-products').set_value(10)
    element(user, 'staff-account').set_value(login.id)
    user.find(marker='staff-save').click()
    await eventually(lambda: next(m for m in staff.list_staff(shop['location'].id, actor=OWNER)
                                  if m.name == 'JJ').service_commission_bp == 1250)
    saved = next(m for m in staff.list_staff(shop['location'].id, actor=OWNER) if m.name == 'JJ')
    assert saved.product_commission_bp == 1000
    assert users.authenticate('staff@shop.test', PASSWORD).staff_member_id == jj.id

    desk = create_user()
    await sign_in(desk, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    assert element(desk, 'day-grid').props['own'] == jj.id


async def test_a_staff_members_week_shows_their_days_hours_time_off_and_bookings(user: User, shop,
                                                                                  monkeypatch: pytest.MonkeyPatch):
    """The Week tab: seven day columns for one staff member, a day off shaded, a booking on its day, drawn when
    booked elsewhere without reload; an empty time opens a booking on that day; a drag to another day moves it."""
    from datetime import timedelta

    from app.services.catalogue import staff
    from app.services.frontdesk import bookings
    from tests.factories import at, make_booking

    jj = shop['jj']
    staff.add_time_off(jj.id, DAY + timedelta(days=2), DAY + timedelta(days=2), actor=OWNER, reason='Course')
    await sign_in(user, Role.MANAGER, f'/bookings?day={(DAY + timedelta(days=3)).isoformat()}')  # a Thursday
    element(user, 'booking-tabs').set_value('Week')
    element(user, 'week-staff').set_value(jj.id)
    await eventually(lambda: len(element(user, 'week-grid').props['grid']['columns']) == 7)
    columns = element(user, 'week-grid').props['grid']['columns']
    assert [c['name'][:3] for c in columns] == ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
    assert columns[0]['id'] == DAY.toordinal()
    assert columns[2]['away'] == [[0, 24 * 60, 'Course']] and columns[0]['away'] == []
    assert columns[0]['shifts'] == [[9 * 60, 17 * 60]]

    booked = make_booking(shop['location'], jj, shop['cut'], None, at(DAY + timedelta(days=1), '11:00'))
    await eventually(lambda: [b['column'] for b in element(user, 'week-grid').props['blocks']]
                     == [DAY.toordinal() + 1])
    assert element(user, 'week-grid').props['blocks'][0]['id'] == booked.id

    user.find(marker='week-grid').trigger('slot', {'column': DAY.toordinal() + 3, 'minute': 10 * 60})
    await user.should_see(marker='book', retries=100)  # the dialog, once its choices are read
    assert (element(user, 'staff').value, element(user, 'time').value) == (jj.id, '10:00')
    user.find('Close').click()
    from app.pages.frontdesk.week import WeekView
    redrawn, redraw = [], WeekView.redraw

    async def counted(self) -> None:  # runs only when awaited: a redraw called and dropped never counts
        redrawn.append(self)
        await redraw(self)

    monkeypatch.setattr(WeekView, 'redraw', counted)
    user.find(marker='week-grid').trigger('move', {'id': booked.id, 'column': DAY.toordinal() + 2, 'minute': 600})
    await user.should_see('Course')  # onto the day off: refused, said why
    await eventually(lambda: len(redrawn) == 1)  # and the block springs back: the week is drawn again
    user.find(marker='week-grid').trigger('move', {'id': booked.id, 'column': DAY.toordinal() + 4, 'minute': 600})
    await eventually(lambda: bookings.get_booking(booking_id=booked.id, actor=OWNER).starts_at
                     == at(DAY + timedelta(days=4), '10:00'))
    await eventually(lambda: [b['column'] for b in element(user, 'week-grid').props['blocks']]
                     == [DAY.toordinal() + 4])
    user.find(marker='week-grid').trigger('move', {'id': booked.id, 'column': DAY.toordinal() + 40, 'minute': 600})
    assert bookings.get_booking(booked.id, actor=OWNER).starts_at == at(DAY + timedelta(days=4), '10:00')


async def test_a_staff_members_week_marks_a_booking_no_reminder_reaches_and_names_the_mark(user: User, shop):
    """As in the day view: a block whose customer no message reaches carries the no-reminder mark (an icon named in
    the legend, and in the block's accessible name); one whose customer is reached carries none."""
    from datetime import timedelta

    from app.services.messaging import reach
    from tests.factories import at, make_booking, make_customer

    jj, tuesday = shop['jj'], DAY + timedelta(days=1)
    quiet = make_customer(shop['location'], 'Quiet Person', '')
    silent = make_booking(shop['location'], jj, shop['cut'], quiet, at(tuesday, '11:00'))
    with_email = make_customer(shop['location'], 'Mailed Person', '')
    records.update_customer(with_email.id, {'name': with_email.name, 'email': 'mailed@example.com'}, actor=OWNER)
    reached = make_booking(shop['location'], jj, shop['cut'], with_email, at(tuesday, '14:00'))
    await sign_in(user, Role.MANAGER, f'/bookings?day={tuesday.isoformat()}')
    element(user, 'booking-tabs').set_value('Week')
    element(user, 'week-staff').set_value(jj.id)
    await eventually(lambda: len(element(user, 'week-grid').props['blocks']) == 2)
    grid = element(user, 'week-grid').props
    blocks = {b['id']: b for b in grid['blocks']}
    assert blocks[silent.id]['unreached'] == reach.NO_REMINDER and reach.NO_REMINDER in blocks[silent.id]['title']
    assert blocks[reached.id]['unreached'] is None
    assert {'kind': 'unreached', 'icon': 'notifications_off', 'label': reach.NO_REMINDER} in grid['grid']['markers']

    records.update_customer(quiet.id, {'name': quiet.name, 'email': 'found@example.com'}, actor=OWNER)
    await eventually(lambda: {b['id']: b for b in element(user, 'week-grid').props['blocks']}[silent.id][
        'unreached'] is None)  # a contact added elsewhere clears the mark without reload
