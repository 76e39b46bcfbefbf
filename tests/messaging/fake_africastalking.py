"""A local fake of Africa's Talking's bulk SMS API (``POST /version1/messaging``), speaking its documented shapes:
the ``apiKey`` header (a wrong one: 401 with a plain-text body, as they answer), a form with ``username``, ``to``,
``message`` and the optional sender ID ``from``; ``Accept: application/json`` answered with
``{"SMSMessageData": {"Message": "Sent to 1/1 Total Cost: KES 0.8000", "Recipients": [{"statusCode": 101,
"number": …, "status": "Success", "cost": "KES 0.8000", "messageId": "ATXid_…"}]}}``.

A test decides the next answers: ``refuse_next`` (per-recipient statusCodes to answer, in order, e.g. 403
InvalidPhoneNumber, 405 InsufficientBalance), ``fail_next`` (HTTP statuses). :meth:`report` builds a delivery report
as Africa's Talking posts it to the registered callback URL (form fields ``id``, ``status``, ``phoneNumber``,
``networkCode``, ``failureReason``, ``retryCount``)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs

from tests.fake_http import JsonHandler, serve

USERNAME, API_KEY, SENDER_ID = 'sandbox', 'atsk_fake_key_0123456789', 'SALON'
STATUSES = {100: 'Processed', 101: 'Success', 102: 'Queued', 401: 'RiskHold', 402: 'InvalidSenderId',
            403: 'InvalidPhoneNumber', 404: 'UnsupportedNumberType', 405: 'InsufficientBalance',
            406: 'UserInBlacklist', 407: 'CouldNotRoute', 409: 'DoNotDisturbRejection', 500: 'InternalServerError',
            501: 'GatewayError', 502: 'RejectedByGateway'}
SENDER_IDS = {'', SENDER_ID, 'AFRICASTKNG'}
"""The sender IDs this fake account may use ('': the account's default)."""


class FakeAfricasTalking:
    def __init__(self) -> None:
        self.messages: list[dict] = []  # what was taken, in order: the form fields and 'messageId'
        self.requests: list[dict] = []  # every request's headers (lower-case names) and form
        self.refuse_next: list[int] = []
        self.fail_next: list[int] = []
        fake = self

        class Handler(JsonHandler):
            def _text(self, status: int, text: str) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header('Content-Type', 'text/plain')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                fake.requests.append({'headers': {k.lower(): v for k, v in self.headers.items()}, 'form': form})
                if self.path != '/version1/messaging':
                    return self._text(404, 'Not Found')
                if self.headers.get('apiKey') != API_KEY:
                    return self._text(401, 'The supplied authentication is invalid')
                if self.headers.get('Content-Type', '').split(';')[0] != 'application/x-www-form-urlencoded':
                    return self._text(415, 'Unsupported Media Type')
                if self.headers.get('Accept') != 'application/json':
                    return self._text(406, 'Not Acceptable')  # they answer XML by default; this fake speaks JSON
                if fake.fail_next:
                    status = fake.fail_next.pop(0)
                    return self._text(status, 'Internal Server Error' if status >= 500 else 'Request is missing '
                                                                                             'required form field')
                if form.get('username') != USERNAME or not form.get('message') or 'to' not in form:
                    return self._text(400, 'Request is missing required form field')
                if form.get('from', '') not in SENDER_IDS:
                    return self.send_json(201, {'SMSMessageData': {'Message': 'InvalidSenderId', 'Recipients': []}})
                number = form['to']
                code = fake.refuse_next.pop(0) if fake.refuse_next else 101
                if not re.fullmatch(r'\+[1-9]\d{6,14}', number):
                    code = 403
                taken = code in (100, 101, 102)
                message_id = f'ATXid_{secrets.token_hex(16)}' if taken else 'None'
                if taken:
                    fake.messages.append({**form, 'messageId': message_id})
                self.send_json(201, {'SMSMessageData': {
                    'Message': f'Sent to {int(taken)}/1 Total Cost: KES {0.8 * taken:.4f}',
                    'Recipients': [{'statusCode': code, 'number': number, 'status': STATUSES[code],
                                    'cost': f'KES {0.8 * taken:.4f}' if taken else '0', 'messageId': message_id}]}})

        self._server, self.url = serve(Handler)

    @staticmethod
    def report(message: dict, status: str = 'Success', *, failure_reason: str = '', network_code: str = '63902',
               retry_count: int = 0) -> dict[str, str]:
        """A delivery report about ``message`` (one of :attr:`messages`) as Africa's Talking posts it (form
        fields; ``failureReason`` only with ``Rejected`` or ``Failed``)."""
        fields = {'id': message['messageId'], 'status': status, 'phoneNumber': message['to'],
                  'networkCode': network_code, 'retryCount': str(retry_count)}
        if failure_reason:
            fields['failureReason'] = failure_reason
        return fields

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

