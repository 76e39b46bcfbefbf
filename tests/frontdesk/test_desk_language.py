"""The front desk in the reader's language: the day view and the dashboard follow the location's language (or the
signed-in person's own), counts take the language's plural forms, refusals made in a worker thread arrive translated,
and a booking's summary, stored once, reads in each reader's language."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import BookingCreate, Customer, Location, Role
from app.services import events, i18n
from app.services.accounts import users
from app.services.database import session_scope
from app.services.errors import OutsideWorkingHoursError
from app.services.frontdesk import bookings
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import DAY, PASSWORD, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')


def speak(location_id: int, language: str) -> None:
    """Set the location's language (as the Settings page does)."""
    with session_scope(write=True) as session:
        session.get(Location, location_id).language = language


async def test_the_day_view_speaks_the_locations_french(user: User, shop):
    speak(shop['location'].id, 'fr')
    with session_scope(write=True) as session:  # reached by e-mail: the block's title carries no "no reminder"
        session.get(Customer, shop['alex'].id).email = 'alex@example.com'
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '14:30'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await user.should_see('lundi 04 mars 2030', retries=100)  # the first French page may compile its catalog
    await user.should_see('Nouveau rendez-vous')
    await user.should_see('Vue du jour')
    await user.should_not_see('New booking')
    grid = element(user, 'day-grid').props['grid']
    assert {entry['status']: entry['label'] for entry in grid['legend']}['booked'] == 'Réservé'
    assert grid['texts']['list'] == 'Liste'
    block = element(user, 'day-grid').props['blocks'][0]
    assert block['title'] == "14:30 Alex Kim · Women's cut · Réservé" and block['icon'] == 'event'


async def test_a_persons_own_kiswahili_wins_over_the_locations_language(user: User, shop):
    speak(shop['location'].id, 'fr')
    manager = users.authenticate('manager@shop.test', PASSWORD)
    users.set_language('sw', actor=manager)
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    await sign_in(user, Role.MANAGER, f'/?day={DAY.isoformat()}')
    await user.should_see('Miadi ya siku hiyo', retries=100)  # the card "Bookings on the day"
    await user.should_see('Jumatatu 04 Machi 2030')
    await user.should_not_see('Revenue, last 30 days')
    rows = element(user, 'day-bookings').rows
    assert [(r['customer'], r['status']) for r in rows] == [('Alex Kim', 'Imewekwa')]
    assert element(user, 'day-bookings').columns[1]['label'] == 'Mteja'


async def test_the_lists_count_is_one_booking_not_one_bookings(user: User, shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    element(user, 'booking-tabs').set_value('List')
    await eventually(lambda: element(user, 'booking-count').text == '1 booking')


@pytest.mark.parametrize(('language', 'one', 'two'), [('en', '1 booking', '2 bookings'),
                                                      ('fr', '1 rendez-vous', '2 rendez-vous'),
                                                      ('sw', 'miadi 1', 'miadi 2')])
def test_counts_take_each_languages_plural_forms(language, one, two):
    with i18n.speaking(language):
        assert [i18n.ngettext('{n} booking', '{n} bookings', n).format(n=n) for n in (1, 2)] == [one, two]
        assert i18n.ngettext('{n} booking made.', '{n} bookings made.', 1).format(n=1) != '1 bookings made.'


async def test_a_refusal_from_the_worker_thread_arrives_in_french(user: User, shop):
    speak(shop['location'].id, 'fr')
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    make_booking(shop['location'], shop['becky'], shop['cut'], shop['sam'], at(DAY, '14:00'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await user.should_see('Nouveau rendez-vous', retries=100)
    # dragged onto Sam's booking: moved by bookings.move_booking in a worker thread (language.io_bound), refused
    user.find(marker='day-grid').trigger('move', {'id': booking.id, 'column': shop['becky'].id, 'minute': 14 * 60})
    await user.should_see('BECKY a déjà un rendez-vous 14:00–14:45 avec Sam Lee', retries=100)
    await user.should_not_see('BECKY is already booked')


def test_a_bookings_summary_is_stored_once_and_read_in_each_language(shop):
    seen = []
    events.subscribe(seen.append)
    try:
        booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '14:30'))
        bookings.cancel_booking(booking.id, actor=OWNER, reason='malade')
    finally:
        events.unsubscribe(seen.append)
    created, cancelled = (e.summary for e in seen if getattr(e, 'booking_id', None) == booking.id)
    assert i18n.shown(created) == "New booking: Alex Kim — Women's cut, Mon 04 Mar 14:30 with JJ"
    with i18n.speaking('fr'):
        assert i18n.shown(created).startswith("Nouveau rendez-vous : Alex Kim — Women's cut, ")
        assert i18n.shown(cancelled).endswith('avec JJ — malade')
    with i18n.speaking('sw'):
        assert i18n.shown(cancelled).startswith('Miadi imeghairiwa: Alex Kim')


def test_refusals_follow_the_language_of_the_moment(shop):
    data = BookingCreate(location_id=shop['location'].id, customer_id=shop['alex'].id, service_id=shop['cut'].id,
                         staff_member_id=shop['jj'].id, starts_at=at(DAY, '20:00'))
    with i18n.speaking('fr'), pytest.raises(OutsideWorkingHoursError) as refused:
        bookings.create_booking(data, actor=OWNER)
    assert str(refused.value) == 'JJ travaille 09:00–17:00 le lundi ; 20:00–20:45 est en dehors de ces heures.'
    with pytest.raises(OutsideWorkingHoursError) as refused:
        bookings.create_booking(data, actor=OWNER)
    assert str(refused.value) == 'JJ works 09:00–17:00 on Mondays; 20:00–20:45 is outside that.'
