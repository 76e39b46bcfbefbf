"""An upload larger than the app takes is refused before it is read; a small one goes through the real route."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.config import reset_settings
from app.models import Role
from tests.fixtures.pages import eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setenv('CLIENTPULSE_IMPORT_MAX_MB', '0.1')
    monkeypatch.setenv('CLIENTPULSE_CHAT_ATTACHMENT_MAX_MB', '0.1')  # one request: 0.1 MB + 1 MB framing
    reset_settings()
    yield
    reset_settings()


async def test_uploads_are_refused_by_their_declared_length(user: User, small_limits):
    await sign_in(user, Role.MANAGER, '/import')
    await user.should_see(marker='bookings-upload')
    url = user.find(marker='bookings-upload').elements.pop().props['url']
    big = b'guest,day\n' + b'x' * 2_000_000
    response = await user.http_client.post(url, files={'file': ('big.csv', big, 'text/csv')})
    assert response.status_code == 413

    async def unsized():
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nx\r\n--b--\r\n'

    response = await user.http_client.post(url, content=unsized(),
                                           headers={'content-type': 'multipart/form-data; boundary=b'})
    assert response.status_code == 411
    small = b'guest,day\nAnn,2030-03-04\n'
    response = await user.http_client.post(url, files={'file': ('small.csv', small, 'text/csv')})
    assert response.status_code == 200
    await eventually(lambda: user.find(marker='file-columns').elements.pop().text == 'small.csv: guest, day')
