"""Who may do what. Every service takes the actor (``actor=``) and asks here.

An actor is someone real: a signed-in user (:class:`UserRead`) or a customer proven by a signed link or a one-time
code (:class:`CustomerActor`). A customer passes a role check only where the service names :data:`CUSTOMER` among
the roles it lets in (their own bookings, free times, holds), never elsewhere; and it passes a row check only for
rows of its own location (:func:`ensure_location`) and its own customer (:func:`ensure_customer`).
"""

from __future__ import annotations

from app.models import CustomerActor, Role, UserRead
from app.services.errors import PermissionDeniedError
from app.services.i18n import N_, _

OWNER_ROLES = frozenset({Role.OWNER})
MANAGING_ROLES = frozenset({Role.OWNER, Role.MANAGER})
FRONT_DESK_ROLES = frozenset({Role.OWNER, Role.MANAGER, Role.STAFF})
KIOSK_ROLES = frozenset({Role.KIOSK})
EVERY_ROLE = frozenset(Role)
CUSTOMER = 'customer'
"""Not a :class:`Role` (no account has it): put among a check's roles (``FRONT_DESK_ROLES | CUSTOMER_ROLES``) where a
:class:`CustomerActor` may do the thing too; every role set without it refuses customers."""
CUSTOMER_ROLES: frozenset[Role | str] = frozenset({CUSTOMER})
ROLE_NAMES = {Role.OWNER: N_('owner'), Role.MANAGER: N_('manager'), Role.STAFF: N_('staff'), Role.KIOSK: N_('kiosk'),
              CUSTOMER: N_('customer')}
"""Each role's name as people read it (``Role`` values stay codes; :data:`CUSTOMER` is the activity log's)."""
Actor = UserRead | CustomerActor
"""Whoever acts: a signed-in user or a proven customer."""
ACTIONS = (
    N_('add customers'), N_('add shifts'), N_('add staff members'), N_('add to the waitlist'),
    N_('archive locations'), N_('book outside working hours'), N_('cancel bookings'),
    N_("change a location's settings"), N_('change bookings'), N_('change customers'), N_('change loyalty rewards'),
    N_('change message texts'), N_('change staff members'), N_('change stock'), N_('change the products'),
    N_('change the service menu'), N_('change the waitlist'), N_('change time off'),
    N_('change what staff members do'), N_('chat with customers'), N_('check customers in'), N_('close the day'),
    N_('create accounts'), N_('erase customers'), N_('give time off'), N_('hold a time'), N_('import data'),
    N_('invite staff'),
    N_('look up bookings'), N_('make bookings'), N_('make discount codes'), N_('manage accounts'),
    N_("manage another staff member's calendar feed"), N_('merge customers'), N_('move bookings'), N_('open a chat'),
    N_('open locations'), N_('pay deposits back'), N_('read chats'), N_('refund sales'), N_('release a time'),
    N_('schedule reports'), N_('see analytics'), N_('see campaigns'), N_('see commission'), N_('see deposits'),
    N_('see duplicate customers'), N_('see free times'), N_('see no-show risk'), N_('see receipts'),
    N_('see scheduled reports'), N_('see sign-in accounts'), N_('see the activity log'),
    N_("see the location's message texts"), N_("see the location's messages"), N_("see the shop's takings"),
    N_('see the waitlist'), N_("see this location's data"), N_('send marketing messages'), N_('send messages'),
    N_('set up campaigns'), N_('take payments'), N_('undo a check-in or a no-show'),
)
"""What services say a role may not do (``ensure_role(actor, roles, 'take payments')``), marked here for
translation: the refusal translates the phrase it is given (an infinitive phrase: "Your role may not …")."""


def ensure_location(actor: Actor, location_id: int) -> None:
    """:raises PermissionDeniedError: ``actor`` is bound to another location (a customer always is bound to theirs)."""
    if actor.location_id is not None and actor.location_id != location_id:
        raise PermissionDeniedError(_('You can only work with your own location.'))


def ensure_reader(actor: Actor, location_id: int, roles: frozenset[Role | str] = FRONT_DESK_ROLES,
                  what: str = N_("see this location's data")) -> None:
    """Read access: ``actor``'s role is among ``roles`` and ``location_id`` is theirs (owners: any).

    :raises PermissionDeniedError: otherwise
    """
    ensure_role(actor, roles, what)
    ensure_location(actor, location_id)


def ensure_role(actor: Actor, roles: frozenset[Role | str], action: str) -> None:
    """:raises PermissionDeniedError: ``actor``'s role is not among ``roles`` (a customer: :data:`CUSTOMER` is not)."""
    if isinstance(actor, CustomerActor):
        if CUSTOMER not in roles:
            raise PermissionDeniedError(_('A customer may not {action}.').format(action=_(action)))
        return
    if actor.role not in roles:
        raise PermissionDeniedError(_('Your role ({role}) may not {action}.').format(
            role=_(ROLE_NAMES.get(actor.role, actor.role.value)), action=_(action)))


def ensure_customer(actor: Actor, customer_id: int | None) -> None:
    """A row that belongs to a customer (a booking, a waitlist entry, a conversation): a :class:`CustomerActor` may
    touch only its own customer's (a visitor none: they are nobody's yet); a signed-in user is not limited here (their
    role and location are checked by :func:`ensure_reader`).

    :raises PermissionDeniedError: a customer, and the row is not theirs
    """
    if isinstance(actor, CustomerActor) and (customer_id is None or customer_id != actor.customer_id):
        raise PermissionDeniedError(_('You can only see and change your own bookings.'))


def ensure_new_customer(actor: Actor) -> None:
    """A customer record is being added: a :class:`CustomerActor` may add only itself, as a visitor booking for the
    first time (``customer_id`` None); a proven customer adds nobody.

    :raises PermissionDeniedError: a customer who already is one
    """
    if isinstance(actor, CustomerActor) and actor.customer_id is not None:
        raise PermissionDeniedError(_('A customer may not {action}.').format(action=_('add customers')))


def is_customer(actor: Actor) -> bool:
    """Whether ``actor`` is a customer acting for themselves (not a signed-in account)."""
    return isinstance(actor, CustomerActor)


def is_kiosk(actor: Actor) -> bool:
    """Whether ``actor`` is a kiosk device's account."""
    return isinstance(actor, UserRead) and actor.role == Role.KIOSK


def user_id_of(actor: Actor | None) -> int | None:
    """The account id to store as who did it (None: a customer, the command line or a stand-in actor)."""
    return actor.id or None if isinstance(actor, UserRead) else None


def label_of(actor: Actor) -> str:
    """How records name ``actor``: the account's e-mail, or a customer's label (``customer 12 (manage link)``)."""
    return actor.label if isinstance(actor, CustomerActor) else actor.email


SYSTEM_ACTOR = UserRead(id=0, email='command line', role=Role.OWNER, location_id=None, staff_member_id=None,
                        active=True)
"""The actor for the command line: whoever can run ``clientpulse`` on the server already holds its database."""
