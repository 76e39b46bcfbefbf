"""A staff member's calendar feed speaks its location's language (a walk-in's event); its refusals the reader's."""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar

from app.services import i18n
from app.services.catalogue import locations
from app.services.errors import NotFoundError
from app.services.messaging import feeds
from tests.factories import OWNER, at, make_booking, make_location, make_service, make_staff_member

pytestmark = pytest.mark.usefixtures('shop_clock')  # 23:00 on Monday 4 March 2030
THURSDAY = date(2030, 3, 7)


def test_a_walk_in_is_named_in_the_locations_language(db):
    location = make_location()
    jj, cut = make_staff_member(location, 'JJ'), make_service(location)
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'language': 'fr'},
                              actor=OWNER)
    make_booking(location, jj, cut, None, at(THURSDAY, '14:00'))
    address = feeds.feed_link(jj.id, actor=OWNER)
    events = Calendar.from_ical(feeds.feed(address.rsplit('/', 1)[1].removesuffix('.ics'))).walk('VEVENT')
    assert [str(e['summary']) for e in events] == ["Women's cut — Sans rendez-vous"]
    with i18n.speaking('sw'), pytest.raises(NotFoundError, match='Kalenda hiyo haipo'):
        feeds.feed('no-such-token')
