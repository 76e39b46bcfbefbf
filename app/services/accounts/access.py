"""Who may do what. Every service that changes data takes the acting user and asks here."""

from __future__ import annotations

from app.models import Role, UserRead
from app.services.errors import PermissionDeniedError

OWNER_ROLES = frozenset({Role.OWNER})
MANAGING_ROLES = frozenset({Role.OWNER, Role.MANAGER})
FRONT_DESK_ROLES = frozenset({Role.OWNER, Role.MANAGER, Role.STAFF})
KIOSK_ROLES = frozenset({Role.KIOSK})
EVERY_ROLE = frozenset(Role)


def ensure_location(actor: UserRead, location_id: int) -> None:
    """:raises PermissionDeniedError: ``actor`` is bound to another location."""
    if actor.location_id is not None and actor.location_id != location_id:
        raise PermissionDeniedError('You can only work with your own location.')


def ensure_reader(actor: UserRead, location_id: int, roles: frozenset[Role] = FRONT_DESK_ROLES,
                  what: str = "see this location's data") -> None:
    """Read access: ``actor``'s role is among ``roles`` and ``location_id`` is theirs (owners: any).

    :raises PermissionDeniedError: otherwise
    """
    ensure_role(actor, roles, what)
    ensure_location(actor, location_id)


def ensure_role(actor: UserRead, roles: frozenset[Role], action: str) -> None:
    """:raises PermissionDeniedError: ``actor``'s role is not among ``roles``."""
    if actor.role not in roles:
        raise PermissionDeniedError(f'Your role ({actor.role.value}) may not {action}.')

SYSTEM_ACTOR = UserRead(id=0, email='command line', role=Role.OWNER, location_id=None, staff_member_id=None,
                        active=True)
"""The actor for the command line: whoever can run ``clientpulse`` on the server already holds its database."""
