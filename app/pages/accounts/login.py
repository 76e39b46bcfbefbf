"""Sign in and out."""

from __future__ import annotations

from fastapi import Request
from nicegui import app, ui

from app.pages import language
from app.pages.guard import public_page
from app.pages.signed_in import HOME, current_user, request_info, sign_in
from app.services import redirects
from app.services.accounts import activity, setup, users
from app.services.accounts import native_login as native_login_service
from app.services.catalogue import locations
from app.services.errors import AuthenticationError
from app.services.i18n import _


@public_page('/native-login', proof="the desktop window's one-time token, from this machine")
async def native_login(request: Request, token: str = '') -> None:
    """Where the app's own desktop window starts: signs the owner in without a password
    (see :mod:`app.services.accounts.native_login`)."""
    client = request.client.host if request.client else None
    language.use(locations.public_language())
    if not native_login_service.redeem(token, client):
        with ui.column().classes('m-8 gap-2'):
            ui.label(_('This sign-in link is not valid here. Please sign in.')).classes(
                'text-negative text-lg').mark('refused')
            ui.link(_('Sign in'), '/login')
        return
    owner = users.desktop_owner()
    if owner is None:
        ui.label(_('Create an owner account first: {command}').format(
            command='clientpulse create-user EMAIL --role owner')).classes(
            'text-lg m-8').mark('refused')
        return
    ui.label(_('Signing in…')).classes('m-8 text-lg')
    await ui.context.client.connected()  # the browser's own storage, once it is connected
    sign_in(owner)
    ui.navigate.to(HOME[owner.role])


def not_set_up_yet() -> bool:
    """On an install with no account yet, draw the page a visitor meets instead of the sign-in (nobody can sign in:
    the owner sets it up through the link printed where ClientPulse was started) and return True; else draw nothing
    and return False."""
    if not setup.needs_setup():
        return False
    language.use(locations.public_language())
    with ui.card().classes('absolute-center w-96 max-w-full p-6 gap-2').mark('not-set-up'):
        ui.label('ClientPulse').classes('text-2xl font-bold text-primary')
        heading = ui.label(_('This shop is not set up yet')).classes('text-lg font-medium m-0')
        heading.tag = 'h1'  # the page's one h1
        ui.label(_('Its owner sets it up through the link ClientPulse printed where it was started (the desktop '
                   'window opens it by itself). Once that is done, sign in here.'))
        ui.link(_('Sign in'), '/login')
    return True


@public_page('/login', proof='none: the sign-in form')
def login_page(next: str = '') -> None:
    """The sign-in form; ``next``: where to go after (a local path only)."""
    wanted = redirects.local_path(next) or ''  # never another site (open redirect)
    someone = current_user()
    if someone is not None:
        ui.navigate.to(wanted or HOME[someone.role])
        return
    if not_set_up_yet():  # no account at all: nobody could sign in; the page says how the owner sets it up
        return
    language.use(locations.public_language())  # nobody signed in yet: the shop's language

    async def try_login() -> None:
        where = request_info()
        try:  # in a worker thread: repeated failures are answered slowly on purpose
            user = await language.io_bound(users.authenticate, email.value or '', password.value or '')
        except AuthenticationError as error:
            password.error = str(error)
            activity.record(None, 'sign_in_failed', error.stored or str(error),
                            email=(email.value or '').strip().lower(), **where)
            return
        activity.record(user.model_copy(update=where), 'sign_in', location_id=user.location_id)
        sign_in(user)
        ui.navigate.to(wanted or HOME[user.role])

    with ui.card().classes('absolute-center w-96 max-w-full p-6'):
        ui.label('ClientPulse').classes('text-2xl font-bold text-primary')
        heading = ui.label(_('Sign in to your shop')).classes('text-base font-normal text-slate-500 m-0')
        heading.tag = 'h1'  # the page's one h1
        if app.storage.user.pop('expired', False):
            ui.label(_('Your sign-in has expired. Please sign in again.')).classes('text-warning').mark('expired')
        email = ui.input(_('Email')).classes('w-full').mark('email')
        password = ui.input(_('Password'), password=True, password_toggle_button=True).classes('w-full').mark(
            'password').on('keydown.enter', try_login)
        ui.button(_('Sign in'), on_click=try_login).classes('w-full mt-2').mark('sign-in')
