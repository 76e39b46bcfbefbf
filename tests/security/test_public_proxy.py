"""``deploy/nginx-public.conf`` run by Debian's nginx and ``deploy/Caddyfile.public`` by Debian's Caddy (in the
foreground, private folders, plain HTTP on a free port instead of a certificate) in front of a stand-in upstream
that records what reaches it: the customer pages, NiceGUI's files, M-Pesa's callback and Stripe's webhook (POST only,
at most 64 KiB) pass; the callback by any other method, its path without a token,
sign-in, the desk and the rest answer 404 or 405 and never reach the app. Needs nginx and caddy: with ``CI=true`` a
missing one fails the test, elsewhere it is skipped."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI
from tests.fake_http import serve
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / 'deploy' / 'nginx-public.conf'
CADDYFILE = ROOT / 'deploy' / 'Caddyfile.public'
NGINX = shutil.which('nginx') or '/usr/sbin/nginx'
CADDY = shutil.which('caddy') or '/usr/bin/caddy'
PROXY_PARAMS = ('proxy_set_header Host $host;\nproxy_set_header X-Real-IP $remote_addr;\n'
                'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n'
                'proxy_set_header X-Forwarded-Proto $scheme;\n')  # Debian's /etc/nginx/proxy_params
TOKEN = 'Zq3_kP9-' + 'x' * 35  # the shape of secrets.token_urlsafe(32)


class _Recorder(BaseHTTPRequestHandler):
    """The app's stand-in: answers 200 "upstream" to anything and records (method, path, body size)."""

    seen: list[tuple[str, str, int]]

    def log_message(self, *_args) -> None:
        pass

    def _answer(self) -> None:
        size = int(self.headers.get('Content-Length') or 0)
        self.rfile.read(size)
        self.seen.append((self.command, self.path, size))
        self.send_response(200)
        self.send_header('Content-Length', '8')
        self.end_headers()
        self.wfile.write(b'upstream')

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer


@pytest.fixture(params=['nginx', 'caddy'])
def proxy(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, list]]:
    """The proxy of the parameter serving its deploy/ file on a free port before a :class:`_Recorder`: (its URL, what
    reached the upstream)."""
    program = NGINX if request.param == 'nginx' else CADDY
    if not Path(program).exists():
        message = f'{request.param} is not installed (apt-get install {request.param})'
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    seen: list[tuple[str, str, int]] = []
    upstream, upstream_url = serve(type('Recorder', (_Recorder,), {'seen': seen}))
    port = free_port()
    (tmp_path / 'logs').mkdir()
    command = (_nginx if request.param == 'nginx' else _caddy)(tmp_path, port, upstream_url)
    process = subprocess.Popen(command, stdout=(tmp_path / 'logs/stdout.log').open('wb'), stderr=subprocess.STDOUT,
                               env={**os.environ, 'HOME': str(tmp_path), 'XDG_DATA_HOME': str(tmp_path / 'data'),
                                    'XDG_CONFIG_HOME': str(tmp_path / 'config')})
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f'{url}/', timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    logs = ''.join(log.read_text(errors='replace') for log in (tmp_path / 'logs').iterdir())
                    raise AssertionError(f'{request.param} did not answer: {logs}') from None
                time.sleep(0.05)
        yield url, seen
    finally:
        process.terminate()
        process.wait(timeout=20)
        upstream.shutdown()
        upstream.server_close()


def _nginx(folder: Path, port: int, upstream_url: str) -> list[str]:
    """deploy/nginx-public.conf as a whole nginx.conf under ``folder`` (plain HTTP on ``port``, no certificate):
    the command that runs it in the foreground."""
    server = CONF.read_text()
    server = re.sub(r'listen 443 ssl;', f'listen 127.0.0.1:{port};', server)
    server = re.sub(r'\n\s*ssl_certificate(_key)?\s[^\n]*', '', server)  # plain HTTP in the test: no certificate
    server = server.replace('http://127.0.0.1:8080', upstream_url)
    assert f'listen 127.0.0.1:{port};' in server and upstream_url in server and 'ssl' not in server
    (folder / 'proxy_params').write_text(PROXY_PARAMS)
    temp = ''.join(f'    {kind}_temp_path {folder}/{kind};\n' for kind in ('client_body', 'proxy', 'fastcgi', 'uwsgi',
                                                                            'scgi'))
    (folder / 'nginx.conf').write_text(
        f'worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/logs/error.log;\n'
        f'events {{ worker_connections 64; }}\n'
        f'http {{\n    access_log {folder}/logs/access.log;\n{temp}{server}\n}}\n')
    command = [NGINX, '-p', str(folder), '-c', str(folder / 'nginx.conf'), '-e', str(folder / 'logs/error.log')]
    checked = subprocess.run([*command, '-t', '-q'], check=False, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    return [*command, '-g', 'daemon off;']


def _caddy(folder: Path, port: int, upstream_url: str) -> list[str]:
    """deploy/Caddyfile.public under ``folder`` (plain HTTP on ``port`` instead of its name and certificate, no admin
    endpoint): the command that runs it in the foreground."""
    site = CADDYFILE.read_text()
    assert 'book.example.com {' in site and '127.0.0.1:8080' in site
    site = site.replace('book.example.com {', f'http://127.0.0.1:{port} {{').replace(
        '127.0.0.1:8080', upstream_url.removeprefix('http://'))
    (folder / 'Caddyfile').write_text('{\n\tadmin off\n}\n\n' + site)
    checked = subprocess.run([CADDY, 'validate', '--adapter', 'caddyfile', '--config', str(folder / 'Caddyfile')],
                             check=False, capture_output=True, text=True, timeout=30,
                             env={**os.environ, 'HOME': str(folder)})
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return [CADDY, 'run', '--adapter', 'caddyfile', '--config', str(folder / 'Caddyfile')]


def test_the_public_configuration_passes_customer_pages_and_the_mpesa_callback_only(proxy):
    url, seen = proxy
    callback = f'/payments/mpesa/callback/{TOKEN}'
    with httpx.Client(base_url=url, timeout=10) as client:
        posted = client.post(callback, json={'Body': {'stkCallback': {'ResultCode': 0}}})
        assert (posted.status_code, posted.text) == (200, 'upstream')
        report = f'/messages/sms/africastalking/{TOKEN}'  # Africa's Talking's delivery reports (issue 30)
        reported = client.post(report, data={'id': 'ATXid_1', 'status': 'Success'})
        assert (reported.status_code, reported.text) == (200, 'upstream')
        webhook = '/payments/stripe/webhook'  # Stripe's signed Checkout events (issue 30: card deposits)
        hooked = client.post(webhook, content=b'{"id": "evt_1"}', headers={'Stripe-Signature': 't=1,v1=ab'})
        assert (hooked.status_code, hooked.text) == (200, 'upstream')
        for path in ('/book/1', '/my/abc', '/_nicegui/3.0/static/nicegui.js'):
            assert client.get(path).text == 'upstream', path
        assert [(method, path) for method, path, _ in seen] == [
            ('POST', callback), ('POST', report), ('POST', webhook), ('GET', '/book/1'), ('GET', '/my/abc'),
            ('GET', '/_nicegui/3.0/static/nicegui.js')]
        seen.clear()

        for method in ('GET', 'HEAD', 'PUT', 'DELETE'):  # the callbacks by anything but POST
            for path in (callback, report, webhook):
                refused = client.request(method, path)
                assert refused.status_code == 405 and refused.headers['allow'] == 'POST', (method, path)
        for method, path in (('POST', '/payments/mpesa/callback'), ('POST', '/payments/mpesa/callback/'),
                             ('POST', f'{callback}/more'), ('POST', '/payments/mpesa/callback/a.b'),
                             ('GET', '/login'), ('POST', '/login'), ('GET', '/'), ('GET', '/bookings'),
                             ('GET', '/sales'), ('GET', '/kiosk'), ('GET', '/docs'),
                             ('POST', '/messages/sms/africastalking'), ('POST', f'{report}/more'),
                             ('GET', '/messages'), ('POST', f'{webhook}/x'), ('POST', '/payments/stripe'),
                             ('POST', '/payments/stripe/webhook2')):
            assert client.request(method, path).status_code == 404, (method, path)
        big = client.post(callback, content=b'{"a": "' + b'x' * 70_000 + b'"}',
                          headers={'Content-Type': 'application/json'})
        assert big.status_code == 413
        assert client.post(webhook, content=b'{"a": "' + b'x' * 70_000 + b'"}').status_code == 413
    assert seen == []  # none of those reached the app
