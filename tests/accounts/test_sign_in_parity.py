"""Sign-in answers an unknown address exactly as it answers a real account: the same work, the same
throttling, the same words. Time is measured in bench/sign_in.py; here, the work is counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.models import Role
from app.services.accounts import activity, users
from app.services.errors import AuthenticationError
from tests.factories import OWNER

NOW = datetime(2030, 3, 4, 12, tzinfo=UTC)


class CountingHasher:
    """The argon2 hasher, counting verifications (the costly step)."""

    def __init__(self, real) -> None:
        self.real, self.verified = real, 0

    def verify(self, stored: str, password: str) -> bool:
        self.verified += 1
        return self.real.verify(stored, password)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    seen: list[float] = []
    monkeypatch.setattr(users.time, 'sleep', seen.append)
    return seen


def answers(email: str, attempts: int, *, at: datetime = NOW) -> list[str]:
    said = []
    for _ in range(attempts):
        with pytest.raises(AuthenticationError) as raised:
            users.authenticate(email, 'wrong password', now=at)
        said.append(str(raised.value))
    return said


def test_known_unknown_and_switched_off_addresses_cost_the_same_argon2_work(db, monkeypatch):
    users.create_user('real@shop.test', 'right password', role=Role.OWNER, actor=OWNER)
    off = users.create_user('off@shop.test', 'right password', role=Role.OWNER, actor=OWNER)
    users.set_active(off.id, False, actor=OWNER)
    hasher = CountingHasher(users._hasher)
    monkeypatch.setattr(users, '_hasher', hasher)
    for email in ('real@shop.test', 'nobody@shop.test', 'off@shop.test', 'x' * 5000 + '\x00@shop.test'):
        before = hasher.verified
        answers(email, 1)
        assert hasher.verified - before == 1, email  # one argon2 verification, account or not
    with pytest.raises(AuthenticationError, match=r'^Wrong email or password\.$'):
        users.authenticate('off@shop.test', 'right password', now=NOW)  # a switched-off account: same words


def test_known_and_unknown_addresses_are_throttled_and_locked_alike(db, waits):
    users.create_user('real@shop.test', 'right password', role=Role.OWNER, actor=OWNER)
    real = answers('real@shop.test', users.LOCK_AFTER + 2)
    real_waits = list(waits)
    waits.clear()
    unknown = answers('Nobody@Shop.test ', users.LOCK_AFTER + 2)
    assert unknown == real
    assert waits == real_waits == [1, 2, 4, 8, 8, 8, 8, 8]
    assert real[-1].startswith('Too many wrong passwords for this email address: signing in with it is paused '
                               'until 12:15 UTC')
    later = NOW + users.LOCK_FOR + timedelta(minutes=1)
    assert users.authenticate('real@shop.test', 'right password', now=later).email == 'real@shop.test'


def test_the_owner_sees_and_lifts_a_pause_of_a_real_account(db, waits):
    account = users.create_user('real@shop.test', 'right password', role=Role.OWNER, actor=OWNER)
    answers('real@shop.test', users.LOCK_AFTER)
    shown = next(u for u in users.list_users(actor=OWNER) if u.id == account.id)
    assert (shown.failed_logins, shown.locked_until) == (users.LOCK_AFTER, NOW + users.LOCK_FOR)
    users.unlock(account.id, actor=OWNER)
    assert users.authenticate('real@shop.test', 'right password', now=NOW).id == account.id


def test_counts_of_old_failures_are_forgotten(db, waits):
    answers('a@shop.test', 2)
    answers('b@shop.test', 1, at=NOW + users.FORGET_AFTER + timedelta(minutes=1))
    from sqlmodel import select

    from app.models import SignInThrottle
    from app.services.database import session_scope
    with session_scope() as session:
        assert len(session.exec(select(SignInThrottle)).all()) == 1  # a@ was pruned when b@ failed a day later


def test_whatever_is_typed_as_the_email_is_logged_without_breaking_the_log(db):
    typed = '=cmd|' + 'x' * 5000 + '\x00\n@shop.test'
    activity.record(None, 'sign_in_failed', 'Wrong email or password.', email=typed, ip='10.0.0.9\x00',
                    user_agent='A' * 1000)
    entry = activity.entries(actor=OWNER)[0]
    assert entry.action == 'sign_in_failed' and len(entry.email) == 200 and '\x00' not in entry.email
    assert len(entry.user_agent) == 300 and entry.ip == '10.0.0.9?'
