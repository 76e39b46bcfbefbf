"""What a person sees when something goes wrong anyway: a plain message, never a traceback.

Pages and handlers catch the errors they expect (a service's :class:`ClientPulseError` shown beside its
field). These are the nets below them: a page that fails while it is drawn shows "not allowed" for a
permission error, "not found" for a missing record, and otherwise that something went wrong; an event
handler that fails tells the person with a toast instead of failing silently. NiceGUI logs them.
"""

from __future__ import annotations

import logging

from nicegui import app, ui

from app.services.errors import ClientPulseError, NotFoundError, PermissionDeniedError
from app.services.i18n import N_, _

log = logging.getLogger(__name__)
UNEXPECTED = N_('Something went wrong on our side; it has been logged. Please try again, or go back.')


def install() -> None:
    """Register the page and handler nets with NiceGUI (once per process; the test harness calls it per test)."""
    app.on_page_exception(error_page)
    app.on_exception(tell_the_person)


def error_page(error: Exception) -> None:
    """The page drawn instead of one that failed (NiceGUI answers it with status 500)."""
    with ui.column().classes('m-8 gap-2'):
        explain(error)
        ui.link(_('Go to the start page'), '/')


def explain(error: Exception) -> None:
    """A plain line for what went wrong: not allowed, not found, the service's own message, or that something
    unexpected happened (used by every page's guard and by the error page)."""
    if isinstance(error, PermissionDeniedError):
        ui.label(_('This is not available to your account.')).classes('text-negative text-lg').mark('refused')
    elif isinstance(error, NotFoundError):
        ui.label(str(error) or _('Not found.')).classes('text-lg').mark('not-found')
    elif isinstance(error, ClientPulseError):
        ui.label(str(error)).classes('text-negative text-lg').mark('page-error')
    else:
        ui.label(_(UNEXPECTED)).classes('text-negative text-lg').mark('page-error')


def tell_the_person(error: Exception) -> None:
    """A failed click or change: a toast in the page where it happened, if there is one (NiceGUI's own
    handler logs every error)."""
    try:
        ui.notify(str(error) if isinstance(error, ClientPulseError) else _(UNEXPECTED), type='negative')
    except Exception:  # no page to tell (a background task): the log has it
        log.debug('no page to tell of %r', error)
