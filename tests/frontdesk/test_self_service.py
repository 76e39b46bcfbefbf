"""The manage link's rules on both databases: moves only to offered times and outside the window, nothing for a
booking that has started or is gone, and the customer's messages follow (a move re-times the reminders)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.models import BookingStatus
from app.services import i18n
from app.services.catalogue import locations
from app.services.errors import InvalidTransitionError, NotFoundError, ValidationError
from app.services.frontdesk import self_service
from app.services.messaging import links
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

pytestmark = pytest.mark.usefixtures('shop_clock')  # 23:00 on Monday 4 March 2030
THURSDAY = date(2030, 3, 7)


@pytest.fixture
def shop(db):
    location = make_location()
    return {'location': location, 'jj': make_staff_member(location, 'JJ'), 'sam': make_staff_member(location, 'Sam'),
            'cut': make_service(location), 'alex': make_customer(location)}


def _token(booking) -> str:
    return links.manage_token(booking.id, booking.code)


def test_a_move_goes_only_to_a_time_offered_now(shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    token = _token(booking)
    with pytest.raises(ValidationError, match='no longer free'):
        self_service.reschedule(token, at(THURSDAY, '14:05'), shop['jj'].id)  # off the 15-minute grid
    with pytest.raises(ValidationError, match='no longer free'):
        self_service.reschedule(token, at(THURSDAY, '20:00'), shop['jj'].id)  # after JJ's hours
    other = make_booking(shop['location'], shop['sam'], shop['cut'], make_customer(shop['location'], 'Kim'),
                         at(THURSDAY, '11:00'))
    with pytest.raises(ValidationError, match='no longer free'):
        self_service.reschedule(token, at(THURSDAY, '11:00'), shop['sam'].id)
    moved = self_service.reschedule(token, at(THURSDAY, '11:00'), shop['jj'].id)
    assert (moved.starts_at, moved.staff_name) == (at(THURSDAY, '11:00'), 'JJ')
    assert other.id != moved.id


def test_the_locations_notice_and_horizon_bind_the_customer(shop):
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'horizon_days': 3,
                                            'min_notice_minutes': 24 * 60}, actor=OWNER)
    booking = make_booking(location, shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    assert self_service.free_times(_token(booking), THURSDAY + timedelta(days=3)) == []  # past the horizon
    with pytest.raises(ValidationError):
        self_service.reschedule(_token(booking), at(date(2030, 3, 5), '16:00'), shop['jj'].id)  # 17 h: too soon


def test_no_move_inside_the_window_and_nothing_once_cancelled_or_started(shop, shop_clock):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(date(2030, 3, 5), '10:00'))
    token = _token(booking)
    with pytest.raises(ValidationError, match='only be moved by the shop'):
        self_service.reschedule(token, at(THURSDAY, '10:00'), shop['jj'].id)
    self_service.cancel(token)
    with pytest.raises(InvalidTransitionError):
        self_service.cancel(token)
    assert self_service.open_link(token).changeable is False
    started = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '09:00'))
    shop_clock(at(THURSDAY, '09:10'))
    with pytest.raises(ValidationError, match='has started'):
        self_service.cancel(_token(started))


def test_a_token_names_one_booking(shop):
    mine = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    theirs = make_booking(shop['location'], shop['sam'], shop['cut'], make_customer(shop['location'], 'Kim'),
                          at(THURSDAY, '14:00'))
    for token in (links.manage_token(theirs.id, mine.code), _token(mine)[:-2] + 'xx', 'nonsense', '.' * 400):
        with pytest.raises(NotFoundError):
            self_service.cancel(token)
    assert self_service.open_link(_token(theirs)).booking.status == BookingStatus.BOOKED


def test_reminder_hours_out_of_range_are_refused_naming_the_field(shop):
    location = shop['location']
    for hours in ([0], [99_999], [24, 24], [1, 2, 3, 4]):
        with pytest.raises(ValidationError) as caught:
            locations.update_location(location.id, {**locations.settings_of(location).model_dump(),
                                                    'reminder_hours': hours}, actor=OWNER)
        assert caught.value.field == 'reminder_hours', hours


def test_refusals_in_the_readers_language_and_the_links_place(shop):
    location = shop['location']
    booking = make_booking(location, shop['jj'], shop['cut'], shop['alex'], at(date(2030, 3, 5), '10:00'))
    later = make_booking(location, shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    with i18n.speaking('fr'):
        with pytest.raises(ValidationError, match="À moins de 24 heures de votre rendez-vous, seul l'établissement"):
            self_service.reschedule(_token(booking), at(THURSDAY, '10:00'), shop['jj'].id)  # 11 h away: inside
        with pytest.raises(ValidationError) as caught:
            self_service.reschedule(_token(later), at(THURSDAY, '14:05'), shop['jj'].id)
        assert str(caught.value) == "14:05 le 07 mars n'est plus libre. Choisissez un autre horaire."
        with pytest.raises(NotFoundError, match="Ce lien n'est pas valide"):
            self_service.open_link('nonsense')
    with i18n.speaking('sw'), pytest.raises(NotFoundError, match='Miadi hii haipo tena'):
        self_service.open_link(links.manage_token(booking.id, 'not-its-code'))
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'language': 'sw',
                                            'locale': 'en_KE'}, actor=OWNER)
    assert self_service.place_of_link(_token(booking)) == self_service.Place('sw', 'en_KE', location.time_zone)
    assert self_service.open_link(_token(booking)).language == 'sw'
    assert self_service.place_of_link('nonsense') is None
    assert self_service.place_of_link(links.manage_token(booking.id, 'not-its-code')) is None
    assert self_service.place_of_offer('nonsense') is None
