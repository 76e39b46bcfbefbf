"""Settings from the environment (prefix ``CLIENTPULSE_``), read once per process."""

from __future__ import annotations

import secrets
from functools import cached_property, lru_cache
from pathlib import Path

import typer
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED = Path(__file__).resolve().parent / '_bundled'  # in a built wheel only (setup.py)


def bundled_path(name: str) -> Path:
    """A file or folder the app reads beside its code (``migrations``, ``alembic.ini``, ``assets``,
    ``docs/mappings``): the copy a wheel carries under ``app/_bundled``, else the source tree's."""
    return BUNDLED / name if BUNDLED.is_dir() else PROJECT_ROOT / name


def default_data_dir() -> Path:
    """The user's data folder for ClientPulse (e.g. ``~/.config/clientpulse`` on Linux)."""
    return Path(typer.get_app_dir('clientpulse'))


class Settings(BaseSettings):
    """Every setting of a ClientPulse process.

    ``CLIENTPULSE_DATABASE_URL`` chooses the database (SQLAlchemy URL); by default a SQLite file
    ``clientpulse.db`` in :attr:`data_dir`.
    """

    model_config = SettingsConfigDict(env_prefix='CLIENTPULSE_', env_file='.env', extra='ignore', populate_by_name=True)

    data_dir: Path = default_data_dir()
    database_url: str | None = None
    host: str = '0.0.0.0'
    port: int = 8080
    storage_secret: SecretStr | None = None
    reconnect_timeout: float = 30.0
    title: str = 'ClientPulse'
    reports_dir: Path | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = 'clientpulse@localhost'
    smtp_starttls: bool = False
    scheduler: bool = True
    sign_in_idle_minutes: int = Field(480, validation_alias=AliasChoices(
        'CLIENTPULSE_SIGN_IN_IDLE_MINUTES', 'CLIENTPULSE_SESSION_IDLE_MINUTES'))
    """A signed-in browser that has opened no page for this long must sign in again (kiosks excepted);
    ``CLIENTPULSE_SESSION_IDLE_MINUTES``, its former name, is still read."""
    sign_in_max_days: int = Field(30, validation_alias=AliasChoices(
        'CLIENTPULSE_SIGN_IN_MAX_DAYS', 'CLIENTPULSE_SESSION_MAX_DAYS'))
    """No sign-in lasts longer than this, kiosks included (``CLIENTPULSE_SESSION_MAX_DAYS``, its former name, is
    still read)."""
    kiosk_idle_seconds: int = 60
    """The kiosk clears what a customer typed and returns to its start screen after this long untouched."""
    chat_attachment_max_mb: float = 5
    """The largest file a chat message may carry (images and PDF only)."""
    waitlist_offer_minutes: int = 30
    """How long a time freed by a cancellation is held for the waitlisted customer it was offered to."""
    import_max_mb: float = 100
    """The largest file an import reads (an Excel file's unpacked parts may be 4 times this)."""
    import_max_rows: int = 500_000
    """The most data rows one imported file may have."""
    mpesa_consumer_key: SecretStr | None = None
    """The M-Pesa (Safaricom Daraja) app's consumer key; unset: no prompts (mobile money is recorded by hand)."""
    mpesa_consumer_secret: SecretStr | None = None
    mpesa_shortcode: str = ''
    """The paybill or till number payments go to (BusinessShortCode / PartyB)."""
    mpesa_passkey: SecretStr | None = None
    """The Lipa na M-Pesa Online passkey Safaricom issued for the shortcode."""
    mpesa_callback_url: str = ''
    """Where Daraja posts results: this app's ``/payments/mpesa/callback`` as reachable from the internet (HTTPS)."""
    mpesa_environment: str = 'sandbox'
    """``sandbox`` (https://sandbox.safaricom.co.ke) or ``production`` (https://api.safaricom.co.ke)."""
    mpesa_base_url: str | None = None
    """Overrides the environment's address (a local fake Daraja server in tests)."""
    stripe_secret_key: SecretStr | None = None
    """The Stripe account's secret API key (``sk_live_…``, ``sk_test_…`` or a restricted ``rk_…`` allowed to write
    Checkout Sessions); unset: no card deposits online."""
    stripe_webhook_secret: SecretStr | None = None
    """The signing secret (``whsec_…``) of the webhook endpoint for this app's ``/payments/stripe/webhook`` (events
    ``checkout.session.completed`` and ``checkout.session.async_payment_succeeded``)."""
    stripe_base_url: str | None = None
    """Stripe's API address (default ``https://api.stripe.com``; a local fake server in tests)."""
    twilio_account_sid: str = ''
    """The Twilio account that sends SMS (``AC…``); unset: no SMS, messages go by e-mail only."""
    twilio_auth_token: SecretStr | None = None
    twilio_from: str = ''
    """The sending number in E.164, an alphanumeric sender ID, or a Messaging Service SID (``MG…``)."""
    twilio_base_url: str = 'https://api.twilio.com'
    """Twilio's API address (a local fake server in tests)."""
    africastalking_username: str = ''
    """The Africa's Talking app's username (``sandbox`` in their sandbox); unset: locations cannot choose Africa's
    Talking for SMS."""
    africastalking_api_key: SecretStr | None = None
    """The API key of that app (the ``apiKey`` header)."""
    africastalking_base_url: str = 'https://api.africastalking.com'
    """Africa's Talking's API address: ``https://api.sandbox.africastalking.com`` for the sandbox (a local fake server
    in tests)."""
    public_url: str = ''
    """Where customers reach this app from their phones (e.g. ``https://book.example.com``): the base of manage
    links, online booking and calendar feeds. Unset: the first address on the shop's network."""
    staff_url: str = ''
    """Where staff reach the back office (e.g. ``https://desk.example.com``): the base of invitation and password reset
    links (``/account/…``, not passed by the public proxy). Unset: the first address on the shop's network."""
    message_interval_seconds: int = 20
    """How often the message worker looks for messages that are due."""
    database_pool_size: int = 10
    """PostgreSQL connections a process keeps open; with ``database_max_overflow`` more at busy moments. Several
    processes on one server need (pool size + overflow) × processes below its ``max_connections`` (100 by default)."""
    database_max_overflow: int = 20
    bus_url: str | None = None
    """Several app processes on one PostgreSQL database: the Redis server (``redis://clientpulse:PASSWORD@host:6379/0``,
    deploy/redis.conf) whose stream carries every change to every process (:mod:`app.services.redis_bus`). Unset:
    changes stay in this process."""
    bus_stream: str = 'clientpulse:events'
    """The stream's key in Redis (one per ClientPulse database sharing that Redis)."""
    bus_max_length: int = 10_000
    """About how many events the stream keeps: a process away for longer reloads from the database instead."""
    # issue 28, faults and start-up
    log_level: str = 'WARNING'
    """What a terminal or journal shows of the libraries' logs (every migration step, every scheduler run at
    ``INFO``); ClientPulse's own notes (a backup written, Redis back) show at ``INFO`` unless this is lower. The
    ``--verbose`` option of ``clientpulse`` is ``INFO``."""
    demo_host: str = '127.0.0.1'
    """Where ``clientpulse demo`` listens: this computer only; ``0.0.0.0`` lets the shop's network in (its password is
    published)."""
    healthz_loop_lag_ms: int = 1000
    """``/healthz`` answers 503 when the event loop woke this much later than asked in the last 10 s."""

    # issue 28, public pages: what anonymous visitors of /book may hold (app/services/frontdesk/availability.py)
    online_holds_per_address: int = 2
    """Times one network address may hold at once on a location's online booking page (each hold lasts 5 minutes).
    Two: a parent booking for a child, a couple booking side by side; a mobile carrier's shared address rarely carries
    more customers of one shop in the same five minutes, and one past the limit still books: only the time is not kept
    for them while they type."""
    online_hold_share_percent: int = 25
    """At most this share of a staff member's free times on a day may be hidden from online customers by online
    holds (the day's first hold is always allowed). A quarter: a few customers can choose the same person and day at
    once, and however many browsers an attacker opens, three quarters stay bookable online (and all at the desk)."""

    @property
    def effective_reports_dir(self) -> Path:
        """Where scheduled reports are written (default ``<data_dir>/reports``)."""
        return self.reports_dir or self.data_dir / 'reports'

    @cached_property  # read on every shared-cache lookup: built once per settings object
    def effective_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<data_dir>/clientpulse.db``."""
        return self.database_url or f'sqlite:///{self.data_dir / "clientpulse.db"}'

    def storage_secret_value(self) -> str:
        """The secret that signs the browsers' storage cookies (which hold the sign-in).

        Taken from ``CLIENTPULSE_STORAGE_SECRET`` if set, else generated on first run and kept in
        ``<data_dir>/storage_secret`` readable only by its owner (mode 0600).
        """
        if self.storage_secret is not None:
            return self.storage_secret.get_secret_value()
        path = self.data_dir / 'storage_secret'
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48), encoding='utf-8')
        return path.read_text(encoding='utf-8').strip()


@lru_cache
def get_settings() -> Settings:
    """The process's settings (cached; call :func:`reset_settings` after changing the environment)."""
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings so the next :func:`get_settings` re-reads the environment."""
    get_settings.cache_clear()
