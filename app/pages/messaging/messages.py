"""Messages: what went to customers (and what failed, with its error and "Try again"), live; and, for owners and
managers, the location's texts for each message on each channel, with the placeholders and a preview."""

from __future__ import annotations

from nicegui import ui

from app import live
from app.models import MessageChannel, MessageStatus, Role, Template
from app.pages import language
from app.pages.formatting import local_datetime
from app.pages.guard import PageContext, guarded_page
from app.pages.session import FRONT_DESK
from app.services import events
from app.services.errors import ClientPulseError
from app.services.messaging import outbox, templates

TEMPLATE_NAMES = {Template.CONFIRMATION: 'Confirmation', Template.RESCHEDULED: 'Booking moved',
                  Template.CANCELLED: 'Booking cancelled', Template.REMINDER: 'Reminder',
                  Template.WAITLIST_OFFER: 'Waitlist offer', Template.CODE: 'Online booking code'}
STATUS_NAMES = {MessageStatus.QUEUED: 'Waiting', MessageStatus.SENDING: 'Sending', MessageStatus.SENT: 'Sent',
                MessageStatus.FAILED: 'Failed', MessageStatus.CANCELLED: 'Withdrawn'}


def register() -> None:
    @guarded_page('/messages', roles=FRONT_DESK, title='Messages', icon='sms')
    def messages_page(page: PageContext, status: str | None = None) -> None:
        shown = status if status in {s.value for s in MessageStatus} else None
        _Outbox(page, MessageStatus(shown) if shown else None).build()
        if page.user.role in (Role.OWNER, Role.MANAGER):
            _Texts(page).build()


class _Outbox:
    def __init__(self, page: PageContext, status: MessageStatus | None) -> None:
        self.page, self.status = page, status

    def build(self) -> None:
        with ui.row().classes('items-center gap-2'):
            ui.label('Messages to customers').classes('text-lg font-semibold')
            self.filter = ui.toggle({'': 'All', 'failed': 'Failed', 'queued': 'Waiting'},
                                    value=self.status.value if self.status else '',
                                    on_change=lambda e: self.show(e.value)).props('dense no-caps').mark(
                'messages-filter')
        self.table = ui.table(columns=[
            {'name': 'when', 'label': 'When', 'field': 'when', 'align': 'left'},
            {'name': 'customer', 'label': 'Customer', 'field': 'customer', 'align': 'left'},
            {'name': 'what', 'label': 'Message', 'field': 'what', 'align': 'left'},
            {'name': 'to', 'label': 'To', 'field': 'to', 'align': 'left'},
            {'name': 'status', 'label': 'Status', 'field': 'status', 'align': 'left'},
            {'name': 'error', 'label': 'Problem', 'field': 'error', 'align': 'left'},
            {'name': 'retry', 'label': '', 'field': 'retry'},
        ], rows=[], row_key='id').classes('w-full').props('dense flat wrap-cells').mark('messages')
        self.table.add_slot('body-cell-retry', '''
            <q-td :props="props">
              <q-btn v-if="props.row.retry" flat dense no-caps color="primary" label="Try again"
                     @click="$parent.$emit('retry', props.row.id)" />
            </q-td>''')
        self.table.on('retry', lambda e: self.retry(e.args))
        ui.timer(0, self.load, once=True)
        live.on_change(self.page.location.id, lambda _e: self.load(),
                       kinds=(events.MessageFailed, events.BookingChanged))

    async def show(self, value: str) -> None:
        self.status = MessageStatus(value) if value else None
        await self.load()

    async def load(self) -> None:
        rows = await language.io_bound(outbox.list_messages, self.page.location.id, actor=self.page.user,
                                       status=self.status)
        tz = self.page.location.time_zone
        self.table.rows = [{
            'id': m.id, 'when': local_datetime(m.sent_at or m.due_at, tz), 'customer': m.customer_name,
            'what': f'{"SMS" if m.channel == MessageChannel.SMS else "E-mail"}: '
                    f'{TEMPLATE_NAMES.get(Template(m.template), m.template.title())}',
            'to': m.to_address, 'status': STATUS_NAMES[m.status] + (f' ({m.attempts} tries)' if m.attempts > 1 else ''),
            'error': m.last_error, 'retry': m.status == MessageStatus.FAILED} for m in rows]
        self.table.update()

    async def retry(self, message_id) -> None:
        try:
            await language.io_bound(outbox.retry, int(message_id), actor=self.page.user)
        except (ClientPulseError, TypeError, ValueError) as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify('Queued again: it goes out within a minute.', type='positive')
        await self.load()


class _Texts:
    """The editor of the location's texts: one template and channel at a time."""

    def __init__(self, page: PageContext) -> None:
        self.page = page
        self.key = (Template.CONFIRMATION, MessageChannel.EMAIL)

    def build(self) -> None:
        with ui.card().classes('w-full max-w-4xl mt-4'):
            ui.label('Texts').classes('text-lg font-semibold')
            with ui.row().classes('gap-4 items-end'):
                ui.select({t.value: name for t, name in TEMPLATE_NAMES.items()}, value=self.key[0].value,
                          label='Message', on_change=lambda e: self.pick(Template(e.value), self.key[1])).classes(
                    'w-56').mark('text-template')
                ui.toggle({c.value: 'E-mail' if c == MessageChannel.EMAIL else 'SMS' for c in MessageChannel},
                          value=self.key[1].value,
                          on_change=lambda e: self.pick(self.key[0], MessageChannel(e.value))).mark('text-channel')
            self.editor()
            ui.label('Placeholders: ' + ', '.join(f'{{{{ {name} }}}} ({what})'
                                                  for name, what in templates.PLACEHOLDERS.items())).classes(
                'text-xs text-slate-500')

    async def pick(self, template: Template, channel: MessageChannel) -> None:
        self.key = (template, channel)
        self.editor.refresh()

    @ui.refreshable_method
    def editor(self) -> None:
        template, channel = self.key
        subject_text, body_text, own = templates.texts(self.page.location.id, actor=self.page.user)[self.key]
        # the error a change finds stays shown (auto-validation, with no rule of its own, would clear it at once)
        subject = ui.input('Subject', value=subject_text).without_auto_validation().classes('w-full').mark(
            'text-subject')
        subject.set_visibility(channel == MessageChannel.EMAIL)
        body = ui.textarea('Text', value=body_text).without_auto_validation().props('autogrow').classes(
            'w-full').mark('text-body')
        ui.label('Preview').classes('text-sm font-medium mt-2')
        shown = ui.label().classes('whitespace-pre-wrap text-sm bg-slate-100 p-2 rounded w-full').mark('text-preview')
        fields = {'subject': subject, 'body': body}
        typed = [0]  # the latest change: an older preview that arrives after it is dropped

        async def refresh_preview() -> None:
            typed[0] += 1
            mine = typed[0]
            try:  # in a worker thread, never on the event loop (every session is served by it)
                first, text = await language.io_bound(
                    templates.preview, subject.value or '' if channel == MessageChannel.EMAIL else '',
                    body.value or '')
            except ClientPulseError as error:
                if mine == typed[0]:
                    for element in fields.values():
                        element.error = None
                    fields.get(error.field or 'body', body).error = str(error)
                return
            if mine == typed[0]:
                for element in fields.values():
                    element.error = None
                shown.text = f'{first}\n\n{text}' if first else text

        subject.on_value_change(refresh_preview)
        body.on_value_change(refresh_preview)
        ui.timer(0, refresh_preview, once=True)

        async def save() -> None:
            try:
                await language.io_bound(templates.save, self.page.location.id, template, channel,
                                        subject=subject.value or '', body=body.value or '', actor=self.page.user)
            except ClientPulseError as error:
                fields.get(error.field or 'body', body).error = str(error)
                return
            ui.notify('Saved: messages from now on use this text.', type='positive')

        async def back_to_default() -> None:
            await language.io_bound(templates.reset, self.page.location.id, template, channel, actor=self.page.user)
            self.editor.refresh()

        with ui.row():
            ui.button('Save text', icon='save', on_click=save).mark('text-save')
            if own:
                ui.button('Back to the default', on_click=back_to_default).props('flat').mark('text-reset')
