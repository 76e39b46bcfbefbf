"""How staff devices on the shop's network reach this machine."""

from __future__ import annotations

import base64
import io
import socket

_served: list[int] = []


def serving_on(port: int) -> None:
    """Remember the port this process serves on (``clientpulse run --port``), for the addresses shown to staff."""
    _served[:] = [port]


def served_port() -> int | None:
    """The port this process serves on, once :func:`serving_on` was told (None before)."""
    return _served[0] if _served else None


def lan_urls(port: int) -> list[str]:
    """``http://<address>:<port>`` for each IPv4 address of this machine other staff devices can use,
    the one of the default route first; ``127.0.0.1`` (this machine only) last. Sends no traffic:
    connecting a UDP socket only asks the kernel which address it would route from."""
    found: list[str] = []
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(('10.255.255.255', 1))
        found.append(probe.getsockname()[0])
    except OSError:
        pass
    finally:
        probe.close()
    try:
        for *_, sockaddr in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(str(sockaddr[0]))
    except OSError:
        pass
    lan = [a for a in dict.fromkeys(found) if not a.startswith('127.')]
    return [f'http://{address}:{port}' for address in [*lan, '127.0.0.1']]


def qr_data_url(text: str) -> str:
    """A QR code of ``text`` as an SVG ``data:`` URL (for an ``<img>``), made with the qrcode library."""
    import qrcode.image.svg  # here, not at start: qrcode brings PIL (app.services.lazy says why)

    buffer = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2).save(buffer)
    return 'data:image/svg+xml;base64,' + base64.b64encode(buffer.getvalue()).decode()
