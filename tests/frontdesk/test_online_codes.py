"""A one-time code's tries are counted before the code is compared, each in its own committed transaction: 50 guesses
of one online-booking code fired at once (threads against the service) get at most 5 comparisons, on both databases;
then the code is spent, even for the right digits, and the address is paused."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from app.models import MessageChannel, Verification
from app.services import clock
from app.services.catalogue import locations
from app.services.database import session_scope
from app.services.errors import ValidationError
from app.services.frontdesk import online
from tests.factories import OWNER, at, make_location, make_service, make_staff_member

GUESSES = 50


@pytest.fixture
def shop(db):
    location = make_location()
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'online_booking': True},
                              actor=OWNER)
    return {'location': location, 'jj': make_staff_member(location, 'JJ'), 'cut': make_service(location)}


def test_fifty_guesses_at_once_get_at_most_five_comparisons(shop, smtp, monkeypatch):
    location_id = shop['location'].id
    details = online.Details(name='Robin Park', email='robin@example.com', channel=MessageChannel.EMAIL)
    token = online.request_code(location_id, details, ip='10.0.0.5')
    right = re.search(r'\d{6}', smtp.messages[-1]['Subject']).group(0)
    day = clock.local_day(clock.now(), shop['location'].time_zone) + timedelta(days=2)
    (slot,) = [s for s in online.free_times(location_id, shop['cut'].id, day) if s.starts_at == at(day, '10:00')]
    compared: list[str] = []
    hash_of = online._hash

    def counting_hash(token: str, code: str) -> str:  # called once per comparison of a typed code
        compared.append(code)
        return hash_of(token, code)

    monkeypatch.setattr(online, '_hash', counting_hash)
    start, answers = threading.Barrier(GUESSES), []

    def guess(n: int) -> None:
        wrong = f'{(int(right) + 1 + n) % 10 ** 6:06d}'
        start.wait()
        try:
            online.confirm(location_id, token, wrong, details, service_id=shop['cut'].id, slot=slot, holder='page-1')
        except ValidationError as error:
            answers.append(str(error))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == GUESSES  # every guess was answered, none booked
    assert len(compared) <= online.MAX_TRIES
    assert sum('is not right' in a for a in answers) == online.MAX_TRIES - 1  # 4 left … 1 left
    assert sum('Too many wrong codes' in a for a in answers) == GUESSES - online.MAX_TRIES + 1
    with session_scope() as session:
        assert session.exec(select(Verification.attempts)).one() == online.MAX_TRIES
    with pytest.raises(ValidationError, match='Too many wrong codes'):  # the right digits come too late
        online.confirm(location_id, token, right, details, service_id=shop['cut'].id, slot=slot, holder='page-1')
    assert len(compared) <= online.MAX_TRIES
    with pytest.raises(ValidationError, match='Too many wrong codes'):  # and the address is paused
        online.request_code(location_id, details, ip='10.0.0.5')


def test_the_right_code_after_wrong_ones_books_and_pauses_nothing(shop, smtp):
    location_id = shop['location'].id
    details = online.Details(name='Robin Park', email='robin@example.com', channel=MessageChannel.EMAIL)
    token = online.request_code(location_id, details, ip='10.0.0.5')
    right = re.search(r'\d{6}', smtp.messages[-1]['Subject']).group(0)
    day = clock.local_day(clock.now(), shop['location'].time_zone) + timedelta(days=2)
    slots = {s.starts_at: s for s in online.free_times(location_id, shop['cut'].id, day)}
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError, match=f'{left} tr'):
            online.confirm(location_id, token, f'{(int(right) + 1) % 10 ** 6:06d}', details,
                           service_id=shop['cut'].id, slot=slots[at(day, '10:00')], holder='page-1')
    booking, _ = online.confirm(location_id, token, right, details, service_id=shop['cut'].id,
                                slot=slots[at(day, '10:00')], holder='page-1')  # the fifth try, right
    assert booking.starts_at == at(day, '10:00')
    online.request_code(location_id, details, ip='10.0.0.5')  # a right code pauses nobody
