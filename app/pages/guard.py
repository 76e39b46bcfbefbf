"""Pages and routes declared once, at module level: ``@guarded_page(path, roles=…, title=…)`` signs the person in,
checks their role, picks the location, draws the frame and turns the errors a page expects into plain messages;
``@public_page(path, proof=…)`` is a page anyone may open, naming what it checks instead; ``@route(method, path,
roles=…)`` or ``proof=…`` is a plain HTTP route (a file, a feed, a callback) that states who may call it.

A declaration only records itself on its function; :func:`mount` registers what the page modules declare when the app
starts, from the table of their declarations (``app/pages/declared.py``, written by :mod:`app.pages.table`), so a
page's module is imported when the page is first opened. The same registry (:data:`app.pages.registry.PAGES`, in
navigation order, and :data:`~app.pages.registry.ROUTES`) gives the navigation drawer its links and the route × role
test its rows, so a page cannot be listed for a role it refuses, or the reverse, and no route answers without a row.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from fastapi import HTTPException
from nicegui import app, ui

from app import live
from app.models import LocationRead, Role, UserRead
from app.pages import errors, language, registry
from app.pages.layout import frame
from app.pages.registry import PAGES, ROUTES, Declared, PageEntry, PublicPage, RouteEntry, SharedView
from app.pages.signed_in import HOME, current_location, current_user, require_user, watch
from app.services.errors import NotFoundError, PermissionDeniedError
from app.services.i18n import _

F = TypeVar('F', bound=Callable)


@dataclass(frozen=True)
class PageContext:
    """What a guarded page is built for: the signed-in person and the location shown (None only for pages
    declared ``needs_location=False``)."""

    user: UserRead
    location: LocationRead | None


def guarded_page(path: str, *, roles: frozenset[Role], title: str, icon: str | None = None,
                 needs_location: bool = True, framed: bool = True,
                 others_home: bool = False) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Declare a page built by ``build(page: PageContext, **url_parameters)`` (recorded; :func:`mount` registers it).

    Signed out: to the login page (coming back here after). Signed in with another role: a refusal
    (``others_home``: sent to their start page instead). No location yet (``needs_location``): a line
    saying so. A ``PermissionDeniedError`` or ``NotFoundError`` the page raises while it is drawn: a plain
    message. ``framed=False`` leaves out the header and navigation (the kiosk).
    """
    entry = PageEntry(path, roles, title, icon, needs_location, framed, others_home)
    return lambda build: registry.record(build, entry)


def public_page(path: str, *, proof: str, title: str | None = None) -> Callable[[F], F]:
    """Declare a page anyone may open without signing in (recorded; :func:`mount` registers it with ``ui.page``);
    ``proof`` names what the page checks instead (a link's token, nothing)."""
    return lambda build: registry.record(build, PublicPage(path, proof, title))


def route(method: str, path: str, *, roles: frozenset[Role] | None = None, proof: str | None = None,
          include_in_schema: bool = True) -> Callable[[F], F]:
    """Declare a plain HTTP route (no page) and who may call it: exactly one of ``roles`` (the caller signed in
    with one of them; the route is called with the user first, ``route(user, **url_parameters)``, and the guard
    answers 401 signed out, 403 for another role) or ``proof`` (anyone; it names what the route checks instead).

    :raises ValueError: both or neither of ``roles`` and ``proof``
    """
    if (roles is None) == (proof is None):
        raise ValueError(f'{method} {path}: a route states who may call it: roles or proof, one of them')
    return lambda endpoint: registry.record(endpoint, RouteEntry(method, path, roles, proof, include_in_schema))


def mount(table: Iterable[Declared]) -> None:
    """Register with NiceGUI every page, route and shared view ``table`` lists (``app/pages/declared.py``), in its
    order (the navigation's), and list them in :data:`~app.pages.registry.PAGES` and
    :data:`~app.pages.registry.ROUTES` (called at start-up: NiceGUI's test harness starts the app again for every
    test). A page's or a shared view's module is imported when it is first drawn, a plain route's at its first call
    (:func:`_later`; FastAPI reads the route's URL parameters from the table): none at start. Measured: the route
    modules brought ~1.9 MB of pages and services a server held from its start (``bench/startup.py``)."""
    PAGES.clear()
    ROUTES.clear()
    for line in table:
        match line.declaration:
            case PageEntry() as entry:
                _mount_page(_later(line), entry, line.parameters)
            case PublicPage(path=path, title=title):
                ui.page(path, **({'title': title} if title is not None else {}))(
                    _later(line, signature=_signature(line.parameters)))
            case RouteEntry() as entry:
                _mount_route(_later(line, signature=_signature(line.parameters)), entry)
            case SharedView(name=name):
                live.view(name, _later(line))


_loaded: dict[tuple[str, str], Callable] = {}
"""The declared functions already imported, by (module, function): each is looked up once per process."""


def _later(line: Declared, *, signature: inspect.Signature | None = None) -> Callable:
    """A stand-in for the function ``line`` declares: called, it imports the function's module (once) and calls it
    with the same arguments, returning what it returns (an async page's coroutine, which NiceGUI awaits). It bears
    the function's name and, for a public page, ``signature`` (the URL's parameters, which NiceGUI and FastAPI read).

    Its module is the table's (:data:`~app.pages.registry.TABLE`), not the page's: after each test NiceGUI's harness
    drops the module of every page function from ``sys.modules``, and a page module imported again would be a second
    copy beside the one the tests imported (its classes, its state); the table read again is the same table."""
    key = (line.module, line.function)

    if line.coroutine:  # a route FastAPI awaits: its module is imported in a worker thread, off the event loop
        async def function(*arguments, **keywords):
            found = _loaded.get(key)
            if found is None:
                module = await asyncio.to_thread(importlib.import_module, line.module)
                found = _loaded[key] = getattr(module, line.function)
            return await found(*arguments, **keywords)
    else:
        def function(*arguments, **keywords):
            found = _loaded.get(key)
            if found is None:
                found = _loaded[key] = getattr(importlib.import_module(line.module), line.function)
            return found(*arguments, **keywords)

    function.__module__, function.__name__, function.__qualname__ = registry.TABLE, line.function, line.function
    if signature is not None:
        function.__signature__ = signature
    return function


def _signature(parameters: Iterable[tuple[str, object, object]]) -> inspect.Signature:
    """The signature of a page taking the URL's ``parameters`` ((name, type, default), as the table lists them)."""
    return inspect.Signature([inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=kind,
                                                default=default) for name, kind, default in parameters])


def _mount_page(build: Callable[..., None], entry: PageEntry, parameters: Iterable[tuple[str, object, object]]) -> None:
    @functools.wraps(build)
    def page(**arguments) -> None:
        if entry.others_home:
            someone = current_user()
            if someone is not None and someone.role not in entry.roles:
                ui.navigate.to(HOME[someone.role])
                return
        user = require_user(_asked_path(entry.path), entry.roles)
        if user is None:
            return
        watch(user)  # its sign-in revoked: this page goes to the login page at once
        location = current_location(user)
        language.use(language.of(user, location))
        if not entry.framed:
            _draw(build, PageContext(user, location), arguments, entry.needs_location)
            return
        with frame(entry.title, user, location):
            _draw(build, PageContext(user, location), arguments, entry.needs_location)

    page.__signature__ = _signature(parameters)  # NiceGUI and FastAPI read the URL's parameters here
    ui.page(entry.path)(page)
    PAGES[entry.path] = entry


def _mount_route(endpoint: Callable, entry: RouteEntry) -> None:
    """Add ``endpoint`` (a stand-in of the URL's parameters, :func:`_later`) as ``entry``'s route."""
    handler = endpoint if entry.roles is None else _signed_in(endpoint, entry.roles)
    app.add_api_route(entry.path, handler, methods=[entry.method], include_in_schema=entry.include_in_schema)
    ROUTES[(entry.method, entry.path)] = entry


def _signed_in(endpoint: Callable, roles: frozenset[Role]) -> Callable:
    """``endpoint(user, **url_parameters)`` (whose signature lists the URL's parameters only) as a route of the URL's
    parameters, called only for a signed-in user of one of ``roles`` (else 401 or 403); a plain function stays one
    (FastAPI runs it in a worker thread)."""
    parameters = list(inspect.signature(endpoint).parameters.values())

    def caller() -> UserRead:
        user = current_user()
        if user is None:
            raise HTTPException(status_code=401, detail=_('Sign in first.'))
        if user.role not in roles:
            raise HTTPException(status_code=403, detail=_('This page is not available for your role.'))
        return user

    if inspect.iscoroutinefunction(endpoint):
        @functools.wraps(endpoint)
        async def handler(**arguments):
            return await endpoint(caller(), **arguments)
    else:
        @functools.wraps(endpoint)
        def handler(**arguments):
            return endpoint(caller(), **arguments)
    handler.__signature__ = inspect.Signature(parameters)
    return handler


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
