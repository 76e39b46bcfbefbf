"""Pages declared once: ``@guarded_page(path, roles=…, title=…)`` signs the person in, checks their role,
picks the location, draws the frame and turns the errors a page expects into plain messages.

The same registry (:data:`app.pages.registry.PAGES`, in navigation order) gives the navigation drawer its links and the
route × role test its rows, so a page cannot be listed for a role it refuses, or the reverse.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from nicegui import ui

from app.models import LocationRead, Role, UserRead
from app.pages import errors, language
from app.pages.layout import frame
from app.pages.registry import PAGES, PageEntry
from app.pages.session import HOME, current_location, current_user, require_user, watch
from app.services.errors import NotFoundError, PermissionDeniedError
from app.services.i18n import _


@dataclass(frozen=True)
class PageContext:
    """What a guarded page is built for: the signed-in person and the location shown (None only for pages
    declared ``needs_location=False``)."""

    user: UserRead
    location: LocationRead | None


def guarded_page(path: str, *, roles: frozenset[Role], title: str, icon: str | None = None,
                 needs_location: bool = True, framed: bool = True,
                 others_home: bool = False) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Declare a page built by ``build(page: PageContext, **url_parameters)``.

    Signed out: to the login page (coming back here after). Signed in with another role: a refusal
    (``others_home``: sent to their start page instead). No location yet (``needs_location``): a line
    saying so. A ``PermissionDeniedError`` or ``NotFoundError`` the page raises while it is drawn: a plain
    message. ``framed=False`` leaves out the header and navigation (the kiosk).
    """
    def declare(build: Callable[..., None]) -> Callable[..., None]:
        PAGES[path] = PageEntry(path, roles, title, icon)
        parameters = list(inspect.signature(build).parameters.values())[1:]  # the URL's, after ``page``

        @functools.wraps(build)
        def page(**arguments) -> None:
            if others_home:
                someone = current_user()
                if someone is not None and someone.role not in roles:
                    ui.navigate.to(HOME[someone.role])
                    return
            user = require_user(_asked_path(path), roles)
            if user is None:
                return
            watch(user)  # its sign-in revoked: this page goes to the login page at once
            location = current_location(user)
            language.use(language.of(user, location))
            if not framed:
                _draw(build, PageContext(user, location), arguments, needs_location)
                return
            with frame(title, user, location):
                _draw(build, PageContext(user, location), arguments, needs_location)

        page.__signature__ = inspect.Signature(parameters)  # NiceGUI and FastAPI read the URL's parameters here
        ui.page(path)(page)
        return build

    return declare


def _draw(build: Callable[..., None], page: PageContext, arguments: dict, needs_location: bool) -> None:
    if needs_location and page.location is None:
        with ui.column().classes('gap-2').mark('no-location'):
            ui.label(_('No location yet.')).classes('text-lg')
            if page.user.role == Role.OWNER:
                ui.link(_('Set up your business'), '/setup').mark('continue-setup')
            else:
                ui.label(_('Ask the owner to finish setting up the business.'))
        return
    try:
        build(page, **arguments)
    except (PermissionDeniedError, NotFoundError) as error:  # drawn plainly, within the frame
        errors.explain(error)


def _asked_path(path: str) -> str:
    """The address this browser asked for (path and query), to come back to after signing in."""
    try:
        url = ui.context.client.request.url
    except (AttributeError, RuntimeError):
        return path
    return url.path + (f'?{url.query}' if url.query else '')
