"""NiceGUI pages. Each module declares its pages and routes at module level (:mod:`app.pages.guard`); ``register()``
mounts them at start-up."""

from app import live
from app.pages import guard, health, presence, signed_in
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

PAGE_MODULES = (dashboard, bookings, sales, commission, customers, chat, messages, waitlist_page, catalog, staff,
                analytics, schedules, campaigns, imports, activity_page, accounts, kiosk, login, sign_in_link, setup,
                mpesa, stripe_webhook, manage, online, health, delivery_reports, backups_page)
"""Every module that declares pages or routes, in the navigation's order (a module's own pages in the order written)."""


def register() -> None:
    """Mount every page and route and connect the live bus to the open pages."""
    live.install()
    presence.install()
    signed_in.install()
    guard.mount(PAGE_MODULES)
