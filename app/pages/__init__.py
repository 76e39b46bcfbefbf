"""NiceGUI pages. Each module registers its routes in ``register()`` (called at start-up)."""

from app import live

from . import (
    accounts,
    activity_page,
    analytics,
    bookings,
    catalog,
    chat,
    customers,
    dashboard,
    imports,
    kiosk,
    login,
    presence,
    schedules,
    staff,
    waitlist_page,
)


def register() -> None:
    """Register every page and connect the live bus to the sessions."""
    live.install()
    presence.install()
    # in the navigation's order: each guarded page adds itself to the registry as it is declared
    for module in (dashboard, bookings, customers, chat, waitlist_page, catalog, staff, analytics, schedules, imports,
                   activity_page, accounts, kiosk, login):
        module.register()
