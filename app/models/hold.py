"""A time a customer is booking (at the kiosk, online, or offered from the waitlist), kept from others for a while."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from .base import UTCDateTime


class HoldKind(StrEnum):
    """Who a hold keeps a time for, which decides whom it blocks (:mod:`app.services.frontdesk.availability`)."""

    KIOSK = 'kiosk'
    """a customer typing their details at the shop's kiosk: blocks everyone, the desk too"""
    ONLINE = 'online'
    """a customer on the online booking page: blocks other customers only; the desk sees it and may book it"""
    OFFER = 'offer'
    """a time freed by a cancellation, offered to a waitlisted customer: blocks everyone until they answer"""


class SlotHold(SQLModel, table=True):
    """``staff_member_id`` is held ``[starts_at, ends_at)`` for ``holder`` until ``held_until``, with the service's
    preparation before it and buffer after it (``blocked_from``, ``blocked_until``; None: none), as the booking it
    becomes will keep them. An online hold also
    keeps the visitor's network address (``ip``) and browser (``visitor``: NiceGUI's id of it), which its limits
    count by."""

    __tablename__ = 'slot_hold'
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id')
    staff_member_id: int = Field(foreign_key='staff_member.id', index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    blocked_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    held_until: datetime = Field(sa_type=UTCDateTime)
    holder: str = Field(max_length=64, index=True, description='the screen or page that holds it (a random token)')
    kind: str = Field(default=HoldKind.KIOSK.value, max_length=10, sa_column_kwargs={'server_default': 'kiosk'},
                      description='kiosk, online or offer (HoldKind)')
    ip: str = Field(default='', max_length=64, sa_column_kwargs={'server_default': ''},
                    description='an online hold: the network address of the page that holds it')
    visitor: str = Field(default='', max_length=64, sa_column_kwargs={'server_default': ''},
                         description="an online hold: the browser's id")
