"""Scheduled reports and the log of their runs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, String
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow

FREQUENCIES = ('daily', 'weekly', 'monthly', 'quarterly')
REPORT_FORMATS = ('xlsx', 'pdf', 'csv')


class ReportScheduleBase(SQLModel):
    location_id: int | None = Field(default=None, foreign_key='location.id', description='None: every location')
    frequency: str = Field(sa_type=String(12), description='daily, weekly, monthly or quarterly')
    format: str = Field(default='pdf', sa_type=String(8), description='xlsx, pdf or csv')
    recipients: str = Field(default='', description='comma-separated email addresses; empty: file only')
    active: bool = True


class ReportSchedule(ReportScheduleBase, table=True):
    __tablename__ = 'report_schedule'
    __table_args__ = (
        CheckConstraint("frequency IN ('daily', 'weekly', 'monthly', 'quarterly')", name='frequency'),
        CheckConstraint("format IN ('xlsx', 'pdf', 'csv')", name='format'),
    )
    id: int | None = Field(default=None, primary_key=True)
    next_run_at: datetime = Field(sa_type=UTCDateTime, description='when the next report is due')
    retry_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description='set after a failed run')
    failures: int = Field(default=0, description='failed attempts of the current run')
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, sa_type=String(64),
                                   description='the run producing the report now (process and thread)')
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                           description='until when that claim holds (real time, UTC)')


class ReportScheduleRead(ReportScheduleBase):
    id: int
    next_run_at: datetime
    retry_at: datetime | None
    failures: int


class ReportRun(SQLModel, table=True):
    """One attempt to produce and deliver a scheduled report."""

    __tablename__ = 'report_run'
    __table_args__ = (CheckConstraint("outcome IN ('success', 'failed')", name='outcome'),)
    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(foreign_key='report_schedule.id', index=True, ondelete='CASCADE')
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime = Field(sa_type=UTCDateTime)
    period_start: date
    period_end: date
    attempt: int = 1
    outcome: str = Field(sa_type=String(10))
    file_path: str = ''
    emailed_to: str = ''
    error: str = ''


class ReportRunRead(SQLModel):
    id: int
    schedule_id: int
    started_at: datetime
    finished_at: datetime
    period_start: date
    period_end: date
    attempt: int
    outcome: str
    file_path: str
    emailed_to: str
    error: str
