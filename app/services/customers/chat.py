"""Chat between a customer and the shop: conversations, messages, read receipts, typing, attachments.

Two kinds of participant:

- the shop: front-desk accounts (owner, manager, staff) of the conversation's location, passed as
  ``actor``;
- the customer: whoever holds the conversation's link (``access_token``, 256 random bits), a link the
  shop sends. A token opens exactly one conversation: its messages and its attachments, nothing else. A customer
  proven otherwise (their manage link: a :class:`~app.models.CustomerActor`) reaches their own conversation through
  :func:`own_conversation`; every function of the shop's side refuses a customer actor.
  A visitor at the kiosk gets a conversation of its own for that visit
  (:func:`open_visitor_conversation`), never a customer's: a number typed at a kiosk proves nothing.

Messages are plain text up to 2,000 characters; pages show them as text, never as HTML.
Attachments are images (PNG, JPEG, GIF, WebP) or PDF up to ``chat_attachment_max_mb``; the kind is
read from the content (``filetype``'s magic numbers, then Pillow must open an image as one, and a
PDF must start with ``%PDF-``), never from the name or the browser's claim. They are stored under
``<data dir>/attachments`` with a random name, outside anything served as static files, and
handed out only after the participant checks here.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.config import get_settings
from app.models import (
    ChatAttachment,
    ChatMessage,
    Conversation,
    ConversationRead,
    Customer,
    CustomerActor,
    Location,
    LocationRead,
    MessageRead,
    StaffMember,
    UserRead,
)
from app.services import events, files, lazy, notifications
from app.services.accounts.access import (
    CUSTOMER_ROLES,
    FRONT_DESK_ROLES,
    KIOSK_ROLES,
    ensure_customer,
    ensure_reader,
    ensure_role,
)
from app.services.database import session_scope
from app.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.services.i18n import N_, _, deferred

if TYPE_CHECKING:  # the real module for readers, tools and the bundle
    import filetype
else:
    filetype = lazy.module('filetype', globals())  # imported at the first attachment: ~0.4 MB otherwise held

CUSTOMER, STAFF = 'customer', 'staff'
MAX_TEXT = 2000
ALLOWED = {'image/png': N_('PNG image'), 'image/jpeg': N_('JPEG image'), 'image/gif': N_('GIF image'),
           'image/webp': N_('WebP image'), 'application/pdf': N_('PDF')}
"""The kinds of file a chat takes: content type → its name (translate with ``_()`` where shown)."""
NOT_A = {'image/png': N_('a PNG image'), 'image/jpeg': N_('a JPEG image'), 'image/gif': N_('a GIF image'),
         'image/webp': N_('a WebP image'), 'application/pdf': N_('a PDF')}
"""The same kinds as said after "is not" (each language has its own articles)."""
CLAIMED = {'.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif',
           '.webp': 'image/webp', '.pdf': 'application/pdf'}


@dataclass(frozen=True)
class Upload:
    """A file as received: its name (as the sender's device called it) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class StoredFile:
    """Where an attachment lies on disk and how to hand it out."""

    path: Path
    file_name: str
    content_type: str


# --- the shop's side -----------------------------------------------------------------------------------------------

def open_conversation(customer_id: int, *, actor: UserRead) -> ConversationRead:
    """The customer's conversation, started if there is none yet.

    :raises NotFoundError: no such customer
    :raises PermissionDeniedError: not a front-desk role, or another location's customer
    """
    ensure_role(actor, FRONT_DESK_ROLES, 'chat with customers')
    with session_scope(write=True) as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFoundError(_('No such customer.'), field='customer_id')
        ensure_reader(actor, customer.location_id)
        conversation = _for_customer(session, customer)
        return _read_conversation(session, conversation, customer.name)


def conversations(location_id: int, *, actor: UserRead) -> list[ConversationRead]:
    """The location's conversations, latest message first, with how many customer messages are unread.

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id, FRONT_DESK_ROLES, 'read chats')
    with session_scope() as session:
        unread = (select(func.count(col(ChatMessage.id))).where(
            ChatMessage.conversation_id == Conversation.id, ChatMessage.sender == CUSTOMER,
            col(ChatMessage.id) > Conversation.staff_read_up_to).scalar_subquery())
        location = session.get(Location, location_id)
        time_zone = location.time_zone if location else 'UTC'
        latest = (select(func.coalesce(func.max(ChatMessage.id), 0))
                  .where(ChatMessage.conversation_id == Conversation.id).scalar_subquery())
        rows = session.execute(
            select(Conversation, Customer.name, unread, latest)
            .outerjoin(Customer, Customer.id == Conversation.customer_id)
            .where(Conversation.location_id == location_id)
            .order_by(col(Conversation.last_message_at).desc().nulls_last(), col(Conversation.id).desc())).all()
        return [ConversationRead(**c.model_dump(), customer_name=_name_of(c, name), unread=n, last_message_id=last,
                                 time_zone=time_zone) for c, name, n, last in rows]


def staff_messages(conversation_id: int, *, actor: UserRead) -> list[MessageRead]:
    """The conversation's messages, oldest first. :raises PermissionDeniedError: as :func:`conversations`"""
    with session_scope() as session:
        conversation = _staff_conversation(session, conversation_id, actor)
        return _messages(session, conversation, STAFF)


def send_as_staff(conversation_id: int, text: str, *, actor: UserRead, upload: Upload | None = None) -> MessageRead:
    """Send ``text`` (and optionally a file) to the customer, signed with the staff member's account.

    :raises ValidationError: empty, too long, or a file that is not an allowed kind or too large
    :raises PermissionDeniedError: not a front-desk role, or another location's conversation
    """
    with session_scope() as session:
        _staff_conversation(session, conversation_id, actor)
        member = session.get(StaffMember, actor.staff_member_id) if actor.staff_member_id else None
        name = member.name if member else actor.role.value.capitalize()
    return _send(conversation_id, text, STAFF, name, upload, user_id=actor.id or None)


def mark_read_by_staff(conversation_id: int, *, actor: UserRead) -> None:
    """The shop has seen every message so far (the customer's read receipts)."""
    with session_scope(write=True) as session:
        conversation = _staff_conversation(session, conversation_id, actor)
        changed = _mark_read(session, conversation, STAFF)
        session.expunge(conversation)
    if changed:
        _announce_read(conversation, STAFF)


def staff_attachment(attachment_id: int, *, actor: UserRead) -> StoredFile:
    """An attachment for a front-desk account of its conversation's location.

    :raises NotFoundError: no such attachment
    :raises PermissionDeniedError: another location, or not a front-desk role
    """
    with session_scope() as session:
        attachment = session.get(ChatAttachment, attachment_id)
        if attachment is None:
            raise NotFoundError(_('No such file.'))
        _staff_conversation(session, attachment.conversation_id, actor)
        return _stored(attachment)


def typing(conversation_id: int, side: str, *, location_id: int) -> None:
    """Tell the other side someone is typing (nothing stored)."""
    events.publish(events.ChatChanged(location_id=location_id, conversation_id=conversation_id, change='typing',
                                      side=side))


# --- the customer's side -------------------------------------------------------------------------------------------

def customer_conversation(token: str) -> ConversationRead:
    """The conversation the link ``token`` opens. :raises PermissionDeniedError: no conversation has it"""
    with session_scope() as session:
        conversation = _by_token(session, token)
        customer = session.get(Customer, conversation.customer_id) if conversation.customer_id else None
        return _read_conversation(session, conversation, _name_of(conversation, customer.name if customer else None))


def own_conversation(actor: CustomerActor) -> ConversationRead:
    """The acting customer's own conversation with the shop, started if needed (their manage link's chat button).

    :raises PermissionDeniedError: not a customer actor with a customer, or the customer is at another location
    :raises NotFoundError: no such customer
    """
    ensure_role(actor, CUSTOMER_ROLES, N_('open a chat'))
    ensure_customer(actor, actor.customer_id)
    with session_scope(write=True) as session:
        customer = session.get(Customer, actor.customer_id)
        if customer is None:
            raise NotFoundError(_('No such customer.'))
        ensure_reader(actor, customer.location_id, CUSTOMER_ROLES, N_('open a chat'))
        return _read_conversation(session, _for_customer(session, customer), customer.name)


def location_of(conversation: ConversationRead) -> LocationRead | None:
    """The conversation's location: its language is what the customer's page speaks, its locale how it writes dates."""
    with session_scope() as session:
        location = session.get(Location, conversation.location_id)
        return LocationRead.model_validate(location) if location is not None else None


def customer_messages(token: str) -> list[MessageRead]:
    """The messages of the token's conversation, oldest first. :raises PermissionDeniedError: unknown token"""
    with session_scope() as session:
        return _messages(session, _by_token(session, token), CUSTOMER)


def send_as_customer(token: str, text: str, *, upload: Upload | None = None) -> MessageRead:
    """Send ``text`` (and optionally a file) to the shop; the shop's front desk is notified.

    :raises PermissionDeniedError: unknown token
    :raises ValidationError: as :func:`send_as_staff`
    """
    with session_scope() as session:
        conversation = _by_token(session, token)
        customer = session.get(Customer, conversation.customer_id) if conversation.customer_id else None
        name = customer.name if customer else (conversation.visitor_name or 'Customer')
    return _send(conversation.id, text, CUSTOMER, name, upload)


def mark_read_by_customer(token: str) -> None:
    """The customer has seen every message so far (the shop's read receipts)."""
    with session_scope(write=True) as session:
        conversation = _by_token(session, token)
        changed = _mark_read(session, conversation, CUSTOMER)
        session.expunge(conversation)
    if changed:
        _announce_read(conversation, CUSTOMER)


def customer_attachment(token: str, attachment_id: int) -> StoredFile:
    """An attachment of the token's own conversation.

    :raises PermissionDeniedError: unknown token, or the attachment belongs to another conversation
    """
    with session_scope() as session:
        conversation = _by_token(session, token)
        attachment = session.get(ChatAttachment, attachment_id)
        if attachment is None or attachment.conversation_id != conversation.id:
            raise PermissionDeniedError(_('That file is not part of this conversation.'))
        return _stored(attachment)


# --- attachments ---------------------------------------------------------------------------------------------------

def max_attachment_bytes() -> int:
    """The largest attachment accepted (``chat_attachment_max_mb``), in bytes."""
    return int(get_settings().chat_attachment_max_mb * 1024 * 1024)


def check_upload(upload: Upload) -> str:
    """The content type of an acceptable attachment, read from its content.

    :raises ValidationError: empty, larger than the limit, not an image or PDF, an image that does not
        open as one, or content that is not what the name says (a ``.png`` that is not a PNG)
    """
    limit = max_attachment_bytes()
    if not upload.data:
        raise ValidationError(_('"{name}" is empty.').format(name=upload.name), field='attachment')
    if len(upload.data) > limit:
        raise ValidationError(_('"{name}" is {size} MB; files may be at most {limit} MB.').format(
            name=upload.name, size=f'{len(upload.data) / 1024 / 1024:.1f}', limit=f'{limit / 1024 / 1024:.0f}'),
            field='attachment')
    kind = filetype.guess(upload.data)
    found = kind.mime if kind is not None else None
    claimed = CLAIMED.get(Path(upload.name).suffix.lower())
    if found not in ALLOWED:
        what = NOT_A.get(claimed or '', N_('an image or PDF'))
        raise ValidationError(_('"{name}" is not {what}: only images (PNG, JPEG, GIF, WebP) and PDF files can be '
                                'sent.').format(name=upload.name, what=_(what)), field='attachment')
    if claimed is not None and claimed != found:
        raise ValidationError(_('"{name}" is named as {claimed} but contains {found} data: it was not sent.').format(
            name=upload.name, claimed=_(ALLOWED[claimed]), found=_(ALLOWED[found])), field='attachment')
    if found.startswith('image/'):
        from PIL import Image, UnidentifiedImageError  # here, not at start (app.services.lazy says why)

        try:
            with Image.open(io.BytesIO(upload.data)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise ValidationError(_('"{name}" is not a readable image.').format(name=upload.name),
                                  field='attachment') from error
    elif not upload.data.startswith(b'%PDF-'):
        raise ValidationError(_('"{name}" is not a PDF file.').format(name=upload.name), field='attachment')
    return found


def attachments_dir() -> Path:
    """``<data dir>/attachments`` (created on demand, readable by the app's user only)."""
    return files.private_folder(get_settings().data_dir / 'attachments')


# --- helpers -------------------------------------------------------------------------------------------------------

def _send(conversation_id: int, text: str, side: str, name: str, upload: Upload | None,
          user_id: int | None = None) -> MessageRead:
    text = (text or '').strip()
    if not text and upload is None:
        raise ValidationError(_('Write a message or attach a file.'), field='text')
    if len(text) > MAX_TEXT:
        raise ValidationError(_('Messages may be at most {limit} characters (this one has {n}).').format(
            limit=MAX_TEXT, n=len(text)), field='text')
    content_type = check_upload(upload) if upload is not None else None
    stored_path: Path | None = None
    try:
        with session_scope(write=True) as session:
            conversation = session.get(Conversation, conversation_id)
            attachment_id = None
            if upload is not None:
                stored_name = secrets.token_hex(16)
                stored_path = attachments_dir() / stored_name
                stored_path.write_bytes(upload.data)
                attachment = ChatAttachment(conversation_id=conversation_id, stored_name=stored_name,
                                            file_name=Path(upload.name).name[:200] or 'file',
                                            content_type=content_type, size_bytes=len(upload.data))
                session.add(attachment)
                session.flush()
                attachment_id = attachment.id
            message = ChatMessage(conversation_id=conversation_id, sender=side, user_id=user_id,
                                  sender_name=name[:120], body=text, attachment_id=attachment_id)
            session.add(message)
            session.flush()
            conversation.last_message_at = message.created_at
            session.add(conversation)
            _mark_read(session, conversation, side, up_to=message.id)  # the sender has seen their own message
            result = _messages(session, conversation, side, only=message.id)[0]
            # the summary is the desk's toast and bell line: each reader sees it in their own language
            summary = (deferred(N_('Message from {name}: {preview}'), name=name, preview=text[:80]) if text
                       else deferred(N_('Message from {name}: sent {file}'), name=name, file=result.attachment_name))
            event = events.ChatChanged(location_id=conversation.location_id, conversation_id=conversation_id,
                                       change='message', side=side, message_id=result.id, summary=summary)
            if side == CUSTOMER:  # the front desk hears of it (bell, toast), committed with the message
                event = notifications.prepare(session, event)
    except Exception:
        if stored_path is not None:
            stored_path.unlink(missing_ok=True)  # nothing half-kept
        raise
    events.publish(event)
    return result


def _for_customer(session: Session, customer: Customer) -> Conversation:
    conversation = session.exec(select(Conversation).where(Conversation.customer_id == customer.id)).first()
    if conversation is None:
        conversation = Conversation(location_id=customer.location_id, customer_id=customer.id,
                                    access_token=secrets.token_urlsafe(32))
        session.add(conversation)
        session.flush()
    return conversation


def conversation_for_customer(customer_id: int) -> ConversationRead:
    """The customer's own conversation, started if needed (to send them a waitlist offer).

    :raises NotFoundError: no such customer
    """
    with session_scope(write=True) as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFoundError(_('No such customer.'))
        return _read_conversation(session, _for_customer(session, customer), customer.name)


def open_visitor_conversation(location_id: int, *, name: str, phone: str, actor: UserRead) -> ConversationRead:
    """A new conversation for someone at the location's kiosk, known only by the name and number they typed
    (shown to the desk as unverified). It never joins a customer's own conversation, whatever the number.

    :raises ValidationError: a name or number too long for the record
    :raises PermissionDeniedError: another location, or not a kiosk or front-desk account
    """
    ensure_reader(actor, location_id, FRONT_DESK_ROLES | KIOSK_ROLES, 'open a chat')
    if len(name) > 120 or len(phone) > 40:
        raise ValidationError(_('That name or number is too long.'), field='name' if len(name) > 120 else 'phone')
    with session_scope(write=True) as session:
        conversation = Conversation(location_id=location_id, customer_id=None, visitor_name=name,
                                    visitor_phone=phone, access_token=secrets.token_urlsafe(32))
        session.add(conversation)
        session.flush()
        return _read_conversation(session, conversation, _name_of(conversation, None))


def _name_of(conversation: Conversation, customer_name: str | None) -> str:
    """How the desk sees who it chats with: the customer's name, or a kiosk visitor's as typed, marked."""
    if conversation.customer_id is not None:
        return customer_name or ''
    if conversation.visitor_phone:
        return _('{name} (at the kiosk, unverified, {phone})').format(name=conversation.visitor_name,
                                                                      phone=conversation.visitor_phone)
    return _('{name} (at the kiosk, unverified)').format(name=conversation.visitor_name)


def has_conversation(customer_id: int) -> bool:
    """Whether the customer has a conversation with the shop."""
    with session_scope() as session:
        return session.exec(select(Conversation.id).where(Conversation.customer_id == customer_id)).first() is not None


def _read_conversation(session: Session, conversation: Conversation, name: str) -> ConversationRead:
    location = session.get(Location, conversation.location_id)
    latest = session.exec(select(func.max(ChatMessage.id)).where(ChatMessage.conversation_id == conversation.id)).one()
    return ConversationRead(**conversation.model_dump(), customer_name=name, last_message_id=latest or 0,
                            time_zone=location.time_zone if location else 'UTC')


def _staff_conversation(session: Session, conversation_id: int, actor: UserRead) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(_('No such conversation.'))
    ensure_reader(actor, conversation.location_id, FRONT_DESK_ROLES, 'read chats')
    return conversation


def _by_token(session: Session, token: str) -> Conversation:
    plausible = isinstance(token, str) and 0 < len(token) <= 64 and token.isascii() and token.isprintable()
    conversation = (session.exec(select(Conversation).where(Conversation.access_token == token)).first()
                    if plausible else None)  # nothing else is looked up (a NUL would break PostgreSQL's query)
    if conversation is None or not secrets.compare_digest(conversation.access_token, token):
        raise PermissionDeniedError(_('This chat link is not valid. Ask the shop for a new one.'))
    return conversation


def _messages(session: Session, conversation: Conversation, viewer: str, only: int | None = None) -> list[MessageRead]:
    other_read = conversation.customer_read_up_to if viewer == STAFF else conversation.staff_read_up_to
    query = (select(ChatMessage, ChatAttachment).outerjoin(ChatAttachment,
                                                           ChatAttachment.id == ChatMessage.attachment_id)
             .where(ChatMessage.conversation_id == conversation.id))
    if only is not None:
        query = query.where(ChatMessage.id == only)
    rows = session.execute(query.order_by(ChatMessage.id)).all()
    return [MessageRead(id=m.id, conversation_id=m.conversation_id, sender=m.sender, sender_name=m.sender_name,
                        body=m.body, created_at=m.created_at, attachment_id=m.attachment_id,
                        attachment_name=a.file_name if a else None, attachment_type=a.content_type if a else None,
                        read_by_other=m.sender == viewer and m.id <= other_read) for m, a in rows]


def _mark_read(session: Session, conversation: Conversation, side: str, up_to: int | None = None) -> bool:
    latest = up_to if up_to is not None else session.exec(
        select(func.max(ChatMessage.id)).where(ChatMessage.conversation_id == conversation.id)).one() or 0
    field = 'staff_read_up_to' if side == STAFF else 'customer_read_up_to'
    if latest <= getattr(conversation, field):
        return False
    setattr(conversation, field, latest)
    session.add(conversation)
    session.flush()
    return True


def _announce_read(conversation: Conversation, side: str) -> None:
    """After the commit: the other side's open pages show their read receipts."""
    events.publish(events.ChatChanged(location_id=conversation.location_id, conversation_id=conversation.id,
                                      change='read', side=side))


def _stored(attachment: ChatAttachment) -> StoredFile:
    return StoredFile(attachments_dir() / attachment.stored_name, attachment.file_name, attachment.content_type)
