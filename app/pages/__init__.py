"""NiceGUI pages. Each module registers its routes in ``register()`` (called at start-up)."""

from . import (
    accounts,
    analytics,
    bookings,
    catalog,
    customers,
    dashboard,
    imports,
    kiosk,
    live,
    login,
    schedules,
    staff,
)


def register() -> None:
    """Register every page and connect the live bus to the sessions."""
    live.install()
    for module in (login, dashboard, bookings, customers, catalog, staff, analytics, schedules, imports, kiosk,
                   accounts):
        module.register()
