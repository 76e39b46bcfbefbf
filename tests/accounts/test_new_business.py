"""A new business from an empty database, all through the pages: it sets itself up with the link the app printed
(owner, a Paris location in euros with two taxes, hours, two staff members, three services), gives a staff member a
day off, adds a product and a kiosk, books a customer and takes them through to completed; the kiosk then offers no
time inside the lunch break, the day off or the buffer after a service. No service is called to build anything."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from nicegui.testing import User

from tests.fixtures.pages import _left_login, click_block, drawn, element, eventually, figure, new_booking_dialog
from tests.frontdesk.test_kiosk import tap

pytestmark = pytest.mark.usefixtures('sqlite_db')  # an empty database: the business is built through the pages

PARIS = 'Europe/Paris'


def _fill(user: User, marker: str, text: str) -> None:
    user.find(marker=marker).clear().type(text)


async def test_a_salon_sets_itself_up_books_a_customer_and_its_kiosk_keeps_the_rules(user: User, create_user,
                                                                                  monkeypatch: pytest.MonkeyPatch):
    from app.services.accounts import setup  # the link the serving process printed (server.run)
    link = setup.setup_path()
    assert link is not None

    await user.open('/setup?token=guessed')  # anyone else on the network
    await user.should_see(marker='refused')

    await user.open(link)
    await user.should_see('Set up your business', retries=100)
    _fill(user, 'setup-email', 'amelie@salon.test')
    _fill(user, 'setup-password', 'long enough')
    _fill(user, 'setup-password-again', 'long enough!')
    user.find(marker='setup-create-owner').click()
    await eventually(lambda: element(user, 'setup-password-again').error == 'The two passwords differ.')
    _fill(user, 'setup-password-again', 'long enough')
    user.find(marker='setup-create-owner').click()
    await eventually(lambda: element(user, 'setup-steps').value == 'business')

    _fill(user, 'setup-name', 'Salon Amélie')
    _fill(user, 'setup-address', '12 rue de la Paix, Paris')
    element(user, 'setup-time-zone').set_value('Europe/Paris')
    element(user, 'setup-country').set_value('FR')
    element(user, 'setup-currency').set_value('EUR')
    element(user, 'setup-locale').set_value('fr_FR')
    assert element(user, 'setup-language').value == 'fr'  # the language follows the formats chosen …
    element(user, 'setup-language').set_value('en')  # … unless the owner says otherwise (the checks below read English)
    _fill(user, 'setup-tax1-name', 'TVA')
    _fill(user, 'setup-tax1-percent', '120')  # a typo
    user.find(marker='setup-save-business').click()
    await eventually(lambda: 'between 0 and 100' in (element(user, 'setup-tax1-percent').error or ''))
    _fill(user, 'setup-tax1-percent', '20')
    _fill(user, 'setup-tax2-name', 'Éco-contribution')
    _fill(user, 'setup-tax2-percent', '5,5')
    element(user, 'setup-tax2-services').set_value(False)
    user.find(marker='setup-save-business').click()
    await eventually(lambda: element(user, 'setup-steps').value == 'hours')

    element(user, 'setup-open-0').set_value(False)  # closed on Mondays
    _fill(user, 'setup-closes-5', '16:00')  # Saturdays until four
    user.find(marker='setup-save-hours').click()
    await eventually(lambda: element(user, 'setup-steps').value == 'staff')

    _fill(user, 'setup-staff1-name', 'Becky')
    _fill(user, 'setup-staff1-break-from', '12:00')
    _fill(user, 'setup-staff1-break-to', '13:00')
    _fill(user, 'setup-staff2-name', 'Joanne')
    element(user, 'setup-staff2-day-off').set_value(2)  # Wednesdays
    user.find(marker='setup-save-staff').click()
    await eventually(lambda: element(user, 'setup-steps').value == 'services')

    for number, (name, category, minutes, price, buffer) in enumerate([
            ('Coupe femme', 'Hair', 45, 55, 0), ('Brushing', 'Hair', 30, 25, 0), ('Couleur', 'Colour', 90, 80, 10)],
            start=1):
        _fill(user, f'setup-service{number}-name', name)
        _fill(user, f'setup-service{number}-category', category)
        element(user, f'setup-service{number}-minutes').set_value(minutes)
        element(user, f'setup-service{number}-price').set_value(price)
        element(user, f'setup-service{number}-buffer').set_value(buffer)
    user.find(marker='setup-save-services').click()
    await eventually(lambda: element(user, 'setup-steps').value == 'products')

    _fill(user, 'setup-product1-name', 'Shampooing doux')
    _fill(user, 'setup-product1-category', 'Soins')
    element(user, 'setup-product1-price').set_value(18.5)
    element(user, 'setup-product1-stock').set_value(-2)  # a typo
    user.find(marker='setup-finish').click()
    await eventually(lambda: element(user, 'setup-product1-stock').error == 'A whole number, 0 or more.')
    element(user, 'setup-product1-stock').set_value(12)
    user.find(marker='setup-finish').click()
    await eventually(lambda: user.back_history[-1] == '/')
    await user.should_see('Salon Amélie', retries=100)  # the owner is signed in, on the dashboard of the new location
    revenue = figure(user, 'revenue-today')  # money in euros, written the French way
    assert revenue.startswith('0,00') and revenue.endswith('€'), revenue

    await user.open('/staff')
    team = {row['name']: row for row in element(user, 'staff-list').rows}
    assert (team['Becky']['Tue'], team['Becky']['Mon']) == ('09:00–12:00, 13:00–18:00', 'off')  # lunch; closed
    assert (team['Joanne']['Wed'], team['Joanne']['Sat']) == ('off', '09:00–16:00')  # day off; short Saturday
    await user.open('/catalog')
    menu = {row['name']: row for row in element(user, 'service-list').rows}
    assert set(menu) == {'Coupe femme', 'Brushing', 'Couleur'}
    assert (menu['Couleur']['buffer'], menu['Couleur']['duration']) == ('10 min', '90 min')
    from app.services.accounts import users
    from app.services.catalogue import catalog, locations
    owner = users.authenticate('amelie@salon.test', 'long enough')
    (shop,) = locations.list_locations(actor=owner)
    assert {s.name: s.category for s in catalog.list_services(shop.id, actor=owner)} == {
        'Coupe femme': 'Hair', 'Brushing': 'Hair', 'Couleur': 'Colour'}  # analytics groups by these, not Unclassified
    (shampoo,) = catalog.list_products(shop.id, actor=owner)
    assert (shampoo.name, shampoo.category, shampoo.price_cents, shampoo.stock_on_hand) == (
        'Shampooing doux', 'Soins', 1850, 12)
    await user.open(link)  # the link is spent: the install is set up
    await user.should_see(marker='refused')

    await run_the_business(user, create_user, monkeypatch)


def _days_ahead() -> tuple[date, date]:
    """Two days in the kiosk's coming week on which the salon keeps its full hours and Becky works (not Monday nor
    Sunday: closed; not Saturday: closes at four): the day of the booking, and a later one Becky takes off. Of any
    five days in a row at least two are left."""
    from app.services import clock
    today = clock.today(PARIS)
    ahead = [today + timedelta(days=n) for n in range(2, 7)]
    open_days = [day for day in ahead if day.weekday() not in (0, 5, 6)]
    return open_days[0], open_days[1]


def _option(user: User, marker: str, label: str) -> int:
    """The value of the option of select ``marker`` whose label starts with ``label``."""
    return next(value for value, text in element(user, marker).options.items() if str(text).startswith(label))


async def run_the_business(user: User, create_user, monkeypatch: pytest.MonkeyPatch) -> None:
    booking_day, day_off = _days_ahead()

    # Becky takes a day off
    await user.open('/staff')
    becky_row = next(row for row in element(user, 'staff-list').rows if row['name'] == 'Becky')
    user.find(marker='staff-list').trigger('rowClick', [None, {'id': becky_row['id']}])
    await user.should_see(marker='staff-editing')
    _fill(user, 'staff-off-from', day_off.isoformat())
    _fill(user, 'staff-off-to', day_off.isoformat())
    _fill(user, 'staff-off-reason', 'Dentist')
    user.find(marker='staff-off-add').click()
    await user.should_see('Dentist', retries=100)

    # a product on the shelf
    await user.open('/catalog')
    user.find(marker='product-add').click()
    _fill(user, 'product-name', 'Huile capillaire')
    _fill(user, 'product-code', 'HUILE1')
    element(user, 'product-price').set_value(24.5)
    element(user, 'product-stock').set_value(6)
    user.find(marker='product-save').click()
    await eventually(lambda: [r['name'] for r in element(user, 'product-list').rows] == [
        'Huile capillaire', 'Shampooing doux'])  # and the one from setup
    assert element(user, 'product-list').rows[0]['price'].startswith('24,50')  # the location's way with money

    # a kiosk for the front desk tablet
    await user.open('/users')
    _fill(user, 'new-email', 'tablette@salon.test')
    element(user, 'new-role').set_value('kiosk')
    _fill(user, 'new-password', 'kiosk password')
    user.find(marker='add-account').click()
    await eventually(lambda: 'tablette@salon.test' in [r['email'] for r in element(user, 'user-table').rows])

    # a new customer booked for colour with Becky at 09:00 (90 minutes, then 10 minutes' buffer)
    await user.open(f'/bookings?day={booking_day.isoformat()}')
    await new_booking_dialog(user)
    await user.should_see(marker='book')
    element(user, 'customer').set_value(-1)  # + New customer
    _fill(user, 'new-name', 'Claire Dupont')
    _fill(user, 'new-phone', '06 12 34 56 78')
    colour, cut = _option(user, 'service', 'Couleur'), _option(user, 'service', 'Coupe femme')
    becky = _option(user, 'staff', 'Becky')
    element(user, 'service').set_value(colour)
    element(user, 'staff').set_value(becky)
    _fill(user, 'time', '09:00')
    user.find(marker='book').click()
    await eventually(lambda: len(drawn(user)) == 1)
    booked = next(iter(drawn(user)))
    assert 'Claire Dupont' in element(user, 'day-grid').props['blocks'][0]['text']

    # on the day, late afternoon in Paris: checked in, then completed and paid
    from app.services import clock
    monkeypatch.setattr(clock, 'now', lambda: clock.local_datetime(booking_day, 17 * 60, PARIS))
    await click_block(user, booked)
    await user.should_see(marker='to-checked_in')
    user.find(marker='to-checked_in').click()
    await eventually(lambda: 'Checked in' in _block_title(user, booked))
    await click_block(user, booked)
    await user.should_see(marker='to-checkout')
    user.find(marker='to-checkout').click()
    await user.should_see(marker='checkout-take')
    await eventually(lambda: element(user, 'checkout-total').text.endswith('€'))
    user.find(marker='checkout-take').click()
    await eventually(lambda: 'Completed' in _block_title(user, booked))

    # the kiosk: a women's cut (45 minutes) with Becky
    tablet = create_user()
    await tablet.open('/login')
    _fill(tablet, 'email', 'tablette@salon.test')
    _fill(tablet, 'password', 'kiosk password')
    tablet.find(marker='sign-in').click()
    await _left_login(tablet, '/kiosk')
    await tap(tablet, 'kiosk-book')
    await tap(tablet, f'kiosk-service-{cut}')
    await tap(tablet, f'kiosk-staff-{becky}')
    await tap(tablet, f'kiosk-day-{booking_day.isoformat()}')
    await tablet.should_see(marker=f'kiosk-times-{booking_day.isoformat()}')
    for free in ('1045', '1100', '1115', '1300', '1700'):
        await tablet.should_see(marker=f'kiosk-slot-{free}')
    for taken in ('0900', '1000', '1015', '1030',  # the colour, then its 10-minute buffer (until 10:40)
                  '1130', '1145', '1200', '1215', '1230', '1245',  # would run into, or lie in, the lunch break
                  '1730'):  # would end after closing
        await tablet.should_not_see(marker=f'kiosk-slot-{taken}', retries=1)
    await tap(tablet, f'kiosk-day-{day_off.isoformat()}')
    await tablet.should_see(marker=f'kiosk-times-{day_off.isoformat()}')
    await tablet.should_see(marker='kiosk-no-slots')  # Becky's day off


def _block_title(user: User, booking_id: int) -> str:
    return next((b['title'] for b in element(user, 'day-grid').props['blocks'] if b['id'] == booking_id), '')
