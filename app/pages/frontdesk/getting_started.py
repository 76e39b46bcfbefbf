"""The dashboard's "Getting started" list for a new shop: each step with its state in words and by an icon, and a
link to where it is done; the steps tick themselves off from the shop's data
(:func:`app.services.frontdesk.getting_started.getting_started`). Gone once every step the data can tell is done."""

from __future__ import annotations

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
    with ui.card().classes('w-full').mark('getting-started'):
        heading = ui.label(_('Getting started')).classes('text-lg font-semibold')
        heading.tag = 'h2'
        ui.label(_('{done} of {all} done').format(done=done, all=len(items))).classes(
            'text-sm text-slate-600').mark('getting-started-count')
        with ui.element('ul').classes('w-full').style('list-style:none;margin:0;padding:0'):
            for item in items:
                words, target, allowed = STEPS[item.key]
                with ui.element('li').classes('row items-center gap-2 py-1 no-wrap').mark(
                        f'getting-started-{item.key}'):
                    ui.icon('check_circle' if item.done else 'radio_button_unchecked',
                            color='positive' if item.done else 'grey-8').props('aria-hidden=true')
                    if not item.done and target and page.user.role in allowed:  # the words lead where it is done
                        ui.link(_(words), target)
                    else:
                        ui.label(_(words)).classes('text-slate-600' if item.done else '')
                    colours = 'bg-green-1 text-green-10' if item.done else 'bg-grey-3 text-grey-9'
                    ui.label(_('done') if item.done else _('to do')).classes(f'text-xs rounded px-1 {colours}')
                    if item.key == 'backups' and not item.done:
                        ui.label(_('Schedule a daily backup to a USB disk or a network share (Settings, Backups); '
                                   'none has worked in the last 26 hours.')).classes('text-xs text-red-800').mark(
                            'getting-started-backups-status')
