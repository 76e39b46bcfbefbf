"""A local fake of Safaricom's Daraja API (M-Pesa Express), speaking its documented shapes: OAuth client
credentials, the STK push request, the status query and the callback body. It checks what it is sent the way Daraja
does (Basic and Bearer auth, the password = base64(shortcode + passkey + timestamp), whole amounts, 2547… phones, an
http(s) CallBackURL) and records each request; a test decides each prompt's result: what the status query answers
(``results``, or :meth:`FakeDaraja.complete`) and when the callback is posted to the CallBackURL the prompt gave
(:meth:`FakeDaraja.post_callback`, token and all)."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import urlsplit

import httpx

from tests.fake_http import JsonHandler, serve

KEY, SECRET, SHORTCODE, PASSKEY = 'key-123', 'secret-456', '174379', 'pass-key-789'
TOKEN = 'fake-token-abc'


class FakeDaraja:
    def __init__(self) -> None:
        self.requests: list[dict] = []  # STK push bodies, in order
        self.results: dict[str, str] = {}  # CheckoutRequestID → result code a query answers (absent: pending)
        self.token_calls = 0
        self.queries: list[str] = []  # CheckoutRequestIDs asked about, in order
        fake = self

        class Handler(JsonHandler):
            _send = JsonHandler.send_json

            def do_GET(self) -> None:
                expected = 'Basic ' + base64.b64encode(f'{KEY}:{SECRET}'.encode()).decode()
                if not self.path.startswith('/oauth/v1/generate?grant_type=client_credentials'):
                    return self._send(404, {'errorMessage': 'not found'})
                if self.headers.get('Authorization') != expected:
                    return self._send(400, {'errorCode': '400.008.01', 'errorMessage': 'Invalid Authentication'})
                fake.token_calls += 1
                self._send(200, {'access_token': TOKEN, 'expires_in': '3599'})

            def do_POST(self) -> None:
                if self.headers.get('Authorization') != f'Bearer {TOKEN}':
                    return self._send(401, {'errorCode': '404.001.03', 'errorMessage': 'Invalid Access Token'})
                body = json.loads(self.rfile.read(int(self.headers.get('Content-Length', 0))) or b'{}')
                expected = base64.b64encode(f'{SHORTCODE}{PASSKEY}{body.get("Timestamp")}'.encode()).decode()
                if body.get('BusinessShortCode') != SHORTCODE or body.get('Password') != expected or not re.fullmatch(
                        r'\d{14}', str(body.get('Timestamp'))):
                    return self._send(400, {'errorCode': '400.002.02', 'errorMessage': 'Bad Request - Invalid '
                                                                                        'Password'})
                if self.path == '/mpesa/stkpush/v1/processrequest':
                    if not isinstance(body.get('Amount'), int) or body['Amount'] < 1 or not re.fullmatch(
                            r'2547\d{8}|2541\d{8}', str(body.get('PhoneNumber'))) or body.get('PartyB') != SHORTCODE \
                            or not re.match(r'https?://[^/\s]+/\S*$', str(body.get('CallBackURL'))):
                        return self._send(400, {'errorCode': '400.002.02', 'errorMessage': 'Bad Request'})
                    number = len(fake.requests) + 1
                    body['CheckoutRequestID'] = f'ws_CO_FAKE_{number:06d}'
                    fake.requests.append(body)
                    return self._send(200, {'MerchantRequestID': f'{number}-1', 'CheckoutRequestID':
                                            body['CheckoutRequestID'], 'ResponseCode': '0', 'ResponseDescription':
                                            'Success. Request accepted for processing', 'CustomerMessage':
                                            'Success. Request accepted for processing'})
                if self.path == '/mpesa/stkpushquery/v1/query':
                    checkout_id = body.get('CheckoutRequestID')
                    fake.queries.append(checkout_id)
                    if checkout_id not in fake.results:
                        return self._send(500, {'errorCode': '500.001.1001',
                                                'errorMessage': 'The transaction is being processed'})
                    code = fake.results[checkout_id]
                    return self._send(200, {'ResponseCode': '0', 'ResponseDescription': 'The service request has '
                                            'been accepted successsfully', 'MerchantRequestID': '1-1',
                                            'CheckoutRequestID': checkout_id, 'ResultCode': code,
                                            'ResultDesc': DESCRIPTIONS.get(code, 'failed')})
                self._send(404, {'errorMessage': 'not found'})

        self.server, self.url = serve(Handler)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def callback(self, checkout_id: str, code: str = '0', *, amount: int | None = None, phone: str | None = None,
                 receipt: str = 'NLJ7RT61SV', with_phone: bool = True) -> dict:
        """The body Daraja posts to the CallBackURL for ``checkout_id`` (the amount and phone of its request unless
        given; metadata only on success; ``with_phone=False`` leaves ``PhoneNumber`` out)."""
        sent = next((r for r in self.requests if r['CheckoutRequestID'] == checkout_id), {})
        result = {'MerchantRequestID': '1-1', 'CheckoutRequestID': checkout_id, 'ResultCode': int(code),
                  'ResultDesc': DESCRIPTIONS.get(code, 'failed')}
        if code == '0':
            items = [{'Name': 'Amount', 'Value': amount if amount is not None else sent.get('Amount')},
                     {'Name': 'MpesaReceiptNumber', 'Value': receipt}, {'Name': 'Balance'},
                     {'Name': 'TransactionDate', 'Value': 20301204103000}]
            if with_phone:
                items.append({'Name': 'PhoneNumber', 'Value': int(phone or sent.get('PhoneNumber', '0'))})
            result['CallbackMetadata'] = {'Item': items}
        return {'Body': {'stkCallback': result}}

    def callback_url(self, checkout_id: str) -> str:
        """The CallBackURL the prompt ``checkout_id`` was sent with."""
        return next(r['CallBackURL'] for r in self.requests if r['CheckoutRequestID'] == checkout_id)

    def token_of(self, checkout_id: str) -> str:
        """The last part of the prompt's CallBackURL path (ClientPulse's per-prompt token)."""
        return urlsplit(self.callback_url(checkout_id)).path.rsplit('/', 1)[-1]

    def complete(self, checkout_id: str, code: str = '0', **details) -> dict:
        """The customer answered: from now on the status query says ``code``; returns the callback's body."""
        self.results[checkout_id] = code
        return self.callback(checkout_id, code, **details)

    async def post_callback(self, client: httpx.AsyncClient, checkout_id: str, body: dict | None = None,
                            **details) -> httpx.Response:
        """Post ``body`` (default :meth:`callback` with ``details``) as Daraja does to the prompt's CallBackURL, its
        path and query kept; ``client`` stands for the URL's host (e.g. an ASGI transport to the app)."""
        target = urlsplit(self.callback_url(checkout_id))
        path = target.path + (f'?{target.query}' if target.query else '')
        return await client.post(path, json=body if body is not None else self.callback(checkout_id, **details))


DESCRIPTIONS = {'0': 'The service request is processed successfully.', '1': 'The balance is insufficient for the '
                'transaction.', '1032': 'Request cancelled by user', '1037': 'DS timeout user cannot be reached'}
