"""Who may do what. Every service that changes data takes the acting user and asks here."""

from __future__ import annotations

from app.models import Role, UserRead
from app.services.errors import PermissionDeniedError
from app.services.i18n import N_, _

OWNER_ROLES = frozenset({Role.OWNER})
MANAGING_ROLES = frozenset({Role.OWNER, Role.MANAGER})
FRONT_DESK_ROLES = frozenset({Role.OWNER, Role.MANAGER, Role.STAFF})
KIOSK_ROLES = frozenset({Role.KIOSK})
EVERY_ROLE = frozenset(Role)
ROLE_NAMES = {Role.OWNER: N_('owner'), Role.MANAGER: N_('manager'), Role.STAFF: N_('staff'), Role.KIOSK: N_('kiosk')}
"""Each role's name as people read it (``Role`` values stay codes)."""
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


def ensure_location(actor: UserRead, location_id: int) -> None:
    """:raises PermissionDeniedError: ``actor`` is bound to another location."""
    if actor.location_id is not None and actor.location_id != location_id:
        raise PermissionDeniedError(_('You can only work with your own location.'))


def ensure_reader(actor: UserRead, location_id: int, roles: frozenset[Role] = FRONT_DESK_ROLES,
                  what: str = N_("see this location's data")) -> None:
    """Read access: ``actor``'s role is among ``roles`` and ``location_id`` is theirs (owners: any).

    :raises PermissionDeniedError: otherwise
    """
    ensure_role(actor, roles, what)
    ensure_location(actor, location_id)


def ensure_role(actor: UserRead, roles: frozenset[Role], action: str) -> None:
    """:raises PermissionDeniedError: ``actor``'s role is not among ``roles``."""
    if actor.role not in roles:
        raise PermissionDeniedError(_('Your role ({role}) may not {action}.').format(
            role=_(ROLE_NAMES.get(actor.role, actor.role.value)), action=_(action)))

SYSTEM_ACTOR = UserRead(id=0, email='command line', role=Role.OWNER, location_id=None, staff_member_id=None,
                        active=True)
"""The actor for the command line: whoever can run ``clientpulse`` on the server already holds its database."""
