"""The shared frame: header with location and account, navigation drawer, live toasts."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape

from nicegui import ui

from app import __version__, live
from app.models import LocationRead, Role, UserRead
from app.pages import language, presence, registry
from app.pages.bell import Bell
from app.pages.menus import menu_on_press
from app.pages.signed_in import choose_location, sign_out
from app.services import i18n
from app.services.accounts import users
from app.services.accounts.access import ROLE_NAMES
from app.services.catalogue import locations
from app.services.errors import ClientPulseError
from app.services.i18n import _


def role_name(role: Role | str) -> str:
    """The name of ``role`` (a :class:`Role` or its value, or ``'customer'``: the activity log's customer acting
    through a link or a code) in the current language; an unknown one as it is."""
    name = ROLE_NAMES.get(role)  # a Role is a str: 'staff' finds Role.STAFF
    return _(name) if name is not None else str(role)


def named(element: ui.element, name: str, *, tip: bool = False) -> ui.element:
    """Give ``element`` an accessible name (``aria-label``), e.g. an icon button's, and with ``tip`` the browser's
    own tooltip of the same words (``title``: no tooltip element in every page's header); returns it."""
    element._props['aria-label'] = name  # set directly: a translated name may hold spaces or quotes
    if tip:
        element._props['title'] = name
    element.update()
    return element


@contextmanager
def frame(title: str, user: UserRead, location: LocationRead | None) -> Iterator[None]:
    """Lay out a page: header, navigation, and toasts for changes made in other tabs."""
    # one line on a phone too: the product name, the account and a wide location menu only where there is room
    with ui.header().classes('items-center justify-between bg-primary no-wrap'):
        # the title gives way (ellipsis) before the account's buttons do: a long one ('Commission & tips') had pushed
        # the bell and Sign out off a phone's screen
        with ui.row().classes('items-center gap-2 no-wrap min-w-0'):
            named(ui.button(icon='menu', on_click=lambda: drawer.toggle()).props(  # noqa: PLW0108  (drawer below)
                'flat color=white dense').mark('menu'), _('Navigation'))
            # the product's name (the logo's alt text: a phone hides the written name) and the page's one h1: what it
            # is ('Bookings'), read first by a screen reader — one element
            ui.html('<img src="/assets/logo.svg" alt="ClientPulse" class="w-8 h-8">'
                    '<span class="text-lg font-bold gt-xs" aria-hidden="true">ClientPulse</span>'
                    '<span class="text-base sm:text-lg" aria-hidden="true">·</span>'
                    '<h1 class="text-base sm:text-lg ellipsis min-w-0 m-0 font-normal leading-normal">'
                    f'{escape(_(title))}</h1>', sanitize=False).classes(
                'row items-center gap-2 no-wrap min-w-0').mark('title')
        with ui.row().classes('items-center gap-1 sm:gap-3 no-wrap shrink-0'):
            if user.role == Role.OWNER:
                options = {x.id: x.name for x in locations.list_locations(actor=user)}
                ui.select(options, value=location.id if location else None, label=_('Location'),
                          on_change=lambda e: (choose_location(e.value), ui.navigate.reload())
                          ).props('dense dark options-dark=false standout').classes('w-28 sm:w-56').mark('location')
            elif location is not None:
                ui.label(location.name).classes('gt-xs')
            room = live.join(user, location) if location is not None else None
            Bell(user, location.time_zone if location else 'UTC', room)
            _language_chooser(user)
            ui.label(_('{email} ({role})').format(email=user.email, role=role_name(user.role))).classes(
                'text-sm opacity-80 gt-sm')
            named(ui.button(icon='logout', on_click=lambda: (sign_out(user), ui.navigate.to('/login'))).props(
                'flat color=white dense'), _('Sign out'), tip=True)
    # open on wide screens, closed over a phone's page: Quasar opens it on mounting where the screen is wide and
    # tells the server (with value=None NiceGUI would ask each browser by JavaScript on connect instead: one
    # more round trip per page, and an error logged for every client that does not answer)
    with ui.left_drawer(value=False).props('show-if-above').classes('bg-slate-50') as drawer:
        ui.html(navigation_html(user.role, title), sanitize=False).classes('w-full').mark('navigation version')
    with ui.column().classes('w-full gap-4 p-2'):
        yield
    presence.join(user, title)


@functools.lru_cache(maxsize=256)
def _navigation_html(role: Role, title: str, language: str) -> str:
    links = []
    for entry in registry.navigation(role):  # the pages this role may open, as they declared
        here = entry.title == title
        current, shade = (' aria-current="page"', ' bg-slate-200') if here else ('', '')
        links.append(
            f'<a href="{escape(entry.path)}"{current} class="flex items-center gap-3 px-2 py-2 rounded no-underline'
            f' text-slate-800 hover:bg-slate-200{shade}"><i class="q-icon notranslate material-icons text-primary"'
            f' aria-hidden="true" role="presentation">{escape(entry.icon or "")}</i>'
            f'<span>{escape(_(entry.title))}</span></a>')
    name = _('Navigation')
    # which release this is, for the owner telling support (or reading CHANGELOG.md)
    version = _('ClientPulse, version {version}').format(version=__version__)
    return (f'<nav aria-label="{escape(name)}">{"".join(links)}</nav>'
            f'<p class="text-xs text-slate-600 px-2 pt-4 m-0">{escape(version)}</p>')


def navigation_html(role: Role, title: str) -> str:
    """The navigation's links for ``role`` and the release's version as HTML (one element in the page, not four per
    link: every element costs each open page ~4–5 KB of server memory), each page's icon and title in the current
    language, the page titled ``title`` marked current (``aria-current``); built once per role, page and language
    and shared by every page that shows it (titles are escaped; paths and icons come from the pages' own
    declarations)."""
    return _navigation_html(role, title, i18n.current())


def _language_chooser(user: UserRead) -> None:
    """The person's own language, a menu under an icon (room for it on a phone's header): their location's (the
    default), or one of :data:`~app.services.i18n.LANGUAGES` each named in itself; a choice is saved to their account
    and the page is drawn again in it. The choices are one element (plain buttons telling it which was pressed)."""
    async def choose(event) -> None:
        code = event.args if isinstance(event.args, str) else ''  # what a browser sends: anything
        if code != 'location' and code not in i18n.LANGUAGES:
            return
        chosen = None if code == 'location' else code
        if chosen == user.language:
            return
        try:
            await language.io_bound(users.set_language, chosen, actor=user)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative')
            return
        ui.navigate.reload()

    def fill(menu: ui.menu) -> None:
        menu.props('auto-close')
        choices = ui.html(sanitize=False).props('role=group').mark('user-language-choices')
        choices._props['aria-label'] = _('Language')  # set directly: a translated name may hold quotes
        choices.on('choose', choose)
        choices.set_content(_language_buttons(choices.id, mine))

    mine = user.language if user.language in i18n.LANGUAGES else 'location'
    button = ui.button(icon='translate').props('flat round dense color=white').mark('user-language')
    named(button, _('Language'), tip=True)
    menu_on_press(button, fill)  # the choices drawn when first asked for


def _language_buttons(element_id: int, mine: str) -> str:
    """The language menu's choices as HTML: one button per choice ('location' or a language's code, the one in use
    ``mine`` marked ``aria-current``), each telling the element ``element_id`` which was pressed (event ``choose``)."""
    buttons = []
    for code, name in {'location': _('Same as the location'), **i18n.LANGUAGES}.items():
        current = ' aria-current="true"' if code == mine else ''
        buttons.append(f'<button type="button" class="language-choice" data-language="{code}"{current}'
                       f' onclick="getElement({element_id}).$emit(&quot;choose&quot;, &quot;{code}&quot;)">'
                       f'{escape(name)}</button>')
    return ''.join(buttons)


def field_error(elements: dict, error: Exception) -> None:
    """Show a service error beside the field it names (``error.field``), or as a toast."""
    element = elements.get(getattr(error, 'field', None) or '')
    if element is not None:
        element.error = str(error)
    else:
        ui.notify(str(error), type='negative', multi_line=True)
