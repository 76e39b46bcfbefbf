"""Chat: the front desk's Chat page, the customer's page behind their link, and the files of both.

Messages are shown with ``ui.label`` (text, never HTML). Files are served by two routes that ask the
chat service first: ``/chat-files/{id}`` for the signed-in front desk of the conversation's location,
``/chat/{token}/files/{id}`` for the holder of that conversation's link.
"""

from __future__ import annotations

import html
import time
from datetime import datetime

from babel.dates import format_datetime
from fastapi import HTTPException
from fastapi.responses import FileResponse
from nicegui import events as ui_events
from nicegui import ui

from app import live
from app.models import UserRead
from app.pages import language, params
from app.pages.customers.picker import CustomerPicker
from app.pages.guard import PageContext, guarded_page, public_page, route
from app.pages.signed_in import FRONT_DESK
from app.services import clock, events, i18n
from app.services.customers import chat
from app.services.errors import ClientPulseError, NotFoundError, PermissionDeniedError
from app.services.i18n import N_, _

TYPING_EVERY = 2.0  # seconds between "typing" signals sent while someone types
TYPING_SHOWN = 4.0  # seconds the other side shows "typing…" after the last signal
FOCUS_RING = '''
@layer overrides {
    .q-btn:focus-visible, a:focus-visible {
        outline: 3px solid #1e3a8a !important; outline-offset: 0 !important; box-shadow: 0 0 0 6px #fff !important;
    }
}
'''
"""A visible ring on whatever the keyboard has reached (the customer's pages and the kiosk, which have no desk frame):
dark blue with a white edge, seen on white and on the kiosk's dark header alike. Quasar's buttons carry
``no-outline`` (``!important``, in NiceGUI's last layer): an important rule of the earlier ``overrides`` layer wins."""
PICK_FILE = '''
<div class="row items-center no-wrap q-pa-xs q-gutter-xs">
  <q-btn v-if="props.canAddFiles" flat dense no-caps icon="attach_file" label="{label}" @click="props.pickFiles" />
  <div class="hidden"><q-uploader-add-trigger /></div>
  <q-spinner v-if="props.isUploading" />
</div>'''
"""The uploader's header: a real button that names itself (Quasar's is an unnamed "+" link wrapping an unlabelled
file input), opening the picker through the file input kept out of sight and out of the accessibility tree."""


def heading(text: str, tag: str = 'h1') -> ui.label:
    """A label that is the page's heading (``h1``) or a dialog's (``h2``): screen readers list and jump to it."""
    label = ui.label(text)
    label.tag = tag
    return label


@guarded_page('/chat', roles=FRONT_DESK, title=N_('Chat'), icon='chat')
def chat_page(page: PageContext, c: str | None = None) -> None:
    """The front desk's Chat page; ``c``: the conversation to open."""
    _StaffChat(page.user, page.location.id, page.location.time_zone, params.whole_number(c),
               page.location.locale).build()


@public_page('/chat/{token}', proof="the conversation's chat link token")
def customer_chat_page(token: str) -> None:
    """The customer's chat behind their link ``token``, in the location's language."""
    ui.add_css(FOCUS_RING)
    try:
        conversation = chat.customer_conversation(token)
    except PermissionDeniedError as error:
        heading(str(error)).classes('m-8 text-negative text-lg').mark('refused')
        return
    location = chat.location_of(conversation)
    language.use(location.language if location is not None else None)  # a public page: the location's language
    with ui.column().classes('w-full max-w-2xl mx-auto p-4 gap-3'):
        heading(_('Chat with the salon — {name}').format(name=conversation.customer_name.split(' ')[0])).classes(
            'text-xl font-semibold')
        ChatPanel(conversation, chat.CUSTOMER, token=token, time_zone=conversation.time_zone,
                  locale=location.locale if location is not None else None).build()


@route('GET', '/chat-files/{attachment_id}', roles=FRONT_DESK)
def staff_file(user: UserRead, attachment_id: str) -> FileResponse:
    """An attachment for the signed-in front desk (the guard has checked the sign-in and the role)."""
    try:
        return _file_response(chat.staff_attachment(_attachment_id(attachment_id), actor=user))
    except (PermissionDeniedError, NotFoundError) as error:
        raise HTTPException(status_code=404, detail=str(error)) from None


@route('GET', '/chat/{token}/files/{attachment_id}', proof="the conversation's chat link token")
def customer_file(token: str, attachment_id: str) -> FileResponse:
    """An attachment of the conversation whose link is ``token`` (404 for any other)."""
    try:
        return _file_response(chat.customer_attachment(token, _attachment_id(attachment_id)))
    except (PermissionDeniedError, NotFoundError) as error:
        raise HTTPException(status_code=404, detail=str(error)) from None


def _attachment_id(text: str) -> int:
    """The attachment id of a file's address (an id the database can hold; 40 digits would overflow it).

    :raises NotFoundError: not one
    """
    number = params.whole_number(text)
    if number is None:
        raise NotFoundError(_('No such file.'))
    return number


def _file_response(stored: chat.StoredFile) -> FileResponse:
    """The file, typed by its checked content; never sniffed, never run: PDFs download, images show."""
    inline = stored.content_type.startswith('image/')
    return FileResponse(stored.path, media_type=stored.content_type, filename=stored.file_name,
                        content_disposition_type='inline' if inline else 'attachment',
                        headers={'X-Content-Type-Options': 'nosniff',
                                 'Content-Security-Policy': "default-src 'none'; sandbox"})


class ChatPanel:
    """One conversation as one side sees it: history, read receipts, typing, the message box and files."""

    def __init__(self, conversation: chat.ConversationRead, side: str, *, actor: UserRead | None = None,
                 token: str | None = None, time_zone: str = 'UTC', after: int = 0, locale: str | None = None) -> None:
        """``after``: show only messages with a later id (the kiosk passes the conversation's last message
        at lookup: whoever stands there knows the customer's phone number, which must not be enough to
        read their earlier conversation). ``locale``: the location's formats, for the messages' dates."""
        self.conversation, self.side, self.actor, self.token, self.time_zone = (
            conversation, side, actor, token, time_zone)
        self.locale = locale
        self.shown_after = after
        self.other_typing_until = 0.0
        self.last_typing_sent = 0.0
        self.upload: chat.Upload | None = None

    def build(self) -> None:
        with ui.card().classes('w-full'):
            self.history = ui.column().classes('w-full gap-1 max-h-[60vh] overflow-y-auto').mark('chat-history')
            self.history.props.update({'role': 'log', 'aria-live': 'polite', 'aria-label': _('Messages')})
            self.typing_label = ui.label('').classes('text-sm text-slate-500 italic h-5').mark('chat-typing').props(
                'aria-live=polite')
            with ui.row().classes('w-full items-end gap-2 no-wrap'):
                self.text = ui.textarea(placeholder=_('Write a message'), on_change=self.on_typing).props(
                    'autogrow outlined dense').classes('grow').mark('chat-text')
                self.text.props['aria-label'] = _('Write a message')
                send = ui.button(icon='send', on_click=self.send).props('round').mark('chat-send')
                send.props['aria-label'] = _('Send')
                send.tooltip(_('Send'))
            with ui.row().classes('items-center gap-2'):
                upload = ui.upload(label=_('Photo or PDF'), auto_upload=True, on_upload=self.on_upload,
                                   max_file_size=chat.max_attachment_bytes()).props(
                    f'accept="{",".join(chat.ALLOWED)}" flat dense').classes('max-w-xs').mark('chat-upload')
                # Quasar's own header has an unnamed icon button: this one says what it does, in words
                upload.add_slot('header', PICK_FILE.format(label=html.escape(_('Photo or PDF'))))
                self.attached = ui.label('').classes('text-sm text-slate-500').mark('chat-attached')
        self.show_messages()
        self.mark_read()
        live.on_change(self.conversation.location_id, self.on_event, kinds=(events.ChatChanged,))
        ui.timer(1.0, self.expire_typing)

    # --- reading --------------------------------------------------------------------------------------------------

    def messages(self) -> list[chat.MessageRead]:
        if self.side == chat.STAFF:
            found = chat.staff_messages(self.conversation.id, actor=self.actor)
        else:
            found = chat.customer_messages(self.token)
        return [m for m in found if m.id > self.shown_after]

    def show_messages(self) -> None:
        items = self.messages()
        self.history.clear()
        with self.history:
            if not items:
                ui.label(_('No messages yet.')).classes('text-slate-500')
            own = [m for m in items if m.sender == self.side]
            last_own = own[-1].id if own else None
            for message in items:
                mine = message.sender == self.side
                # the customer's own messages say 'You': the kiosk never shows a customer's full name
                name = _('You') if mine and self.side == chat.CUSTOMER else message.sender_name
                with ui.chat_message(name=name, sent=mine, stamp=self.stamp(message.created_at)).classes(
                        'w-full').props(  # colours whose faded time stamp still reads (4.5:1; Quasar's green did not)
                        'text-color=black ' + ('bg-color=grey-3' if mine else 'bg-color=blue-1')).mark(
                        'chat-message'), ui.column().classes('gap-1'):
                    if message.body:
                        ui.label(message.body).classes('whitespace-pre-wrap').mark('chat-body')
                    if message.attachment_id is not None:
                        self.attachment(message)
                    if message.id == last_own:  # the read receipt of what this side sent last
                        ui.label(_('Read') if message.read_by_other else _('Sent')).classes(
                            'text-xs opacity-70 self-end').mark('chat-receipt')

    def stamp(self, moment: datetime) -> str:
        """``Mon 04 Mar 2030 14:30`` in the location's time zone, its names in the page's language."""
        locale = i18n.locale_for(self.locale) if self.locale else i18n.current()
        return format_datetime(clock.to_local(moment, self.time_zone), 'EEE dd MMM yyyy HH:mm', locale=locale)

    def attachment(self, message: chat.MessageRead) -> None:
        url = (f'/chat-files/{message.attachment_id}' if self.side == chat.STAFF
               else f'/chat/{self.token}/files/{message.attachment_id}')
        if message.attachment_type and message.attachment_type.startswith('image/'):
            ui.image(url).classes('w-48 rounded').mark('chat-image')
        ui.link(message.attachment_name or _('file'), url, new_tab=True).classes('text-sm').mark('chat-file')

    def mark_read(self) -> None:
        if self.side == chat.STAFF:
            chat.mark_read_by_staff(self.conversation.id, actor=self.actor)
        else:
            chat.mark_read_by_customer(self.token)

    # --- live -----------------------------------------------------------------------------------------------------

    def on_event(self, event) -> None:
        if not isinstance(event, events.ChatChanged) or event.conversation_id != self.conversation.id:
            return
        if event.side == self.side and event.change != 'message':
            return  # this side's own read marks and typing
        if event.change == 'typing':
            self.other_typing_until = time.monotonic() + TYPING_SHOWN
            self.typing_label.set_text(_('Typing…') if self.side == chat.CUSTOMER else _('{name} is typing…').format(
                name=self.conversation.customer_name.split(' ')[0]))
            return
        if event.change == 'message' and event.side != self.side:
            self.other_typing_until = 0
            self.typing_label.set_text('')
            self.mark_read()  # the panel is open: the sender sees "Read"
        self.show_messages()

    def expire_typing(self) -> None:
        if self.other_typing_until and time.monotonic() > self.other_typing_until:
            self.other_typing_until = 0
            self.typing_label.set_text('')

    def on_typing(self) -> None:
        now = time.monotonic()
        if self.text.value and now - self.last_typing_sent > TYPING_EVERY:
            self.last_typing_sent = now
            chat.typing(self.conversation.id, self.side, location_id=self.conversation.location_id)

    # --- writing --------------------------------------------------------------------------------------------------

    async def on_upload(self, event: ui_events.UploadEventArguments) -> None:
        upload = chat.Upload(event.file.name, await event.file.read())
        try:
            chat.check_upload(upload)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            event.sender.reset()
            return
        self.upload = upload
        self.attached.set_text(_('Attached: {name}').format(name=upload.name))
        event.sender.reset()

    def send(self) -> None:
        try:
            if self.side == chat.STAFF:
                chat.send_as_staff(self.conversation.id, self.text.value or '', actor=self.actor, upload=self.upload)
            else:
                chat.send_as_customer(self.token, self.text.value or '', upload=self.upload)
        except ClientPulseError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        self.text.set_value('')
        self.upload = None
        self.attached.set_text('')


class _StaffChat:
    """The Chat page: conversations with unread badges on the left, the chosen one on the right."""

    def __init__(self, user: UserRead, location_id: int, time_zone: str, chosen: int | None,
                 locale: str | None = None) -> None:
        self.user, self.location_id, self.time_zone, self.chosen = user, location_id, time_zone, chosen
        self.locale = locale

    def build(self) -> None:
        # side by side where there is room; on a phone the conversation comes under the list, not off the screen
        with ui.row().classes('w-full gap-4 items-start sm:flex-nowrap'):
            with ui.card().classes('w-80 max-w-full shrink-0'):
                ui.label(_('Conversations')).classes('font-semibold')
                CustomerPicker(self.user, self.location_id, label=_('Start a chat with…'),
                               on_change=lambda e: self.start(e.value)).classes('w-full').mark('chat-start')
                self.listing()
            with ui.column().classes('grow min-w-0'):
                if self.chosen is None:
                    ui.label(_('Choose a conversation.')).classes('text-slate-500')
                else:
                    self.panel()
        live.on_change(self.location_id, self.on_event, kinds=(events.ChatChanged,))

    @ui.refreshable_method
    def listing(self) -> None:
        for item in chat.conversations(self.location_id, actor=self.user):
            who = item.customer_id if item.customer_id is not None else f'visit-{item.id}'
            with ui.link(target=f'/chat?c={item.id}').classes('no-underline text-slate-800 w-full'):
                with ui.row().classes('w-full items-center justify-between px-2 py-1 rounded hover:bg-slate-100' +
                                      (' bg-slate-200' if item.id == self.chosen else '')).mark(
                        f'conversation-{who}'):
                    ui.label(item.customer_name)
                    if item.unread and item.id != self.chosen:
                        ui.badge(str(item.unread), color='negative').mark(f'unread-{who}')

    def panel(self) -> None:
        try:
            conversation = next(c for c in chat.conversations(self.location_id, actor=self.user)
                                if c.id == self.chosen)
        except StopIteration:
            ui.label(_('No such conversation here.')).classes('text-negative')
            return
        with ui.row().classes('items-center gap-2'):
            ui.label(conversation.customer_name).classes('text-lg font-semibold')
            if conversation.customer_id is not None:  # a kiosk visit has nobody to send a link to
                link = f'/chat/{conversation.access_token}'
                copied = _("Copied the path {link}: add this computer's address (Settings) before sending it.").format(
                    link=link)
                ui.button(_('Customer link'), icon='link', on_click=lambda: (
                    ui.clipboard.write(link), ui.notify(copied))).props('flat dense no-caps')
        ChatPanel(conversation, chat.STAFF, actor=self.user, time_zone=conversation.time_zone,
                  locale=self.locale).build()

    def start(self, customer_id: int | None) -> None:
        if customer_id:
            conversation = chat.open_conversation(customer_id, actor=self.user)
            ui.navigate.to(f'/chat?c={conversation.id}')

    def on_event(self, event) -> None:
        if isinstance(event, events.ChatChanged) and event.change in {'message', 'read'}:
            self.listing.refresh()
