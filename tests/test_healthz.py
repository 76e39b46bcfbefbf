"""``GET /healthz`` without signing in: 200 and what was checked while all is well; 503 naming the event loop once
the loop has been held up longer than the limit (here set to 100 ms, and the loop held 400 ms, as a handler doing
blocking work on it would)."""

from __future__ import annotations

import time

import pytest
from nicegui.testing import User

from app.config import reset_settings
from app.services import health
from tests.fixtures.pages import eventually

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


@pytest.fixture
def own_settings():
    yield
    reset_settings()  # torn down after monkeypatch (requested later) restored the environment


async def test_healthz_needs_no_sign_in_and_reports_a_late_event_loop(user: User, own_settings, monkeypatch):
    answer = await user.http_client.get('/healthz')
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body['status'], body['database'], body['writable'], body['problems']) == ('ok', 'ok', True, [])
    assert isinstance(body['loop_lag_ms'], int)
    monkeypatch.setenv('CLIENTPULSE_HEALTHZ_LOOP_LAG_MS', '100')
    reset_settings()
    time.sleep(0.4)  # the fault: the event loop held up (nothing else runs meanwhile)
    await eventually(lambda: health.watch.lag_ms() >= 250, timeout=5)
    answer = await user.http_client.get('/healthz')
    assert answer.status_code == 503
    (problem,) = answer.json()['problems']
    assert problem.startswith('the event loop ran ') and problem.endswith(' ms late (the limit is 100 ms)')
