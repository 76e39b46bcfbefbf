"""The registry of pages and plain routes: what each page module declares at module level (with
:func:`app.pages.guard.guarded_page`, :func:`~app.pages.guard.public_page`, :func:`~app.pages.guard.route` and
:func:`shared_view`), recorded on the declared function, and — once :func:`app.pages.guard.mount` has mounted them at
start — every guarded page and plain route by path. The navigation and the route × role test read it, so both follow
what the pages declare."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar

from app.models import Role
from app.services.i18n import N_

F = TypeVar('F', bound=Callable)


@dataclass(frozen=True)
class PageEntry:
    """One guarded page: where, for whom, its title, and its icon in the navigation (None: not listed); without a
    location yet (``needs_location``) it says so; ``framed=False`` leaves out the header and navigation (the kiosk);
    ``others_home`` sends other roles to their start page instead of refusing them."""

    path: str
    roles: frozenset[Role]
    title: str
    icon: str | None
    needs_location: bool = True
    framed: bool = True
    others_home: bool = False


@dataclass(frozen=True)
class PublicPage:
    """A page anyone may open without signing in; ``proof`` names what it checks instead (a link's token, a setup
    token, nothing)."""

    path: str
    proof: str
    title: str | None = None


@dataclass(frozen=True)
class RouteEntry:
    """A plain HTTP route (no page) and who may call it: signed in with one of ``roles`` (the guard answers 401
    signed out, 403 for another role, and hands the route the user), or anyone (``roles`` None) with ``proof`` naming
    what the route checks instead (a link's token, a signature)."""

    method: str
    path: str
    roles: frozenset[Role] | None
    proof: str | None
    include_in_schema: bool = True


@dataclass(frozen=True)
class SharedView:
    """A view whose parts rooms share (``app.live.view``), built by the declared function."""

    name: str


Declaration = PageEntry | PublicPage | RouteEntry | SharedView


@dataclass(frozen=True)
class Declared:
    """One line of the table of declarations (``app/pages/declared.py``, written by :mod:`app.pages.table`): the
    module and function that declare it, what they declare, and for a page the URL's parameters its function takes
    as ``(name, type, default)`` (after ``page`` for a guarded page; ``inspect.Parameter.empty``: no default). The
    app mounts from the table, so a page's module is imported when the page is first opened, not at start; a plain
    route's is imported at its first call, the route's ``parameters`` (after ``user`` for a signed-in one) and whether
    it is a coroutine function (``coroutine``: FastAPI awaits one on the event loop and runs a plain function in a
    worker thread) written in the table."""

    module: str
    function: str
    declaration: Declaration
    parameters: tuple[tuple[str, Any, Any], ...] = ()
    coroutine: bool = False


TITLES: tuple[str, ...] = (
    N_('Dashboard'), N_('Bookings'), N_('Customers'), N_('Customer'), N_('Waitlist'), N_('Chat'), N_('Messages'),
    N_('Campaigns'), N_('Campaign'), N_('Sales'), N_('Commission & tips'), N_('Analytics'), N_('Scheduled reports'),
    N_('Staff'), N_('Services & products'), N_('Import'), N_('Kiosk'), N_('Activity'), N_('Users'), N_('Settings'),
)
"""Every page title given to ``guarded_page(title=…)``, marked here for translation (the decorators stay English
constants, the registry's keys); the frame and the navigation show them with ``_(title)``."""

PAGES: dict[str, PageEntry] = {}
"""Every guarded page mounted, by path, in the order mounted (the navigation's order)."""

ROUTES: dict[tuple[str, str], RouteEntry] = {}
"""Every plain route mounted, by method and path."""

_MARK = '__clientpulse_declared__'
TABLE = 'app.pages.declared'
"""The module holding the table of declarations the app mounts from (written by :mod:`app.pages.table`)."""


def record(function: F, declaration: Declaration) -> F:
    """Note ``declaration`` on ``function`` (nothing is registered with NiceGUI until it is mounted) and return
    ``function`` unchanged."""
    setattr(function, _MARK, declaration)
    return function


def shared_view(name: str) -> Callable[[F], F]:
    """Declare a view whose parts rooms share, built by ``build(location, argument, actor)`` (see ``app.live``)."""
    return lambda build: record(build, SharedView(name))


def declared(module: ModuleType) -> list[tuple[Callable, Declaration]]:
    """The functions ``module`` declares (defined there, not imported), with their declarations, in the order they
    are written."""
    return [(value, getattr(value, _MARK)) for value in vars(module).values()
            if inspect.isfunction(value) and value.__module__ == module.__name__ and hasattr(value, _MARK)]


def navigation(role: Role) -> list[PageEntry]:
    """The pages ``role`` may open that are listed in the navigation, in order."""
    return [p for p in PAGES.values() if p.icon is not None and role in p.roles]
