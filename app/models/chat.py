"""Chat between a customer and the shop: conversations, messages, attachments, and how pages read them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class Conversation(SQLModel, table=True):
    """One customer's thread with the shop, or one kiosk visitor's. ``access_token`` is the secret of
    the customer's link; each side's read mark is the id of the last message it has seen (read receipts).

    A conversation started at the kiosk has no customer (``customer_id`` None): whoever stands there
    is known only by what they typed (``visitor_name``, ``visitor_phone``), which proves nothing, so it
    never opens a customer's own thread.
    """

    __tablename__ = 'conversation'
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id', index=True)
    customer_id: int | None = Field(default=None, foreign_key='customer.id', unique=True)
    visitor_name: str = Field(default='', max_length=120, description='as typed at the kiosk (unverified)')
    visitor_phone: str = Field(default='', max_length=40, description='as typed at the kiosk (unverified)')
    access_token: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    customer_read_up_to: int = 0
    staff_read_up_to: int = 0


class ChatMessage(SQLModel, table=True):
    """A message: plain text (never rendered as HTML), optionally with one attachment."""

    __tablename__ = 'chat_message'
    __table_args__ = (Index('ix_chat_message_conversation_id_id', 'conversation_id', 'id'),)
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key='conversation.id')
    sender: str = Field(max_length=10, description="'customer' or 'staff'")
    user_id: int | None = Field(default=None, foreign_key='app_user.id', description='the staff account that wrote it')
    sender_name: str = Field(max_length=120)
    body: str = Field(default='', max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attachment_id: int | None = Field(default=None, foreign_key='chat_attachment.id')


class ChatAttachment(SQLModel, table=True):
    """A file sent in a conversation, stored under ``<data dir>/attachments/<stored_name>`` (never served
    as a static file: only through the conversation's participants' checks)."""

    __tablename__ = 'chat_attachment'
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key='conversation.id', index=True)
    stored_name: str = Field(max_length=64, unique=True)
    file_name: str = Field(max_length=200)
    content_type: str = Field(max_length=60)
    size_bytes: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConversationRead(BaseModel):
    """A conversation as the shop lists it: ``unread`` = customer messages the shop has not read."""

    id: int
    location_id: int
    customer_id: int | None  # None: a kiosk visitor's conversation
    customer_name: str  # a kiosk visitor's: the name typed, marked as such
    access_token: str
    last_message_at: datetime | None
    unread: int = 0
    last_message_id: int = 0  # 0: no messages yet
    time_zone: str = 'UTC'  # the location's, for showing times


class MessageRead(BaseModel):
    """A message as either side sees it; ``read_by_other`` is the read receipt (the other side has seen it)."""

    id: int
    conversation_id: int
    sender: str
    sender_name: str
    body: str
    created_at: datetime
    attachment_id: int | None = None
    attachment_name: str | None = None
    attachment_type: str | None = None
    read_by_other: bool = False
