"""Frames for :mod:`app.services.analytics`, read from the database (columns documented there)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import String, type_coerce
from sqlmodel import col, select

from app.models import Booking, Inquiry, Location, Receipt, ReceiptLine, Service, StaffMember, WorkingHours

from .database import session_scope

BOOKING_COLUMNS = ['booking_id', 'location_id', 'customer_id', 'staff_member_id', 'staff', 'service', 'category',
                   'starts_at', 'ends_at', 'booked_at', 'status', 'channel', 'price_cents', 'notice_days']


def load_bookings(location_ids: list[int], *, start: datetime | None = None,
                  end: datetime | None = None) -> pd.DataFrame:
    """Bookings of the locations starting in ``[start, end)`` as the *bookings* frame."""
    with session_scope() as session:
        query = (select(Booking.id, Booking.location_id, Booking.customer_id, Booking.staff_member_id,
                        StaffMember.name, Service.name, Service.category, _raw(Booking.starts_at),
                        _raw(Booking.ends_at), _raw(Booking.booked_at), Booking.status, Booking.channel,
                        Booking.price_cents, Booking.notice_days)
                 .join(StaffMember, StaffMember.id == Booking.staff_member_id)
                 .join(Service, Service.id == Booking.service_id)
                 .where(col(Booking.location_id).in_(location_ids)))
        if start is not None:
            query = query.where(Booking.starts_at >= start)
        if end is not None:
            query = query.where(Booking.starts_at < end)
        rows = session.exec(query).all()
        zones = dict(session.exec(select(Location.id, Location.time_zone)).all())
    frame = pd.DataFrame(rows, columns=BOOKING_COLUMNS)
    for column in ('starts_at', 'ends_at', 'booked_at'):
        frame[column] = _moments(frame[column])
    frame['customer_id'] = frame['customer_id'].astype(float)
    frame['notice_days'] = frame['notice_days'].astype(float)
    return frame.assign(local_start=_local(frame['starts_at'], frame['location_id'], zones))


def load_lines(location_ids: list[int], *, start: datetime | None = None,
               end: datetime | None = None) -> pd.DataFrame:
    """Receipt lines of the locations issued in ``[start, end)`` as the *lines* frame."""
    with session_scope() as session:
        query = (select(ReceiptLine.receipt_id, Receipt.location_id, _raw(Receipt.issued_at), Receipt.customer_id,
                        StaffMember.name, ReceiptLine.service_id, ReceiptLine.product_id, ReceiptLine.description,
                        Receipt.payment_method, Booking.channel, ReceiptLine.amount_cents, Service.category)
                 .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
                 .outerjoin(StaffMember, StaffMember.id == ReceiptLine.staff_member_id)
                 .outerjoin(Booking, Booking.id == Receipt.booking_id)
                 .outerjoin(Service, Service.id == ReceiptLine.service_id)
                 .where(col(Receipt.location_id).in_(location_ids)))
        if start is not None:
            query = query.where(Receipt.issued_at >= start)
        if end is not None:
            query = query.where(Receipt.issued_at < end)
        rows = session.exec(query).all()
        zones = dict(session.exec(select(Location.id, Location.time_zone)).all())
    frame = pd.DataFrame(rows, columns=['receipt_id', 'location_id', 'issued_at', 'customer_id', 'staff', 'service_id',
                                        'product_id', 'description', 'payment_method', 'channel', 'amount_cents',
                                        'category'])
    frame['issued_at'] = _moments(frame['issued_at'])
    is_product = frame['product_id'].notna()
    return frame.assign(
        customer_id=frame['customer_id'].astype(float),
        service=frame['description'].where(~is_product, ''),
        product=frame['description'].where(is_product, ''),
        category=frame['category'].fillna('Retail').where(~is_product, 'Retail'),
        payment_method=frame['payment_method'].fillna('unknown'),
        channel=frame['channel'].fillna(''),
        staff=frame['staff'].fillna(''),
        local_day=_local(frame['issued_at'], frame['location_id'], zones).dt.normalize(),
    )


def _raw(column):
    """The column without UTCDateTime's per-row processing (parsed in bulk by :func:`_moments`)."""
    return type_coerce(column, String)


def _moments(values: pd.Series) -> pd.Series:
    """UTC datetimes from what the driver returned: SQLite's naive-UTC text or PostgreSQL's aware values."""
    if values.empty or not isinstance(values.dropna().iloc[0] if values.notna().any() else None, str):
        return pd.to_datetime(values, utc=True)
    return pd.to_datetime(values, format='%Y-%m-%d %H:%M:%S.%f', utc=True)


def _local(moments: pd.Series, location_ids: pd.Series, zones: dict[int, str]) -> pd.Series:
    """Naive local times, each in its location's time zone."""
    result = pd.Series(pd.NaT, index=moments.index, dtype='datetime64[ns]')
    for location_id, zone in zones.items():
        mask = location_ids == location_id
        if mask.any():
            result[mask] = moments[mask].dt.tz_convert(zone).dt.tz_localize(None).astype('datetime64[ns]')
    return result


def load_inquiries(location_ids: list[int], *, start: datetime, end: datetime) -> pd.DataFrame:
    """Inquiries received in ``[start, end)``: ``inquiry_id``, ``location_id``, ``received_at``, ``booking_id``."""
    with session_scope() as session:
        rows = session.exec(select(Inquiry.id, Inquiry.location_id, Inquiry.received_at, Inquiry.booking_id).where(
            col(Inquiry.location_id).in_(location_ids), Inquiry.received_at >= start, Inquiry.received_at < end)).all()
    return pd.DataFrame(rows, columns=['inquiry_id', 'location_id', 'received_at', 'booking_id'])


def working_minutes(location_ids: list[int], start: date, end: date) -> pd.Series:
    """Scheduled working minutes per staff member name over the local days ``start`` … ``end`` (inclusive)."""
    days = pd.Series(pd.date_range(start, end, freq='D')).dt.day_of_week.value_counts()
    with session_scope() as session:
        rows = session.exec(select(StaffMember.name, WorkingHours.weekday, WorkingHours.start_minute,
                                   WorkingHours.end_minute)
                            .join(StaffMember, StaffMember.id == WorkingHours.staff_member_id)
                            .where(col(StaffMember.location_id).in_(location_ids))).all()
    frame = pd.DataFrame(rows, columns=['staff', 'weekday', 'start_minute', 'end_minute'])
    minutes = (frame['end_minute'] - frame['start_minute']) * frame['weekday'].map(days).fillna(0)
    return minutes.groupby(frame['staff']).sum().astype(float)
