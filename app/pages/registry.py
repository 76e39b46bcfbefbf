"""The registry of guarded pages (filled by :func:`app.pages.guard.guarded_page`): the navigation and the
route × role test read it, so both follow what the pages declare."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Role
from app.services.i18n import N_


@dataclass(frozen=True)
class PageEntry:
    """One guarded page: where, for whom, its title, and its icon in the navigation (None: not listed)."""

    path: str
    roles: frozenset[Role]
    title: str
    icon: str | None


TITLES: tuple[str, ...] = (
    N_('Dashboard'), N_('Bookings'), N_('Customers'), N_('Customer'), N_('Waitlist'), N_('Chat'), N_('Messages'),
    N_('Campaigns'), N_('Campaign'), N_('Sales'), N_('Commission & tips'), N_('Analytics'), N_('Scheduled reports'),
    N_('Staff'), N_('Services & products'), N_('Import'), N_('Kiosk'), N_('Activity'), N_('Users'), N_('Settings'),
)
"""Every page title given to ``guarded_page(title=…)``, marked here for translation (the decorators stay English
constants, the registry's keys); the frame and the navigation show them with ``_(title)``."""

PAGES: dict[str, PageEntry] = {}
"""Every guarded page by path, in the order declared (the navigation's order)."""


def navigation(role: Role) -> list[PageEntry]:
    """The pages ``role`` may open that are listed in the navigation, in order."""
    return [p for p in PAGES.values() if p.icon is not None and role in p.roles]
