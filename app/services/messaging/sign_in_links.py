"""One-time sign-in links: a staff member invited to make their own account, or a person sent a link to set a new
password. The owner never types or learns anyone's password.

A link is ``<base url>/account/<id>.<secret>``: the secret is :func:`secrets.token_urlsafe` (32 bytes); only its
SHA-256 is stored (:class:`~app.models.SignInLink`), compared in constant time. A link is spent on use, when a
newer link for the same person is sent or used, when the account's sign-in is revoked, and after :data:`INVITE_HOURS`
(invitations) or :data:`RESET_HOURS` (resets).

Wrong secrets are counted against the caller, not the link. The id in a link is sequential, so counting wrong
secrets against the link (and spending it after a few) let anyone on the shop's network spend every pending
invitation by trying ids. A 256-bit secret cannot be guessed, so the link needs no such guard; what is bounded is the
caller: :data:`WRONG_TRIES_PER_ADDRESS` wrong or unknown links from one network address (the page request's client
address; behind the documented proxy the ``X-Forwarded-For`` one, trusted from loopback only) within
:data:`WRONG_TRIES_WINDOW` pause that address for :data:`WRONG_TRIES_WINDOW` — every link, right or wrong, is
refused to it meanwhile. This is smaller than making ids random (a new column and a migration, and links already sent
would change form): the count lives in the existing ``sign_in_throttle`` table under a key no e-mail address can
have (the SHA-256 of ``"sign-in link from <address>"``) and is pruned with the wrong-password counts. A wrong try is
counted in a committed transaction of its own, so the bound holds across processes; a burst already in flight when
the pause begins may still be compared, which gives a guesser nothing against 256 bits. The link's own ``attempts``
still records wrong secrets given for it (for support), but never spends it.

A reset link goes only where the account's own records say: by e-mail to the account's address, by SMS only to the
mobile number on record of the staff member linked to the account — never to an address the sender types, or a
manager could reset a staff account to their own mailbox and sign in as that person. The mobile number on record
(``StaffMember.phone``, E.164) is set on the staff member's details by an owner or manager; without one a reset by
SMS is refused (``channel``). An invitation (no account exists yet) may go to a typed address; without one it goes to
the staff member's e-mail or mobile number on record.

The message goes through the outbox (a ``message`` row, sent at once); the outbox cuts the secret out of the row once
it has gone (:data:`~app.services.messaging.outbox.SECRET_LINK_TEMPLATES`).

Who may send: owners for anyone, managers for the staff of their own location (invitations) and the staff accounts
of their location (resets); staff and kiosks never. An invited account is a staff account of the staff member's
location, linked to the staff member.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, update
from sqlmodel import col, select

from app.config import get_settings
from app.models import (
    Location,
    MessageChannel,
    Role,
    SignInLink,
    SignInLinkKind,
    SignInThrottle,
    StaffMember,
    StaffMemberRead,
    Template,
    User,
    UserRead,
)
from app.services import events, i18n, mail
from app.services.accounts import activity, network, users
from app.services.accounts.access import MANAGING_ROLES, ensure_location, ensure_role
from app.services.customers import phones
from app.services.database import insert_or_skip, session_scope
from app.services.errors import NotFoundError, ValidationError
from app.services.i18n import N_, _, ngettext
from app.services.messaging import outbox, sms

INVITE_HOURS = 72
"""An invitation works this long after it is sent."""
RESET_HOURS = 24
"""A password reset link works this long after it is sent."""
WRONG_TRIES_PER_ADDRESS = 10
"""Wrong or unknown links one network address may try within :data:`WRONG_TRIES_WINDOW` before it is paused."""
WRONG_TRIES_WINDOW = timedelta(minutes=15)
"""How long wrong tries from one address are remembered, and how long a paused address waits."""
PATH = '/account/'
"""Where a link opens (``/account/<token>``)."""
_TOKEN = re.compile(r'([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})')
_TEMPLATES = {SignInLinkKind.INVITE: Template.STAFF_INVITE, SignInLinkKind.RESET: Template.PASSWORD_RESET}


@dataclass(frozen=True)
class SentLink:
    """A link sent: its row, the outbox message carrying it, and whether that message went out at once (if not, it
    stays queued for the outbox's retries, or failed with its reason on the Messages page)."""

    link_id: int
    message_id: int
    channel: MessageChannel
    to: str
    sent: bool


@dataclass(frozen=True)
class LinkView:
    """What a valid link opens: an invitation for ``staff_name`` (``email`` the fixed sign-in address, or None when
    the person gives one), or a reset of ``email``'s password."""

    kind: SignInLinkKind
    location_name: str
    language: str
    staff_name: str
    email: str | None


class LinkRefused(ValidationError):
    """A link that cannot be used: unknown or malformed, spent, expired, or too many wrong links from the caller's
    address lately (``field`` 'token')."""


def invite(staff_member_id: int, *, channel: MessageChannel, to: str = '', actor: UserRead,
           as_of: datetime | None = None) -> SentLink:
    """Send ``staff_member_id`` a one-time invitation (valid :data:`INVITE_HOURS`) by ``channel`` to ``to`` (an e-mail
    address, which becomes their sign-in, or a mobile number, read the location's way; empty: the staff member's
    address on record for that channel); earlier unused invitations of the same staff member are spent. Queued in the
    location's outbox and sent at once.

    :raises PermissionDeniedError: not an owner or manager, or a manager of another location
    :raises NotFoundError: no such staff member
    :raises ValidationError: the staff member no longer works here or already has a sign-in (``staff_member_id``), an
        address that is not one or already an account's, or none given and none on record (``to``), SMS without a
        provider (``channel``)
    """
    ensure_role(actor, MANAGING_ROLES, N_('invite staff'))
    now = as_of or datetime.now(UTC)
    with session_scope(write=True) as session:
        member = session.get(StaffMember, staff_member_id)
        if member is None:
            raise NotFoundError(_('That staff member no longer exists.'))
        ensure_location(actor, member.location_id)
        if not member.active:
            raise ValidationError(_('{name} no longer works here.').format(name=member.name), field='staff_member_id')
        linked = session.exec(select(User.email).where(User.staff_member_id == member.id)).first()
        if linked is not None:
            raise ValidationError(_('{name} already signs in as {email}: send a password reset link instead.').format(
                name=member.name, email=linked), field='staff_member_id')
        location = session.get(Location, member.location_id)
        to = (to or '').strip() or on_record(member, channel)
        if not to:
            missing = (_('There is no e-mail address on record for {name}: type one.') if channel
                       == MessageChannel.EMAIL else _('There is no mobile number on record for {name}: type one.'))
            raise ValidationError(missing.format(name=member.name), field='to')
        address = _address(channel, to, location)
        if channel == MessageChannel.EMAIL and session.exec(select(User.id).where(User.email == address)).first():
            raise ValidationError(_('There is already an account for {email}.').format(email=address), field='to')
        session.execute(update(SignInLink).where(
            SignInLink.staff_member_id == member.id, SignInLink.kind == SignInLinkKind.INVITE.value,
            col(SignInLink.used_at).is_(None)).values(used_at=now))
        link, token = _new_link(session, SignInLinkKind.INVITE, location.id, now, actor, staff_member_id=member.id,
                                email=address if channel == MessageChannel.EMAIL else None)
        message_id = _queue(session, link, token, channel, address, member.name, now)
        activity.add(session, actor, 'invite_sent', i18n.deferred('{name} invited to sign in ({to})', name=member.name,
                                                                  to=address), location_id=location.id)
    return SentLink(link.id, message_id, channel, address, outbox.send_now(message_id))


def send_reset(user_id: int, *, channel: MessageChannel = MessageChannel.EMAIL, location_id: int,
               actor: UserRead, as_of: datetime | None = None) -> SentLink:
    """Send the person of account ``user_id`` a one-time link (valid :data:`RESET_HOURS`) to set a new password, by
    ``channel`` to the account's own address on record — by e-mail the account's address, by SMS the mobile number on
    record of the staff member linked to it; the sender cannot choose another — through the outbox of
    ``location_id`` (the account's own location when it has one); earlier unused links of the account are spent. The
    old password keeps working until the new one is set.

    :raises PermissionDeniedError: not an owner, or a manager and not a staff account of their location
    :raises NotFoundError: no such account
    :raises ValidationError: a kiosk or switched-off account, or an address on record that mail cannot take
        (``user_id``), SMS without a provider or without a mobile number on record (``channel``)
    """
    ensure_role(actor, MANAGING_ROLES, N_('manage accounts'))
    now = as_of or datetime.now(UTC)
    with session_scope(write=True) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(_('That account no longer exists.'))
        users.ensure_manages(actor, user)
        if user.role == Role.KIOSK.value:
            raise ValidationError(_('A kiosk account has nobody to send a link to.'), field='user_id')
        if not user.active:
            raise ValidationError(_("{email}'s sign-in is switched off: allow it again first.").format(
                email=user.email), field='user_id')
        place = user.location_id if user.location_id is not None else location_id
        ensure_location(actor, place)
        location = session.get(Location, place)
        if location is None:
            raise ValidationError(_('That location does not exist.'), field='location_id')
        member = session.get(StaffMember, user.staff_member_id) if user.staff_member_id is not None else None
        address = _reset_address(user, member, channel, location)
        session.execute(update(SignInLink).where(SignInLink.user_id == user.id, col(SignInLink.used_at).is_(None))
                        .values(used_at=now))
        link, token = _new_link(session, SignInLinkKind.RESET, location.id, now, actor, user_id=user.id)
        message_id = _queue(session, link, token, channel, address, member.name if member else user.email, now)
        activity.add(session, actor, 'reset_sent', i18n.deferred('Password reset link for {email} sent ({to})',
                                                                 email=user.email, to=address), location_id=location.id)
    return SentLink(link.id, message_id, channel, address, outbox.send_now(message_id))


def open_link(token: str, *, ip: str = '', as_of: datetime | None = None) -> LinkView:
    """What the link ``token`` (``<id>.<secret>``) opens, if it can be used now, asked from network address ``ip``
    (the page request's client address). A wrong or unknown link counts against ``ip``
    (:data:`WRONG_TRIES_PER_ADDRESS`), never against the link.

    :raises LinkRefused: malformed or unknown, spent, expired, its person or account is gone, or ``ip`` paused after
        too many wrong links
    """
    now = as_of or datetime.now(UTC)
    link = _check(token, ip, now)
    with session_scope() as session:
        location = session.get(Location, link.location_id)
        if link.kind == SignInLinkKind.INVITE.value:
            member = session.get(StaffMember, link.staff_member_id)
            if member is None or not member.active:
                raise LinkRefused(_('This invitation is no longer valid. Ask for a new one.'), field='token')
            return LinkView(SignInLinkKind.INVITE, location.name, location.language, member.name, link.email)
        user = session.get(User, link.user_id)
        if user is None or not user.active:
            raise LinkRefused(_('This link is no longer valid. Ask for a new one.'), field='token')
        member = session.get(StaffMember, user.staff_member_id) if user.staff_member_id is not None else None
        return LinkView(SignInLinkKind.RESET, location.name, location.language, member.name if member else '',
                        user.email)


def use_link(token: str, password: str, *, email: str = '', ip: str = '',
             as_of: datetime | None = None) -> UserRead:
    """Use the link ``token``: an invitation makes the staff member's account (a staff account of their location,
    linked to them; the sign-in address is the invitation's, or ``email`` when it came by SMS) with ``password``; a
    reset sets the account's password to ``password``, ends its other sign-ins and clears its wrong-password count.
    Either way the link and every other unused link of the same person are spent. Returns the account to sign in.
    ``ip`` as for :func:`open_link`.

    :raises LinkRefused: as :func:`open_link`, or used meanwhile
    :raises ValidationError: the password too short (``password``), the address malformed or taken (``email``), the
        staff member given a sign-in meanwhile (``token``)
    """
    now = as_of or datetime.now(UTC)
    link = _check(token, ip, now)
    address = (link.email or email) if link.kind == SignInLinkKind.INVITE.value else 'reset@link.invalid'
    address = users.check_new_password(address or '', password or '')
    password_hash = users.hash_password(password)  # argon2: before the transaction, not inside it
    ended = None
    with session_scope(write=True) as session:
        if not session.execute(update(SignInLink).where(
                SignInLink.id == link.id, col(SignInLink.used_at).is_(None)).values(used_at=now)).rowcount:
            raise LinkRefused(_('This link has been used already. Sign in, or ask for a new link.'), field='token')
        if link.kind == SignInLinkKind.INVITE.value:
            account = _join(session, link, address, password_hash, now)
        else:
            account = _reset(session, link, password_hash, now)
            ended = account.id
        result = users.read_account(account)
    if ended is not None:
        events.publish(events.SignInEnded(location_id=0, user_id=ended))
    return result


def _join(session, link: SignInLink, address: str, password_hash: str, now: datetime) -> User:
    member = session.get(StaffMember, link.staff_member_id)
    if member is None or not member.active or member.location_id != link.location_id:
        raise LinkRefused(_('This invitation is no longer valid. Ask for a new one.'), field='token')
    if session.exec(select(User.id).where(User.staff_member_id == member.id)).first() is not None:
        raise LinkRefused(_('{name} has a sign-in already. Sign in, or ask for a password reset link.').format(
            name=member.name), field='token')
    if session.exec(select(User.id).where(User.email == address)).first() is not None:
        raise ValidationError(_('There is already an account for {email}.').format(email=address), field='email')
    account = User(email=address, password_hash=password_hash, role=Role.STAFF.value, location_id=member.location_id,
                   staff_member_id=member.id, created_at=now)
    session.add(account)
    session.flush()
    session.execute(update(SignInLink).where(SignInLink.staff_member_id == member.id,
                                             col(SignInLink.used_at).is_(None)).values(used_at=now))
    activity.add(session, users.read_account(account), 'invite_accepted', i18n.deferred(
        '{name} made their sign-in ({email})', name=member.name, email=address), location_id=member.location_id)
    return account


def _reset(session, link: SignInLink, password_hash: str, now: datetime) -> User:
    account = session.get(User, link.user_id)
    if account is None or not account.active:
        raise LinkRefused(_('This link is no longer valid. Ask for a new one.'), field='token')
    account.password_hash = password_hash
    users.end_sign_ins(session, account, now=now)  # other browsers signed in with the old password are out
    users.clear_throttle(session, account.email)
    activity.add(session, users.read_account(account), 'password_reset', i18n.deferred(
        'Password of {email} set by link', email=account.email), location_id=account.location_id)
    return account


def _check(token: str, ip: str, now: datetime) -> SignInLink:
    """The link ``token`` names, if its secret is right and it is live, and ``ip`` is not paused; a malformed,
    unknown or wrong link counts a wrong try against ``ip``."""
    key = _caller_key(ip)
    with session_scope() as session:
        paused = session.exec(select(SignInThrottle.locked_until).where(SignInThrottle.email_hash == key)).first()
    if paused is not None and paused > now:
        raise _paused(paused, now)
    found = _TOKEN.fullmatch(token or '')
    if found is None:
        _count_wrong(key, None, now)
        raise LinkRefused(_('This link is not valid. Check that it was copied whole, or ask for a new one.'),
                          field='token')
    link_id, secret = int(found[1]), found[2]
    with session_scope() as session:
        link = session.get(SignInLink, link_id)
        if link is not None:
            session.expunge(link)
    if link is None:
        _count_wrong(key, None, now)
        raise LinkRefused(_('This link is not valid. Check that it was copied whole, or ask for a new one.'),
                          field='token')
    if not hmac.compare_digest(link.secret_hash, _hash(secret)):
        _count_wrong(key, link.id, now)
        raise LinkRefused(_('This link is not valid. Check that it was copied whole, or ask for a new one.'),
                          field='token')
    if link.used_at is not None:
        raise LinkRefused(_('This link has been used already, or a newer one was sent. Sign in, or ask for a new '
                            'link.'), field='token')
    if link.expires_at <= now:
        raise LinkRefused(_('This link has expired. Ask for a new one.'), field='token')
    return link


def _caller_key(ip: str) -> str:
    """The ``sign_in_throttle`` key of wrong links from ``ip``: no e-mail address hashes to it (it has a space and no
    ``@`` at the end)."""
    return hashlib.sha256(f'sign-in link from {(ip or "")[:64]}'.encode('utf-8', 'replace')).hexdigest()


def _count_wrong(key: str, link_id: int | None, now: datetime) -> None:
    """One more wrong link from the caller ``key``, in a transaction of its own: the count restarts after
    :data:`WRONG_TRIES_WINDOW` without one, and the :data:`WRONG_TRIES_PER_ADDRESS`-th pauses the caller for
    :data:`WRONG_TRIES_WINDOW`. ``link_id``: the link whose secret was wrong (its ``attempts`` is raised; it stays
    valid)."""
    with session_scope(write=True) as session:
        connection = session.connection()
        session.execute(insert_or_skip(connection, SignInThrottle, ['email_hash'], email_hash=key, failures=0,
                                       last_failure_at=now))
        fresh = SignInThrottle.last_failure_at > now - WRONG_TRIES_WINDOW
        failures = session.execute(update(SignInThrottle).where(SignInThrottle.email_hash == key).values(
            failures=case((fresh, SignInThrottle.failures + 1), else_=1), last_failure_at=now)
            .returning(SignInThrottle.failures)).scalar_one()
        if failures >= WRONG_TRIES_PER_ADDRESS:
            session.execute(update(SignInThrottle).where(SignInThrottle.email_hash == key).values(
                failures=0, locked_until=now + WRONG_TRIES_WINDOW))
        if link_id is not None:
            session.execute(update(SignInLink).where(SignInLink.id == link_id).values(
                attempts=SignInLink.attempts + 1))
        session.execute(delete(SignInThrottle).where(  # as the wrong-password counts are
            SignInThrottle.last_failure_at < now - users.FORGET_AFTER, SignInThrottle.email_hash != key))


def _paused(until: datetime, now: datetime) -> LinkRefused:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return LinkRefused(ngettext('Too many wrong links were tried from your network. Try again in {n} minute.',
                                'Too many wrong links were tried from your network. Try again in {n} minutes.',
                                minutes).format(n=minutes), field='token')


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode('ascii', 'replace')).hexdigest()


def _new_link(session, kind: SignInLinkKind, location_id: int, now: datetime, actor: UserRead,
              **who) -> tuple[SignInLink, str]:
    secret = secrets.token_urlsafe(32)
    hours = INVITE_HOURS if kind == SignInLinkKind.INVITE else RESET_HOURS
    link = SignInLink(kind=kind.value, secret_hash=_hash(secret), location_id=location_id, sent_by=actor.id,
                      created_at=now, expires_at=now + timedelta(hours=hours), **who)
    session.add(link)
    session.flush()
    return link, f'{link.id}.{secret}'


def _queue(session, link: SignInLink, token: str, channel: MessageChannel, address: str, name: str,
           now: datetime) -> int:
    return outbox.queue(session, location_id=link.location_id, template=_TEMPLATES[SignInLinkKind(link.kind)],
                        channel=channel, to=address, due_at=now, context={
                            'staff': name, 'sign_in_link': f'{staff_base_url()}{PATH}{token}'})


def staff_base_url() -> str:
    """Where staff reach this app: ``CLIENTPULSE_STAFF_URL``, else the first address on the shop's network (the public
    address customers use does not serve the back office)."""
    settings = get_settings()
    if settings.staff_url:
        return settings.staff_url.rstrip('/')
    return network.lan_urls(network.served_port() or settings.port)[0]


def _address(channel: MessageChannel, to: str, location: Location) -> str:
    """Where the link goes: an e-mail address (lower case) or an E.164 mobile number read the location's way."""
    if channel == MessageChannel.EMAIL:
        try:
            return mail.check_address((to or '')[:200]).lower()
        except ValidationError as error:
            raise ValidationError(str(error), field='to') from None
    if not outbox_can_text(location):
        raise ValidationError(_('No SMS provider is set up: send the link by e-mail.'), field='channel')
    number = phones.e164((to or '')[:40], phones.region(location.country, location.locale))
    if not number:
        raise ValidationError(_('"{phone}" is not a phone number we can read; include the country code if it is from '
                                'abroad.').format(phone=(to or '')[:40]), field='to')
    return number


def on_record(member: StaffMember | StaffMemberRead, channel: MessageChannel) -> str:
    """The staff member's own address for ``channel`` on record ('' when none): their e-mail, or by SMS their mobile
    number (E.164)."""
    return ((member.email if channel == MessageChannel.EMAIL else member.phone) or '').strip()


def _reset_address(user: User, member: StaffMember | None, channel: MessageChannel, location: Location) -> str:
    """Where a reset link for ``user`` goes: only an address on record (see the module's docstring)."""
    if channel == MessageChannel.EMAIL:
        try:
            return mail.check_address(user.email).lower()
        except ValidationError:
            raise ValidationError(_('{email} is not an address mail can be sent to: the link cannot be sent.').format(
                email=user.email), field='user_id') from None
    number = on_record(member, channel) if member is not None else ''
    if not number:
        raise ValidationError(_('There is no mobile number on record for {email}: send the link by e-mail.').format(
            email=user.email), field='channel')
    return _address(channel, number, location)


def outbox_can_text(location: Location) -> bool:
    """Whether ``location`` can send SMS: the provider it chose (``Location.sms_provider``) is set up."""
    return sms.provider_for(location.sms_provider, sender_id=location.sms_sender_id) is not None


def link_of(sent_message_text: str) -> str | None:
    """The token of the first sign-in link in a text (tests and support: what a person received)."""
    found = re.search(re.escape(PATH) + r'([0-9]+\.[A-Za-z0-9_-]{43})', sent_message_text or '')
    return found[1] if found else None


@dataclass(frozen=True)
class SignInState:
    """A staff member's sign-in as the Staff page shows it: their account (None: none yet) and, without one, until
    when the latest invitation works (None: no live invitation)."""

    account: UserRead | None
    invited_until: datetime | None


def sign_in_state(staff_member_id: int, *, actor: UserRead, as_of: datetime | None = None) -> SignInState:
    """The sign-in of ``staff_member_id``.

    :raises PermissionDeniedError: not an owner or manager of the staff member's location
    :raises NotFoundError: no such staff member
    """
    ensure_role(actor, MANAGING_ROLES, N_('see sign-in accounts'))
    now = as_of or datetime.now(UTC)
    with session_scope() as session:
        member = session.get(StaffMember, staff_member_id)
        if member is None:
            raise NotFoundError(_('That staff member no longer exists.'))
        ensure_location(actor, member.location_id)
        account = session.exec(select(User).where(User.staff_member_id == member.id).order_by(User.id)).first()
        if account is not None:
            return SignInState(users.read_account(account), None)
        until = session.exec(select(SignInLink.expires_at).where(
            SignInLink.staff_member_id == member.id, SignInLink.kind == SignInLinkKind.INVITE.value,
            col(SignInLink.used_at).is_(None), SignInLink.expires_at > now).order_by(
            col(SignInLink.expires_at).desc())).first()
        return SignInState(None, until)
