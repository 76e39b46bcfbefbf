"""Accounts: argon2 password hashes, sign-in."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, update
from sqlmodel import col, select

from app.models import Location, Role, SignInLink, SignInThrottle, StaffMember, User, UserRead
from app.services import events, i18n, lazy
from app.services.accounts import activity
from app.services.accounts.access import MANAGING_ROLES, OWNER_ROLES, ensure_role
from app.services.database import session_scope
from app.services.errors import AuthenticationError, NotFoundError, PermissionDeniedError, ValidationError
from app.services.i18n import N_, _, ngettext

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle
    import argon2.exceptions as argon2_errors
    from argon2 import PasswordHasher
else:
    argon2_errors = lazy.module('argon2.exceptions', globals())


class _FirstUse:
    """argon2's :class:`~argon2.PasswordHasher` at its defaults (RFC 9106's second choice: 64 MiB, 3 passes, 4 lanes),
    made at the first hash or check: argon2 and its cffi bindings are ~0.4 MB that a server would hold from its start,
    before anyone signs in (``bench/startup.py``). Hands every attribute to that hasher."""

    def __init__(self) -> None:
        self._made: PasswordHasher | None = None

    def __getattr__(self, name: str) -> Any:
        if self._made is None:
            from argon2 import PasswordHasher
            self._made = PasswordHasher()
        return getattr(self._made, name)


_hasher: PasswordHasher | _FirstUse = _FirstUse()
MIN_PASSWORD_LENGTH = 8
SLOW_AFTER = 3
"""Wrong passwords in a row after which each further one is answered more slowly."""
LOCK_AFTER = 10
"""Wrong passwords in a row that lock the account."""
LOCK_FOR = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)
"""Counts of wrong passwords older than this are dropped (unknown addresses would otherwise pile up)."""
_stand_in: list[tuple[PasswordHasher, str]] = []


def _stand_in_hash() -> str:
    """The hash checked instead of a real one for an address without an (active) account: the same work, never a
    match. Made by ``_hasher`` (so with its parameters) at the first sign-in, not at import: a hash at argon2's
    defaults is 64 MiB and 0.1–0.5 s of CPU that every start of the app (and of each process behind nginx) paid."""
    hasher = _hasher  # tests swap in a cheaper one: made again for another hasher
    if not _stand_in or _stand_in[0][0] is not hasher:
        _stand_in[:] = [(hasher, hasher.hash(secrets.token_urlsafe(24)))]
    return _stand_in[0][1]


def create_user(email: str, password: str, *, role: Role, actor: UserRead, location_id: int | None = None,
                staff_member_id: int | None = None) -> UserRead:
    """Create an account with an argon2id hash of ``password``.

    :raises ValidationError: email taken or malformed, password shorter than 8 characters, a
        non-owner without a location, an unknown location, or a staff member of another location
    :raises PermissionDeniedError: ``actor`` is not the owner
    """
    ensure_role(actor, OWNER_ROLES, N_('create accounts'))
    email = check_new_password(email, password)
    if role != Role.OWNER and location_id is None:
        raise ValidationError(_('Managers, staff and kiosks belong to one location.'), field='location_id')
    with session_scope(write=True) as session:
        return create_in(session, email, password, role=role, location_id=location_id,
                       staff_member_id=staff_member_id)


def check_new_password(email: str, password: str) -> str:
    """The address as stored (trimmed, lower case). :raises ValidationError: a malformed address or a short password"""
    email = email.strip().lower()
    if '@' not in email or len(email) > 200:
        raise ValidationError(_('Enter an email address such as name@example.com.'), field='email')
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(ngettext('The password needs at least {n} character.',
                                       'The password needs at least {n} characters.',
                                       MIN_PASSWORD_LENGTH).format(n=MIN_PASSWORD_LENGTH), field='password')
    return email


def create_in(session, email: str, password: str, *, role: Role, location_id: int | None,
            staff_member_id: int | None) -> UserRead:
    """The account, in the caller's unit of work (see :func:`create_user`)."""
    if location_id is not None and session.get(Location, location_id) is None:
        raise ValidationError(_('That location does not exist.'), field='location_id')
    member = session.get(StaffMember, staff_member_id) if staff_member_id is not None else None
    if staff_member_id is not None and (member is None or member.location_id != location_id):
        raise ValidationError(_("The staff member must work at the account's location."), field='staff_member_id')
    if session.exec(select(User).where(User.email == email)).first():
        raise ValidationError(_('There is already an account for {email}.').format(email=email), field='email')
    user = User(email=email, password_hash=_hasher.hash(password), role=role.value, location_id=location_id,
                staff_member_id=staff_member_id)
    session.add(user)
    session.flush()
    return _read(user)


def authenticate(email: str, password: str, *, now: datetime | None = None) -> UserRead:
    """The active user with this email and password. Wrong passwords are counted per typed address.

    Throttling (OWASP's authentication cheat sheet: lock out after repeated failures, for a while):
    from the :data:`SLOW_AFTER`-th wrong password in a row each further failure waits
    ``2 ** (n - SLOW_AFTER)`` seconds (at most 8) before answering; the :data:`LOCK_AFTER`-th pauses
    the address for :data:`LOCK_FOR`. A good sign-in resets the count. The owner sees the count and
    the lock on the Users page and can unlock.

    An address without an account (or of a switched-off one) costs and answers exactly the same:
    its password is checked against a stand-in argon2 hash of the same parameters, its failures are
    counted, slowed down and locked in the same table, with the same messages (OWASP: authentication
    responses must not tell whether an account exists). Hashing runs outside any write transaction.

    :raises AuthenticationError: unknown email, wrong password, inactive account ("Wrong email or
        password."), or too many wrong passwords for the address (when it may be tried again)
    """
    now = now or datetime.now(UTC)
    address = _normalised(email)
    key = _address_key(address)
    stand_in = _stand_in_hash()  # whether or not the address has an account: the first sign-in tells nothing
    with session_scope() as session:
        throttle = session.get(SignInThrottle, key)
        locked = throttle.locked_until if throttle is not None else None
        user = _user_by_email(session, address)
        stored = user.password_hash if user is not None and user.active else stand_in
    if locked is not None and locked > now:
        raise _refusal(N_('Too many wrong passwords for this email address: signing in with it is paused until '
                          '{time} UTC. The owner can lift the pause sooner.'), time=f'{locked:%H:%M}')
    try:
        good = _hasher.verify(stored, password) and stored is not stand_in
    except (argon2_errors.VerificationError, argon2_errors.InvalidHashError):
        good = False
    with session_scope(write=True) as session:
        throttle = session.exec(select(SignInThrottle).where(SignInThrottle.email_hash == key)
                                .with_for_update()).first()
        if good:
            if throttle is not None:
                session.delete(throttle)
            return _read(session.get(User, user.id))
        throttle = throttle or SignInThrottle(email_hash=key, failures=0, last_failure_at=now)
        throttle.failures += 1
        throttle.last_failure_at = now
        if throttle.failures >= LOCK_AFTER:
            throttle.locked_until = now + LOCK_FOR
        session.add(throttle)
        session.execute(delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - FORGET_AFTER,
                                                  SignInThrottle.email_hash != key))
        wait = _delay(throttle.failures)
    if wait:
        time.sleep(wait)
    raise _refusal(N_('Wrong email or password.'))


def _normalised(email: str) -> str:
    return (email or '').strip().lower()


def _address_key(address: str) -> str:
    return hashlib.sha256(address.encode('utf-8', 'surrogatepass')).hexdigest()


def _user_by_email(session, address: str) -> User | None:
    """The account of a normalised address; None for text no account could have (too long, control
    characters: PostgreSQL would refuse a NUL in the query itself)."""
    if len(address) > 200 or any(ord(c) < 32 for c in address):
        return None
    return session.exec(select(User).where(User.email == address)).first()


def _refusal(message: str, **values: str) -> AuthenticationError:
    """A sign-in refusal in the reader's language; ``stored`` keeps it for the activity log, to be shown in its
    reader's (:func:`app.services.i18n.deferred`)."""
    error = AuthenticationError(_(message).format(**values))
    error.stored = i18n.deferred(message, **values)
    return error


def _delay(failures: int) -> float:
    return 0.0 if failures < SLOW_AFTER else float(min(2 ** (failures - SLOW_AFTER), 8))


def list_users(*, actor: UserRead) -> list[UserRead]:
    """Every account, by email, with its failed sign-ins and lock. :raises PermissionDeniedError: not the owner"""
    ensure_role(actor, OWNER_ROLES, N_('manage accounts'))
    with session_scope() as session:
        accounts = list(session.exec(select(User).order_by(User.email)))
        throttles = {t.email_hash: t for t in session.exec(select(SignInThrottle).where(
            col(SignInThrottle.email_hash).in_([_address_key(u.email) for u in accounts])))}
    return [_read(u, throttles.get(_address_key(u.email))) for u in accounts]


def unlock(user_id: int, *, actor: UserRead) -> UserRead:
    """Clear an account's failed sign-ins and lock. :raises PermissionDeniedError: not the owner"""
    ensure_role(actor, OWNER_ROLES, N_('manage accounts'))
    with session_scope(write=True) as session:
        user = _user(session, user_id)
        session.execute(delete(SignInThrottle).where(SignInThrottle.email_hash == _address_key(user.email)))
        return _read(user)


def set_active(user_id: int, active: bool, *, actor: UserRead) -> UserRead:
    """Allow an account to sign in, or revoke its sign-in. Revoking ends every open sign-in of the account at once
    (its ``session_version`` is raised, so a browser signed in with it is signed out at its next step, and
    :class:`events.SignInEnded` sends its open pages to the login page) and spends its unused sign-in links; it cannot
    sign in again until allowed. Owners manage any account but cannot switch off their own; managers the staff
    accounts of their location (:func:`ensure_manages`).

    :raises PermissionDeniedError: staff, kiosks, or a manager and an account they do not manage
    :raises ValidationError: switching off one's own account
    :raises NotFoundError: no such account
    """
    ensure_role(actor, MANAGING_ROLES, N_('manage accounts'))
    if user_id == actor.id and not active:
        raise ValidationError(_('You cannot switch off your own account.'), field='active')
    with session_scope(write=True) as session:
        user = _user(session, user_id)
        ensure_manages(actor, user)
        changed = user.active != active
        user.active = active
        if not active:
            end_sign_ins(session, user)
        session.add(user)
        session.flush()
        if changed:
            detail = (i18n.deferred('Sign-in of {email} allowed again', email=user.email) if active
                      else i18n.deferred('Sign-in of {email} revoked', email=user.email))
            activity.add(session, actor, 'sign_in_allowed' if active else 'sign_in_revoked', detail,
                         location_id=user.location_id)
        result = _read(user)
    if not active:
        events.publish(events.SignInEnded(location_id=0, user_id=user_id))
    return result


def ensure_manages(actor: UserRead, user: User | UserRead) -> None:
    """Whether ``actor`` may send ``user`` a sign-in link or revoke their sign-in: owners any account, managers the
    staff accounts of their own location.

    :raises PermissionDeniedError: otherwise
    """
    ensure_role(actor, MANAGING_ROLES, N_('manage accounts'))
    if actor.role == Role.OWNER:
        return
    if user.role != Role.STAFF.value or actor.location_id is None or user.location_id != actor.location_id:
        raise PermissionDeniedError(_('Managers manage only the staff sign-ins of their own location.'))


def end_sign_ins(session, user: User, *, now: datetime | None = None) -> None:
    """In the caller's unit of work: end every sign-in ``user`` has now (a higher ``session_version``) and spend their
    unused sign-in links. The caller publishes :class:`events.SignInEnded` after the commit."""
    user.session_version = (user.session_version or 0) + 1
    session.add(user)
    session.execute(update(SignInLink).where(SignInLink.user_id == user.id, col(SignInLink.used_at).is_(None))
                    .values(used_at=now or datetime.now(UTC)))


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (slow on purpose: call it off the event loop, outside transactions)."""
    return _hasher.hash(password)


def read_account(user: User) -> UserRead:
    """An account as pages and services see it."""
    return _read(user)


def clear_throttle(session, email: str) -> None:
    """Forget the wrong passwords counted for ``email`` (its password was just set anew), in the caller's unit of
    work."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.email_hash == _address_key(_normalised(email))))


def set_pin(user_id: int, pin: str, *, actor: UserRead) -> UserRead:
    """Give a person a kiosk PIN (4 to 8 digits, argon2id hash). Owners set anyone's; others their own.

    :raises ValidationError: not 4–8 digits, or a kiosk account
    :raises PermissionDeniedError: someone else's PIN, not being the owner
    """
    if actor.role != Role.OWNER and actor.id != user_id:
        raise PermissionDeniedError(_("Only the owner can set someone else's PIN."))
    if not re.fullmatch(r'\d{4,8}', pin or ''):
        raise ValidationError(_('A PIN is 4 to 8 digits.'), field='pin')
    with session_scope(write=True) as session:
        user = _user(session, user_id)
        if user.role == Role.KIOSK:
            raise ValidationError(_('Kiosk accounts have no PIN; staff use theirs to leave kiosk mode.'), field='pin')
        user.pin_hash = _hasher.hash(pin)
        session.add(user)
        session.flush()
        return _read(user)


def verify_pin(location_id: int, pin: str) -> UserRead | None:
    """The active owner, or manager or staff member of the location, whose PIN this is (None if nobody's)."""
    with session_scope() as session:
        people = session.exec(select(User).where(User.active, col(User.pin_hash).is_not(None),
                                                 col(User.role).in_(['owner', 'manager', 'staff']))).all()
        for user in people:
            if user.location_id not in (None, location_id):
                continue
            try:
                _hasher.verify(user.pin_hash, pin or '')
            except (argon2_errors.VerificationError, argon2_errors.InvalidHashError):
                continue
            return _read(user)
    return None


def set_language(language: str | None, *, actor: UserRead) -> UserRead:
    """``actor``'s own language for their pages (``None``: their location's); anyone signed in chooses their own.

    :param language: a code of :data:`app.services.i18n.LANGUAGES`, or None
    :raises ValidationError: a language ClientPulse does not speak (field ``language``)
    :raises NotFoundError: the account no longer exists
    """
    if language is not None and language not in i18n.LANGUAGES:
        raise ValidationError(_('ClientPulse does not speak "{language}".').format(language=language),
                              field='language')
    with session_scope(write=True) as session:
        user = _user(session, actor.id)
        user.language = language
        session.add(user)
        session.flush()
        return _read(user)


def _user(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(_('That account no longer exists.'))
    return user


def _read(user: User, throttle: SignInThrottle | None = None) -> UserRead:
    return UserRead.model_validate(user, update={
        'has_pin': user.pin_hash is not None, 'failed_logins': throttle.failures if throttle else 0,
        'locked_until': throttle.locked_until if throttle else None})


def get_user(user_id: int) -> UserRead:
    """:raises NotFoundError: no such user"""
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(_('That account no longer exists.'))
        return _read(user)


def desktop_owner() -> UserRead | None:
    """The owner the desktop window signs in: the first active owner account (None if there is none)."""
    with session_scope() as session:
        owner = session.exec(select(User).where(User.role == Role.OWNER.value, User.active).order_by(User.id)).first()
        return _read(owner) if owner is not None else None
