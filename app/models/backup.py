"""Backups: the install's one schedule (where, when, how many to keep, sealed or not) and how the last one went."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from .base import CENTS, UTCDateTime


class BackupSettings(SQLModel, table=True):
    """The install-wide backup schedule and the last run's outcome (one row, ``id`` 1; owners only).

    ``passphrase_sealed`` is the passphrase of sealed backups, itself sealed with a key derived from the storage
    secret (:mod:`app.services.backups.sealing`), never kept in clear."""

    __tablename__ = 'backup_settings'
    id: int | None = Field(default=None, primary_key=True)
    enabled: bool = False
    time_of_day: str = Field(default='02:30', max_length=5, description='HH:MM in the time zone of the first location')
    folder: str = Field(default='', max_length=500)
    keep: int = 7
    passphrase_sealed: str | None = Field(default=None, max_length=1000)
    enabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_ok: bool | None = None
    last_file: str | None = Field(default=None, max_length=500)
    last_size_bytes: int | None = Field(default=None, sa_type=CENTS)  # a 64-bit count (bytes, not money)
    last_message: str | None = Field(default=None, max_length=500)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    alerted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BackupStatus(BaseModel):
    """What the owner sees of backups: the schedule and the last run.

    ``state``: ``'ok'`` (the last backup worked and is at most 26 hours old), ``'failed'`` (the last one failed),
    ``'missing'`` (scheduled, but none worked in the last 26 hours), ``'off'`` (not scheduled, none failing)."""

    enabled: bool
    time_of_day: str
    folder: str
    keep: int
    sealed: bool
    state: str
    last_finished_at: datetime | None
    last_ok: bool | None
    last_file: str | None
    last_size_bytes: int | None
    last_message: str | None
    last_success_at: datetime | None


class BackupResult(BaseModel):
    """A finished backup: its file (renamed into place only once verified), size in bytes, and the manifest's row
    counts per table."""

    path: str
    size_bytes: int
    counts: dict[str, int]
    sealed: bool


class RestoreResult(BaseModel):
    """A finished restore: the backup's app version and schema revision, the revision now (after upgrading), rows
    per table as restored, and where the data that was there before was moved (None: there was none)."""

    app_version: str
    revision_from: str | None
    revision_to: str | None
    counts: dict[str, int]
    files: dict[str, int]
    moved_aside_to: str | None
