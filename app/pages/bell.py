"""The notification bell in every page's header: unread count, the latest notifications, mark read."""

from __future__ import annotations

from collections.abc import Awaitable

from nicegui import ui

from app import live
from app.models import NotificationView, UserRead
from app.pages import language
from app.pages.formatting import local_datetime
from app.pages.menus import menu_on_press
from app.services import i18n, notifications
from app.services.i18n import _

SHOWN = 20


class Bell:
    """The bell for ``user``: counts what arrives at the locations they hear about; lists it when opened.

    Arrivals come with the tab's room message (:mod:`app.live.rooms`: the room is per role, so only
    notifications addressed to the role arrive), which counts the badge up in the browser; the server
    side follows quietly."""

    def __init__(self, user: UserRead, time_zone: str, room: live.Subscription | None) -> None:
        self.user, self.time_zone = user, time_zone
        self.stale = True  # the list is built when the bell is opened, not on every change in every tab
        # the count beside the button, not in it: a button's name must hold its visible text (WCAG 2.5.3); the count
        # is the button's description ('Notifications, 3'); a click on the count goes through to the button
        with ui.element('div').classes('relative-position'):
            # the menu and its frame are drawn on the first press (menus.menu_on_press), not with every page
            button = menu_on_press(ui.button(icon='notifications').props('flat round dense color=white').mark('bell'),
                                   self._draw_frame)
            button.on_click(self.open_list)  # after the menu's first drawing: the list goes into it
            button._props['aria-label'] = _('Notifications')
            self.items: ui.column | None = None
            self.asked = 0  # reads asked for: only the latest one's answer is drawn
            self.badge = ui.badge('', color='negative').props('floating rounded').classes('no-pointer-events').mark(
                'bell-count')
            button._props['aria-describedby'] = self.badge.html_id
        self.count = 0
        self.set_count(notifications.unread_count(self.user))
        if room is not None:
            room.badge(self.badge)
            room.follow(self.absorb)
        live.notifications_read.follow(self.on_read_elsewhere)

    def absorb(self, message: dict, _event) -> None:
        """A notice for this role arrived (its browser counted it and toasted it): follow on the server; the
        list is redrawn when next opened."""
        if 'notice' in message:
            live.quietly(self.badge, lambda: self.set_count(self.count + 1))
            self.stale = True

    def _draw_frame(self, menu: ui.menu) -> None:
        """The list's frame, in the menu drawn on the first press (its width set: it opens where it stays while the
        list arrives)."""
        menu.classes('w-[28rem] max-w-[95vw]')
        with ui.column().classes('w-full p-3 gap-2'):
            with ui.row().classes('w-full items-center justify-between'):
                ui.label(_('Notifications')).classes('font-semibold')
                ui.button(_('Mark all read'), on_click=self.read_all).props('flat dense no-caps').mark(
                    'bell-read-all')
            self.items = ui.column().classes('w-full gap-1')

    def open_list(self) -> Awaitable[None] | None:
        """Read the list again when it is stale (in a worker thread: NiceGUI awaits what this returns)."""
        return self.refresh() if self.stale else None

    def set_count(self, count: int) -> None:
        self.count = count
        self.badge.set_text(str(count))
        self.badge.set_visibility(count > 0)

    async def refresh(self) -> None:
        """Read the count and the latest notifications afresh (on opening, and after marking read), in a worker
        thread."""
        self.stale = False
        self.asked += 1
        asked = self.asked
        count, latest = await language.io_bound(self._read)
        if asked != self.asked:  # a later read (after marking read) was asked for meanwhile: its answer is drawn
            return
        if self.items is None or self.items.is_deleted:  # not opened yet (marked read elsewhere), or gone
            self.stale = True
            if not self.badge.is_deleted:
                self.set_count(count)
            return
        self.set_count(count)
        self.items.clear()
        with self.items:
            if not latest:
                ui.label(_('Nothing yet.')).classes('text-slate-500')
            for item in latest:
                self.item(item)

    def item(self, item: NotificationView) -> None:
        with ui.row().classes('w-full items-start gap-2 no-wrap').mark('bell-item'):
            ui.icon('circle', size='xs').classes('text-negative' if not item.read else 'invisible')
            with ui.column().classes('gap-0 grow'):
                ui.label(i18n.shown(item.text)).classes('text-sm' + ('' if item.read else ' font-semibold'))
                ui.label(local_datetime(item.created_at, self.time_zone)).classes('text-xs text-slate-500')
            if not item.read:
                ui.button(icon='done', on_click=lambda i=item.id: self.read([i])).props(
                    'flat round dense size=sm').tooltip(_('Mark read')).mark(f'bell-read-{item.id}')

    def _read(self) -> tuple[int, list[NotificationView]]:
        return notifications.unread_count(self.user), notifications.visible(self.user, limit=SHOWN)

    async def on_read_elsewhere(self, user_id: int) -> None:
        """This person marked notifications read in another page: count again (one query in a worker thread, only
        in their pages)."""
        if user_id == self.user.id:
            self.stale = True
            count = await language.io_bound(notifications.unread_count, self.user)
            if not self.badge.is_deleted:
                self.set_count(count)

    async def read(self, ids: list[int] | None = None) -> None:
        """Mark ``ids`` read (None: all of this person's), in a worker thread; the list and every page of theirs
        follow."""
        await language.io_bound(notifications.mark_read, self.user, ids)
        await self.refresh()
        live.notifications_read.emit(self.user.id)

    async def read_all(self) -> None:
        await self.read()
