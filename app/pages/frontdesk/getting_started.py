"""The dashboard's "Getting started" list for a new shop: each step with its state in words and by an icon, and a
link to where it is done; the steps tick themselves off from the shop's data
(:func:`app.services.frontdesk.getting_started.getting_started`). Gone once every step the data can tell is done."""

from __future__ import annotations

from html import escape

from nicegui import ui

from app.models import GettingStartedItem, Role
from app.pages import language
from app.pages.guard import PageContext
from app.services.frontdesk import getting_started
from app.services.i18n import N_, _

STEPS = {
    'hours': (N_('Set your opening hours'), '/settings', {Role.OWNER}),
    'staff': (N_('Add your team and their working hours'), '/staff', {Role.OWNER, Role.MANAGER}),
    'services': (N_('Add your services'), '/catalog', {Role.OWNER, Role.MANAGER}),
    'messages': (N_('Send your first message to a customer (e-mail or SMS)'), '/messages', {Role.OWNER, Role.MANAGER}),
    'online_booking': (N_('Switch on online booking'), '/settings', {Role.OWNER}),
    'backups': (N_('Back up your data'), '/settings/backups', {Role.OWNER}),
    'first_booking': (N_('Take your first booking'), '/bookings', {Role.OWNER, Role.MANAGER}),
}
"""Each step's words, the page where it is done, and who may open that page."""


def getting_started_section(page: PageContext) -> None:
    """The list for ``page``'s location, drawn where called once the shop's data is read (in a worker thread, after
    the page is out: never on the event loop); nothing once it is all done."""
    place = ui.element('div').classes('w-full')

    async def fill() -> None:
        items = await language.io_bound(getting_started.getting_started, page.location.id, actor=page.user)
        if place.is_deleted:
            return
        if getting_started.all_done(items):
            place.delete()
            return
        with place:
            _draw(page, items)

    ui.timer(0, fill, once=True)


def _draw(page: PageContext, items: list[GettingStartedItem]) -> None:
    done = sum(item.done for item in items)
    title, count = _('Getting started'), _('{done} of {all} done').format(done=done, all=len(items))
    with ui.card().classes('w-full').mark('getting-started'):
        ui.html(f'<h2 class="text-lg font-semibold m-0">{escape(title)}</h2>'
                f'<p class="text-sm text-slate-600 my-2">{escape(count)}</p>'
                '<ul class="w-full" style="list-style:none;margin:0;padding:0">'
                f'{steps_html(page.user.role, items)}</ul>', sanitize=False).classes('w-full').mark(
            'getting-started-steps')


def steps_html(role: Role, items: list[GettingStartedItem]) -> str:
    """The steps as the items of one list (HTML; one element of the page, not four or five per step): the state by an
    icon (hidden from screen readers) and in words, each step not done a link to where it is done when ``role`` may
    open that page, and the backups' reminder under their step (words escaped; the targets are :data:`STEPS`')."""
    lines = []
    for item in items:
        words, target, allowed = STEPS[item.key]
        icon, colour = ('check_circle', 'text-positive') if item.done else ('radio_button_unchecked', 'text-grey-8')
        if not item.done and target and role in allowed:  # the words lead where it is done
            what = f'<a class="text-blue-9 underline" href="{escape(target)}">{escape(_(words))}</a>'
        else:
            what = f'<span class="{"text-slate-600" if item.done else ""}">{escape(_(words))}</span>'
        state = _('done') if item.done else _('to do')
        shade = 'bg-green-1 text-green-10' if item.done else 'bg-grey-3 text-grey-9'
        state = f'<span class="text-xs rounded px-1 {shade}">{escape(state)}</span>'
        note = ''
        if item.key == 'backups' and not item.done:
            note = ('<span class="text-xs text-red-800" data-note="backups">' + escape(_(
                'Schedule a daily backup to a USB disk or a network share (Settings, Backups); none has worked in the '
                'last 26 hours.')) + '</span>')
        lines.append(f'<li class="row items-center gap-x-2 py-1" data-step="{escape(item.key)}">'
                     f'<i class="q-icon notranslate material-icons {colour}" aria-hidden="true" role="presentation"'
                     f'>{icon}</i>{what}{state}{note}</li>')
    return ''.join(lines)
