"""Mail out through the configured SMTP server (``CLIENTPULSE_SMTP_*``): a message with its attachments."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import parseaddr
from typing import TYPE_CHECKING

from app.config import get_settings
from app.services import lazy
from app.services.errors import ValidationError
from app.services.i18n import _

if TYPE_CHECKING:  # the real module for readers, tools and the bundle
    import smtplib
else:
    smtplib = lazy.module('smtplib', globals())  # imported at the first mail


def check_address(address: str) -> str:
    """An e-mail address as typed, trimmed, if it looks like one (one @, a dot after it, no spaces or line breaks).

    :raises ValidationError: not an address (``field='email'``)
    """
    text = (address or '').strip()
    name, parsed = parseaddr(text)
    local, _at, domain = parsed.partition('@')
    if (not parsed or parsed != text or name or not local or '.' not in domain or any(c.isspace() for c in text)
            or len(text) > 200):
        raise ValidationError(_('"{text}" is not an e-mail address.').format(text=text[:60]), field='email')
    return text


def send(to: list[str], *, subject: str, body: str, attachment: bytes, filename: str, media_type: tuple[str, str],
         more: list[tuple[bytes, str, tuple[str, str]]] | None = None) -> None:
    """Mail ``attachment`` (named ``filename``, of ``media_type`` (maintype, subtype)) and any ``more`` attachments
    (``(bytes, filename, media type)``) to ``to``.

    :raises ValidationError: no SMTP server configured (``CLIENTPULSE_SMTP_HOST``)
    :raises OSError, smtplib.SMTPException: the server refused or could not be reached
    """
    send_message(to, subject=subject, body=body, attachments=[(attachment, filename, media_type), *(more or [])])


def send_message(to: list[str], *, subject: str, body: str,
                 attachments: list[tuple[bytes, str, tuple[str, str]]] = ()) -> None:
    """Mail a plain-text ``body`` with ``attachments`` (``(bytes, filename, (maintype, subtype))``) to ``to``.

    :raises ValidationError: no SMTP server configured (``CLIENTPULSE_SMTP_HOST``)
    :raises OSError, smtplib.SMTPException: the server refused or could not be reached
    """
    settings = get_settings()
    if not settings.smtp_host:
        raise ValidationError(_('No mail server is set up (CLIENTPULSE_SMTP_HOST).'))
    message = EmailMessage()
    message['Subject'], message['From'], message['To'] = subject, settings.smtp_from, ', '.join(to)
    message.set_content(body)
    for data, name, kind in attachments:
        if kind[0] == 'text':  # text parts say their charset, so a calendar's names arrive as written
            message.add_attachment(data.decode(), subtype=kind[1], charset='utf-8', filename=name)
        else:
            message.add_attachment(data, maintype=kind[0], subtype=kind[1], filename=name)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
