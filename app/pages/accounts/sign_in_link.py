"""``/account/<token>``: where an invited staff member chooses their password (and makes their account), or a person
sets a new one from a reset link; then they are signed in. Public, so hostile: a malformed, wrong, spent or expired
link gets a plain page saying so (wrong links are counted against the caller's network address, which is paused
after too many: :mod:`app.services.messaging.sign_in_links`).
"""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from app.models import SignInLinkKind
from app.pages import language
from app.pages.guard import public_page
from app.pages.layout import field_error
from app.pages.signed_in import HOME, sign_in
from app.services.catalogue import locations
from app.services.errors import ClientPulseError
from app.services.i18n import N_, _
from app.services.messaging import sign_in_links

TITLE = N_('Your sign-in')
MAX_TOKEN = 120
"""Longer than any link this app makes: anything longer is cut (and then refused)."""


@public_page('/account/{token}', proof="the sign-in link's token", title=TITLE)
async def account_link_page(request: Request, token: str) -> None:
    """What a sign-in link opens: its form behind a valid ``token``, else a refusal."""
    ui.add_head_html('<meta name="referrer" content="no-referrer">')  # the link is a secret: never pass it on
    language.use(await language.io_bound(locations.public_language))  # a refusal in the shop's language
    ui.page_title(_(TITLE))
    token = (token or '')[:MAX_TOKEN]
    ip = request.client.host if request.client else ''  # behind the proxy: X-Forwarded-For, trusted from loopback
    with ui.card().classes('absolute-center w-96 max-w-full p-6') as card:
        ui.label('ClientPulse').classes('text-2xl font-bold text-primary')
        try:
            view = await language.io_bound(sign_in_links.open_link, token, ip=ip)
        except ClientPulseError as error:
            _refused(str(error))
            return
        language.use(view.language)
        _Form(token, view, card, ip).build()


class _Form:
    """The password form of a valid link."""

    def __init__(self, token: str, view: sign_in_links.LinkView, card: ui.card, ip: str) -> None:
        self.token, self.view, self.card, self.ip = token, view, card, ip

    def build(self) -> None:
        view = self.view
        invited = view.kind == SignInLinkKind.INVITE
        heading = ui.label(_('Choose your password') if invited else _('Set a new password')).classes(
            'text-lg font-semibold m-0')
        heading.tag = 'h1'
        if invited:
            ui.label(_('Welcome, {name}: this makes your sign-in for {location}.').format(
                name=view.staff_name, location=view.location_name)).classes('text-slate-600').mark('link-welcome')
        self.email = None
        if view.email:
            ui.label(_('You sign in as {email}.').format(email=view.email)).classes('text-slate-600').mark(
                'link-email')
        else:
            self.email = ui.input(_('Your e-mail address (you sign in with it)')).props('type=email').classes(
                'w-full').mark('link-new-email')
        self.password = ui.input(_('New password (at least 8 characters)'), password=True,
                                 password_toggle_button=True).classes('w-full').mark('link-password')
        self.repeat = ui.input(_('The same password again'), password=True).classes('w-full').mark(
            'link-repeat').on('keydown.enter', self.save)
        ui.button(_('Save and sign in'), on_click=self.save).classes('w-full mt-2').mark('link-save')

    async def save(self) -> None:
        for box in (self.email, self.password, self.repeat):
            if box is not None:
                box.error = None
        if (self.password.value or '') != (self.repeat.value or ''):
            self.repeat.error = _('The two passwords are not the same.')
            return
        try:  # argon2: off the event loop
            account = await language.io_bound(sign_in_links.use_link, self.token, self.password.value or '',
                                              email=(self.email.value or '') if self.email is not None else '',
                                              ip=self.ip)
        except sign_in_links.LinkRefused as error:
            self.card.clear()
            with self.card:
                _refused(str(error))
            return
        except ClientPulseError as error:
            field_error({'email': self.email, 'password': self.password}, error)
            return
        sign_in(account)
        ui.navigate.to(HOME[account.role])


def _refused(text: str) -> None:
    heading = ui.label(_('This link cannot be used')).classes('text-lg font-semibold m-0')
    heading.tag = 'h1'
    ui.label(text).classes('text-negative text-lg').props('role=alert').mark('link-refused refused')
    ui.link(_('Sign in'), '/login').mark('link-sign-in')
