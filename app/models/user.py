"""People who act: those who sign in (owners, managers, staff and kiosk devices) and customers proven by a signed
link or a one-time code (:class:`CustomerActor`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import CheckConstraint, Index, String
from sqlmodel import Field, SQLModel

from .base import Role, UTCDateTime, enum_check, utcnow


class User(SQLModel, table=True):
    __tablename__ = 'app_user'
    __table_args__ = (CheckConstraint(enum_check('role', Role), name='role'),)
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=200, unique=True)
    password_hash: str = Field(max_length=200, description='argon2id hash')
    role: str = Field(sa_type=String(20))
    location_id: int | None = Field(default=None, foreign_key='location.id', description='None: every location')
    staff_member_id: int | None = Field(default=None, foreign_key='staff_member.id')
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    pin_hash: str | None = Field(default=None, max_length=200, description='argon2id hash of the PIN that '
                                 'lets this person take a kiosk out of kiosk mode')
    language: str | None = Field(default=None, max_length=8, description="the language of this person's pages "
                                 "('en', 'fr', 'sw'); None: their location's")
    session_version: int = Field(default=0, sa_column_kwargs={'server_default': '0'},
                                 description='raised to end every open sign-in of this account at once (revoked, '
                                 'password set by link): a browser signed in with an older one is signed out')


class SignInThrottle(SQLModel, table=True):
    """Wrong passwords in a row typed for one email address, whether or not it has an account (so an
    address's answers never tell whether it has one); the row goes with the next good sign-in."""

    __tablename__ = 'sign_in_throttle'
    email_hash: str = Field(primary_key=True, max_length=64, description='SHA-256 of the address as typed, '
                            'trimmed and lower-cased (what was typed is not kept)')
    failures: int = Field(default=0, description='wrong passwords since the last good sign-in')
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                          description='no sign-in before this time (too many wrong passwords)')
    last_failure_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignInLinkKind(StrEnum):
    """What a one-time sign-in link is for."""

    INVITE = 'invite'
    RESET = 'reset'


class SignInLink(SQLModel, table=True):
    """A one-time link sent to a staff member (an invitation: they make their own account) or to an account's owner
    (a password reset). Only the SHA-256 of its random secret is kept; the link carries ``<id>.<secret>``. Wrong
    secrets given for it are recorded (``attempts``) but never spend it: they count against the caller's network
    address (:mod:`app.services.messaging.sign_in_links`). Spent on use (``used_at``), when another link for the same
    person is used, or when it expires."""

    __tablename__ = 'sign_in_link'
    __table_args__ = (CheckConstraint(enum_check('kind', SignInLinkKind), name='kind'),
                      Index('ix_sign_in_link_user_id', 'user_id'),
                      Index('ix_sign_in_link_staff_member_id', 'staff_member_id'))
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(10))
    secret_hash: str = Field(max_length=64, description="SHA-256 (hex) of the link's random secret")
    location_id: int = Field(foreign_key='location.id', description='the location whose outbox sent it')
    staff_member_id: int | None = Field(default=None, foreign_key='staff_member.id',
                                        description='invitations: who is invited')
    user_id: int | None = Field(default=None, foreign_key='app_user.id', description='resets: whose password')
    email: str | None = Field(default=None, max_length=200, description='invitations by e-mail: the sign-in address '
                              '(by SMS the staff member gives one)')
    sent_by: int | None = Field(default=None, description='the account that sent it (0: the command line)')
    attempts: int = Field(default=0, description='wrong secrets given for this link')
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description='spent: used, replaced, '
                                     'revoked or tried too often')


class UserRead(SQLModel):
    id: int
    email: str
    role: Role
    location_id: int | None
    staff_member_id: int | None
    active: bool
    failed_logins: int = Field(default=0, description='wrong passwords in a row (from the sign-in throttle)')
    locked_until: datetime | None = None
    has_pin: bool = False
    language: str | None = Field(default=None, description="this person's own language; None: their location's")
    session_version: int = Field(default=0, description='sign-ins made with an older one are over')
    created_at: datetime | None = Field(default=None, description='when the account was made (None: a stand-in actor)')
    ip: str = Field(default='', description='where this person is acting from (not stored with the account)')
    user_agent: str = Field(default='', description="the person's browser (not stored with the account)")


CustomerProof = Literal['manage_link', 'booking_code', 'offer_link', 'chat_link', 'online_booking']
"""What proved a customer: their booking's manage link (``/my/<token>``), a one-time code sent to their phone or
e-mail (online booking, for the customer that address belongs to), a waitlist offer's link (``/offer/<token>``), their
chat link (``/chat/<token>``), or nothing but the location's public booking page (``/book/<location>``: a visitor)."""


class CustomerActor(SQLModel):
    """A customer acting for themselves, as ``actor=``: ``customer_id`` at ``location_id``, and what proved it.

    Services let it do only what a customer may (their own bookings and chat, at that location) and refuse it
    everything staff-only (:mod:`app.services.accounts.access`). ``customer_id`` is None only for a visitor to the
    public booking page (``proof='online_booking'``) before their booking exists: a visitor may see free times, hold
    one and book it as a new customer, nothing that belongs to a customer. ``ip`` and ``user_agent`` are the request's,
    for the activity log (never stored with the customer).

    :raises ValueError: ``customer_id`` is None with a proof other than ``'online_booking'``
    """

    model_config = {'frozen': True}  # type: ignore[assignment]
    customer_id: int | None
    location_id: int
    proof: CustomerProof
    ip: str = Field(default='', max_length=64)
    user_agent: str = Field(default='', max_length=300)

    def model_post_init(self, context: Any, /) -> None:
        """Refuses a customer-less actor unless it is a visitor to the public booking page."""
        if self.customer_id is None and self.proof != 'online_booking':
            raise ValueError(f'a customer proven by {self.proof} has a customer_id')

    @property
    def label(self) -> str:
        """How the activity log names this actor: ``customer 12 (manage link)``, ``visitor (online booking)``."""
        who = f'customer {self.customer_id}' if self.customer_id is not None else 'visitor'
        return f'{who} ({self.proof.replace("_", " ")})'
