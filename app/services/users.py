"""Accounts: argon2 password hashes, sign-in."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import select

from app.models import Role, User, UserRead

from .database import session_scope
from .errors import AuthenticationError, NotFoundError, ValidationError

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def create_user(email: str, password: str, *, role: Role, location_id: int | None = None,
                staff_member_id: int | None = None) -> UserRead:
    """Create an account with an argon2id hash of ``password``.

    :raises ValidationError: email taken or malformed, password shorter than 8 characters, or a
        non-owner without a location
    """
    email = email.strip().lower()
    if '@' not in email:
        raise ValidationError('Enter an email address such as name@example.com.', field='email')
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f'The password needs at least {MIN_PASSWORD_LENGTH} characters.', field='password')
    if role != Role.OWNER and location_id is None:
        raise ValidationError('Managers, staff and kiosks belong to one location.', field='location_id')
    with session_scope(write=True) as session:
        if session.exec(select(User).where(User.email == email)).first():
            raise ValidationError(f'There is already an account for {email}.', field='email')
        user = User(email=email, password_hash=_hasher.hash(password), role=role.value, location_id=location_id,
                    staff_member_id=staff_member_id)
        session.add(user)
        session.flush()
        return UserRead.model_validate(user)


def authenticate(email: str, password: str) -> UserRead:
    """The active user with this email and password.

    :raises AuthenticationError: unknown email, wrong password or inactive account (one message for all)
    """
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        try:
            if user is None or not user.active:
                raise VerificationError
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise AuthenticationError('Wrong email or password.') from None
        return UserRead.model_validate(user)


def get_user(user_id: int) -> UserRead:
    """:raises NotFoundError: no such user"""
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError('That account no longer exists.')
        return UserRead.model_validate(user)


def count_users() -> int:
    """How many accounts exist."""
    with session_scope() as session:
        return len(session.exec(select(User.id)).all())
