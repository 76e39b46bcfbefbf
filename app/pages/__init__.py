"""NiceGUI pages. Each module registers its routes in ``register()`` (called at start-up)."""

from app import live
from app.pages import health, presence, session
from app.pages.accounts import accounts, login, setup, sign_in_link
from app.pages.accounts import activity as activity_page
from app.pages.accounts import backups as backups_page
from app.pages.analytics import analytics, schedules
from app.pages.campaigns import campaigns
from app.pages.catalogue import catalog, staff
from app.pages.customers import chat, customers
from app.pages.frontdesk import bookings, dashboard, kiosk, manage, online
from app.pages.frontdesk import waitlist as waitlist_page
from app.pages.imports import salon as imports
from app.pages.messaging import delivery_reports, messages
from app.pages.money import commission, mpesa, sales, stripe_webhook


def register() -> None:
    """Register every page and connect the live bus to the sessions."""
    live.install()
    presence.install()
    session.install()
    # in the navigation's order: each guarded page adds itself to the registry as it is declared
    for module in (dashboard, bookings, sales, commission, customers, chat, messages, waitlist_page, catalog, staff,
                   analytics, schedules, campaigns, imports, activity_page, accounts, kiosk, login, sign_in_link, setup,
                   mpesa, stripe_webhook, manage, online, health, delivery_reports, backups_page):
        module.register()
