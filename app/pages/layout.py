"""The shared frame: header with location and account, navigation drawer, live toasts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

from app import live
from app.models import LocationRead, Role, UserRead
from app.pages import presence, registry
from app.pages.bell import Bell
from app.pages.session import choose_location, sign_out
from app.services.catalogue import locations


@contextmanager
def frame(title: str, user: UserRead, location: LocationRead | None) -> Iterator[None]:
    """Lay out a page: header, navigation, and toasts for changes made in other sessions."""
    ui.colors(primary='#3b4a6b', secondary='#c27c5a', accent='#5a8fc2')
    # one line on a phone too: the product name, the account and a wide location menu only where there is room
    with ui.header().classes('items-center justify-between bg-primary no-wrap'):
        # the title gives way (ellipsis) before the account's buttons do: a long one ('Commission & tips') had pushed
        # the bell and Sign out off a phone's screen
        with ui.row().classes('items-center gap-2 no-wrap min-w-0'):
            ui.button(icon='menu', on_click=lambda: drawer.toggle()).props(  # noqa: PLW0108  (drawer comes below)
                'flat color=white dense').mark('menu')
            ui.image('/assets/logo.svg').classes('w-8 h-8')
            ui.label('ClientPulse').classes('text-lg font-bold gt-xs')
            ui.label(f'· {title}').classes('text-base sm:text-lg ellipsis min-w-0')
        with ui.row().classes('items-center gap-1 sm:gap-3 no-wrap shrink-0'):
            if user.role == Role.OWNER:
                options = {x.id: x.name for x in locations.list_locations(actor=user)}
                ui.select(options, value=location.id if location else None, label='Location',
                          on_change=lambda e: (choose_location(e.value), ui.navigate.reload())
                          ).props('dense dark options-dark=false standout').classes('w-28 sm:w-56').mark('location')
            elif location is not None:
                ui.label(location.name).classes('gt-xs')
            room = live.join(user, location) if location is not None else None
            Bell(user, location.time_zone if location else 'UTC', room)
            ui.label(f'{user.email} ({user.role.value})').classes('text-sm opacity-80 gt-sm')
            ui.button(icon='logout', on_click=lambda: (sign_out(user), ui.navigate.to('/login'))).props(
                'flat color=white dense').tooltip('Sign out')
    # open on wide screens, closed over a phone's page: Quasar opens it on mounting where the screen is wide and
    # tells the server (with value=None NiceGUI would ask each browser by JavaScript on connect instead: one
    # more round trip per page, and an error logged for every client that does not answer)
    with ui.left_drawer(value=False).props('show-if-above').classes('bg-slate-50') as drawer:
        for entry in registry.navigation(user.role):  # the pages this role may open, as they declared
            with ui.link(target=entry.path).classes('no-underline text-slate-800 w-full'):
                with ui.row().classes('items-center gap-3 px-2 py-2 rounded hover:bg-slate-200 w-full'):
                    ui.icon(entry.icon).classes('text-primary')
                    ui.label(entry.title)
    with ui.column().classes('w-full gap-4 p-2'):
        yield
    presence.join(user, title)



def field_error(elements: dict, error: Exception) -> None:
    """Show a service error beside the field it names (``error.field``), or as a toast."""
    element = elements.get(getattr(error, 'field', None) or '')
    if element is not None:
        element.error = str(error)
    else:
        ui.notify(str(error), type='negative', multi_line=True)
