"""NiceGUI pages. Each module registers its routes in ``register()`` (called at start-up)."""

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
    live,
    login,
    presence,
    rooms,
    schedules,
    staff,
    waitlist_page,
)


def register() -> None:
    """Register every page and connect the live bus to the sessions."""
    live.install()
    rooms.install()
    presence.install()
    for module in (login, dashboard, bookings, customers, catalog, staff, analytics, schedules, imports, kiosk,
                   accounts, activity_page, chat, waitlist_page):
        module.register()
