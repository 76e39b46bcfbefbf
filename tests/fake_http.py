"""What the local fake provider servers share (tests/money/fake_daraja.py, tests/messaging/fake_twilio.py): a
quiet JSON request handler, served on a free loopback port in a daemon thread."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JsonHandler(BaseHTTPRequestHandler):
    """Answers with JSON (:meth:`send_json`) and logs nothing."""

    def log_message(self, *_args) -> None:
        pass

    def send_json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    """Start ``handler`` on a free port of 127.0.0.1 in a daemon thread: (the server, its base URL)."""
    server = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    # shutdown() waits for the loop's next look: every 0.05 s, not the default 0.5 s (0.4 s of each test's teardown,
    # 44 tests in tests/frontdesk/test_online_deposits.py alone)
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    return server, f'http://127.0.0.1:{server.server_address[1]}'
