"""A local fake of Twilio's Messages resource (``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``), speaking its
documented shapes: HTTP Basic auth with the account SID and auth token, form fields ``To``/``From``/``Body``, 201 with
the message's ``sid`` and ``status``, errors as ``{"code", "message", "more_info", "status"}`` (21211: an invalid
``To``; 21617: a body over 1,600 characters; 20003: authentication). A test can make the next answers fail
(``fail_next``: HTTP statuses to answer, in order)."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs

from tests.fake_http import JsonHandler, serve

ACCOUNT_SID, AUTH_TOKEN, SENDER = 'AC' + '1' * 32, 'token-abc', '+15005550006'


class FakeTwilio:
    def __init__(self) -> None:
        self.messages: list[dict] = []  # what was accepted, in order: {'To', 'From', 'Body', 'sid'}
        self.fail_next: list[int] = []
        fake = self

        class Handler(JsonHandler):
            _send = JsonHandler.send_json

            def _error(self, status: int, code: int, message: str) -> None:
                self._send(status, {'code': code, 'message': message, 'status': status,
                                    'more_info': f'https://www.twilio.com/docs/errors/{code}'})

            def do_POST(self) -> None:
                expected = 'Basic ' + base64.b64encode(f'{ACCOUNT_SID}:{AUTH_TOKEN}'.encode()).decode()
                if self.headers.get('Authorization') != expected:
                    return self._error(401, 20003, 'Authenticate')
                if self.path != f'/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json':
                    return self._error(404, 20404, 'The requested resource was not found')
                if self.headers.get('Content-Type', '').split(';')[0] != 'application/x-www-form-urlencoded':
                    return self._error(400, 21000, 'Bad request')
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers.get('Content-Length', 0)))
                                                     .decode()).items()}
                if fake.fail_next:
                    status = fake.fail_next.pop(0)
                    if status == 429:
                        return self._error(429, 20429, 'Too Many Requests')
                    if status >= 500:
                        return self._error(status, 20500, 'Internal Server Error')
                    return self._error(status, 21211, f"The 'To' number {form.get('To')} is not a valid phone number.")
                if not re.fullmatch(r'\+[1-9]\d{6,14}', form.get('To', '')):
                    return self._error(400, 21211, f"The 'To' number {form.get('To')} is not a valid phone number.")
                if form.get('From') != SENDER:
                    return self._error(400, 21606, "The 'From' phone number provided is not a valid message-capable "
                                                   'Twilio phone number for this destination/account.')
                if not form.get('Body') or len(form['Body']) > 1600:
                    return self._error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.')
                sid = f'SM{len(fake.messages) + 1:032x}'
                fake.messages.append({**form, 'sid': sid})
                self._send(201, {'sid': sid, 'status': 'queued', 'to': form['To'], 'from': form['From'],
                                 'body': form['Body'], 'account_sid': ACCOUNT_SID, 'direction': 'outbound-api',
                                 'error_code': None, 'error_message': None, 'num_segments': '1',
                                 'uri': f'/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json'})

        self._server, self.url = serve(Handler)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
