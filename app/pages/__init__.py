"""NiceGUI pages. Each module declares its pages and routes at module level (:mod:`app.pages.guard`); ``register()``
mounts them at start-up from the table of what they declare (``app/pages/declared.py``, :mod:`app.pages.table`): a
module declaring plain routes is imported then, the others when one of their pages is first opened."""

import importlib

from app import live
from app.pages import guard, presence, registry, signed_in

PAGE_MODULES = tuple(f'app.pages.{name}' for name in (
    'frontdesk.dashboard', 'frontdesk.bookings', 'money.sales', 'money.commission', 'customers.customers',
    'customers.chat', 'messaging.messages', 'frontdesk.waitlist', 'catalogue.catalog', 'catalogue.staff',
    'analytics.analytics', 'analytics.schedules', 'campaigns.campaigns', 'imports.salon', 'accounts.activity',
    'accounts.accounts', 'frontdesk.kiosk', 'accounts.login', 'accounts.sign_in_link', 'accounts.setup', 'money.mpesa',
    'money.stripe_webhook', 'frontdesk.manage', 'frontdesk.online', 'health', 'messaging.delivery_reports',
    'accounts.backups'))
"""Every module that declares pages or routes, in the navigation's order (a module's own pages in the order
written), as the table lists them."""


def register() -> None:
    """Mount every page and route and connect the live bus to the open pages."""
    live.install()
    presence.install()
    signed_in.install()
    guard.mount(importlib.import_module(registry.TABLE).DECLARED)
