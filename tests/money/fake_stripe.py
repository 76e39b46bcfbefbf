"""A local fake of Stripe's Checkout Sessions API and its webhook, speaking the documented shapes: Bearer secret key,
form-encoded bodies, ``POST /v1/checkout/sessions`` (``mode=payment``, one ``line_items[0]`` with ``price_data``
``currency`` lower case, an integer ``unit_amount``, ``product_data[name]``, ``quantity``; ``success_url``,
``cancel_url``, ``expires_at`` 30 minutes to 24 hours ahead, ``client_reference_id``, ``metadata[…]``,
``customer_email``; the ``Idempotency-Key`` header), ``GET /v1/checkout/sessions/{id}``, ``POST
/v1/checkout/sessions/{id}/expire``, errors as ``{"error": {"message", "type", "code", "param"}}``. Each session's
``url`` is a tiny page on the fake itself (``/c/pay/{id}``) with a Pay button (which completes it, posts the signed
event to :attr:`FakeStripe.webhook_url` if set, and redirects to the ``success_url``) and a cancel link.

Test helpers: :meth:`FakeStripe.complete` (paid, and the signed ``checkout.session.completed`` posted to a URL),
:meth:`FakeStripe.event` / :meth:`FakeStripe.sign` (an event's body and a ``Stripe-Signature`` header, with another
secret or an old stamp for forgeries and replays), :meth:`FakeStripe.post_event` (through an httpx client, e.g. an
ASGI transport to the app), :attr:`FakeStripe.events` (every event made), :attr:`FakeStripe.requests` and
:attr:`FakeStripe.fail_next` (HTTP statuses the next API calls answer)."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import time
from urllib.parse import parse_qsl

import httpx

from tests.fake_http import JsonHandler, serve

SECRET_KEY, WEBHOOK_SECRET = 'sk_test_fake_51Abc', 'whsec_fake_9xYz'
WEBHOOK_PATH = '/payments/stripe/webhook'
_REQUIRED = ('mode', 'line_items[0][price_data][currency]', 'line_items[0][price_data][unit_amount]',
             'line_items[0][price_data][product_data][name]', 'line_items[0][quantity]', 'success_url')


class FakeStripe:
    def __init__(self) -> None:
        self.sessions: dict[str, dict] = {}  # id → the session as GET answers it
        self.requests: list[dict] = []  # {'method', 'path', 'form', 'idempotency_key'} of API calls, in order
        self.events: list[dict] = []  # every event made, in order
        self.fail_next: list[int] = []  # HTTP statuses the next API calls answer (402 card_error, 5xx api_error …)
        self.webhook_url = ''  # where the hosted page's Pay button posts its event (a test sets it)
        self._idempotent: dict[str, tuple[list, dict]] = {}
        fake = self

        class Handler(JsonHandler):
            _send = JsonHandler.send_json

            def _error(self, status: int, message: str, *, kind: str = 'invalid_request_error', code: str = '',
                       param: str = '') -> None:
                error = {'message': message, 'type': kind}
                error.update({'code': code} if code else {})
                error.update({'param': param} if param else {})
                self._send(status, {'error': error})

            def do_GET(self) -> None:
                page = re.fullmatch(r'/c/pay/(cs_\w+)', self.path)
                if page:
                    return self._page(page.group(1))
                if not self._authorised():
                    return None
                found = re.fullmatch(r'/v1/checkout/sessions/(\w+)', self.path)
                fake.requests.append({'method': 'GET', 'path': self.path, 'form': {}, 'idempotency_key': ''})
                if self._failing():
                    return None
                if not found or found.group(1) not in fake.sessions:
                    return self._error(404, f"No such checkout.session: '{found.group(1) if found else ''}'",
                                       code='resource_missing', param='session')
                return self._send(200, fake.sessions[found.group(1)])

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get('Content-Length', 0) or 0))
                paying = re.fullmatch(r'/c/pay/(cs_\w+)', self.path)
                if paying:
                    return self._pay(paying.group(1))
                if not self._authorised():
                    return None
                pairs = parse_qsl(body.decode(), keep_blank_values=True)
                form = dict(pairs)
                key = self.headers.get('Idempotency-Key', '')
                fake.requests.append({'method': 'POST', 'path': self.path, 'form': form, 'idempotency_key': key})
                if self._failing():
                    return None
                if self.path == '/v1/checkout/sessions':
                    if self.headers.get('Content-Type', '').split(';')[0] != 'application/x-www-form-urlencoded':
                        return self._error(400, 'Invalid request: form-encoded body expected')
                    if key and key in fake._idempotent:
                        sent, answer = fake._idempotent[key]
                        if sent != pairs:
                            return self._error(400, 'Keys for idempotent requests can only be used with the same '
                                                    'parameters they were first used with.', kind='idempotency_error')
                        return self._send(200, answer)
                    refusal = _refusal(form)
                    if refusal:
                        return self._error(400, refusal[1], code=refusal[0], param=refusal[2])
                    session = fake._create(form)
                    if key:
                        fake._idempotent[key] = (pairs, session)
                    return self._send(200, session)
                expiring = re.fullmatch(r'/v1/checkout/sessions/(\w+)/expire', self.path)
                if expiring and expiring.group(1) in fake.sessions:
                    session = fake.sessions[expiring.group(1)]
                    if session['status'] != 'open':
                        return self._error(400, 'Only Checkout Sessions with a status in ["open"] can be expired.',
                                           code='checkout_session_expire_invalid_status')  # as in test mode
                    session.update(status='expired', url=None)
                    return self._send(200, session)
                return self._error(404, f'Unrecognized request URL (POST: {self.path}).')

            def _authorised(self) -> bool:
                if self.headers.get('Authorization') != f'Bearer {SECRET_KEY}':
                    self._error(401, 'Invalid API Key provided: sk_test_***', code='api_key_invalid')
                    return False
                return True

            def _failing(self) -> bool:
                if not fake.fail_next:
                    return False
                status = fake.fail_next.pop(0)
                if status == 402:
                    self._error(402, 'Your card was declined.', kind='card_error', code='card_declined')
                elif status == 429:
                    self._error(429, 'Too many requests hit the API too quickly.', code='rate_limit')
                else:
                    self._error(status, 'Something went wrong on our end.', kind='api_error')
                return True

            def _page(self, session_id: str) -> None:
                session = fake.sessions.get(session_id)
                if session is None or session['status'] != 'open':
                    text = b'<!doctype html><title>Expired</title><h1>This checkout is no longer open</h1>'
                    return self._html(404 if session is None else 410, text)
                amount = f'{session["amount_total"]} {session["currency"].upper()}'
                text = (f'<!doctype html><html lang="en"><title>Pay</title><h1>Pay {html.escape(amount)}</h1>'
                        f'<p>{html.escape(session["_name"])}</p><form method="post"><button type="submit">Pay'
                        f'</button></form><a href="{html.escape(session["cancel_url"] or "/")}">Cancel</a></html>')
                return self._html(200, text.encode())

            def _pay(self, session_id: str) -> None:
                session = fake.sessions.get(session_id)
                if session is None or session['status'] != 'open':
                    return self._html(410, b'<!doctype html><title>Expired</title><h1>Not open</h1>')
                fake.complete(session_id, webhook_url=fake.webhook_url or None)
                self.send_response(303)
                self.send_header('Location', session['success_url'].replace('{CHECKOUT_SESSION_ID}', session_id))
                self.send_header('Content-Length', '0')
                self.end_headers()

            def _html(self, status: int, text: bytes) -> None:
                self.send_response(status)
                self.send_header('Content-Type', 'text/html; charset=utf-8')
                self.send_header('Content-Length', str(len(text)))
                self.end_headers()
                self.wfile.write(text)

        self.server, self.url = serve(Handler)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- test helpers ---------------------------------------------------------------------------------------------

    def mark_paid(self, session_id: str, *, payment_status: str = 'paid') -> dict:
        """The customer paid (``payment_status='unpaid'``: completed, the payment still to settle): the session."""
        session = self.sessions[session_id]
        intent = f'pi_fake_{len(self.events) + 1:08d}'
        session.update(status='complete', payment_status=payment_status, url=None, payment_intent=intent)
        return session

    def event(self, session_id: str, kind: str = 'checkout.session.completed', *, body: dict | None = None,
              event_id: str | None = None) -> bytes:
        """An event's raw body about ``session_id`` (its current state, or ``body`` as the object), recorded in
        :attr:`events`."""
        public = {k: v for k, v in (body or self.sessions[session_id]).items() if not k.startswith('_')}
        made = {'id': event_id or f'evt_fake_{len(self.events) + 1:08d}', 'object': 'event', 'api_version':
                '2024-06-20', 'created': int(time.time()), 'livemode': False, 'pending_webhooks': 1,
                'type': kind, 'data': {'object': public}}
        self.events.append(made)
        return json.dumps(made).encode()

    @staticmethod
    def sign(payload: bytes, *, timestamp: int | None = None, secret: str = WEBHOOK_SECRET,
             extra: tuple[str, ...] = ()) -> str:
        """The ``Stripe-Signature`` header of ``payload`` (``extra``: more ``v1`` values before the right one)."""
        stamp = int(time.time()) if timestamp is None else timestamp
        signature = hmac.new(secret.encode(), f'{stamp}.'.encode() + payload, hashlib.sha256).hexdigest()
        return ','.join([f't={stamp}', *(f'v1={e}' for e in extra), f'v1={signature}',
                         'v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39'])

    def complete(self, session_id: str, *, webhook_url: str | None = None, payment_status: str = 'paid',
                 kind: str = 'checkout.session.completed') -> httpx.Response | None:
        """Mark the session paid and, given a ``webhook_url``, POST it the signed event as Stripe does (returns the
        answer; None when no URL)."""
        self.mark_paid(session_id, payment_status=payment_status)
        payload = self.event(session_id, kind)
        if not webhook_url:
            return None
        return httpx.post(webhook_url, content=payload, timeout=30, headers={
            'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': self.sign(payload)})

    async def post_event(self, client: httpx.AsyncClient, payload: bytes, *, signature: str | None = None,
                         path: str = WEBHOOK_PATH) -> httpx.Response:
        """POST ``payload`` (signed now with the right secret unless ``signature`` is given) to ``path`` of
        ``client``."""
        return await client.post(path, content=payload, headers={
            'Content-Type': 'application/json; charset=utf-8',
            'Stripe-Signature': self.sign(payload) if signature is None else signature})

    def _create(self, form: dict) -> dict:
        session_id = f'cs_test_fake{len(self.sessions) + 1:06d}'
        amount = int(form['line_items[0][price_data][unit_amount]']) * int(form['line_items[0][quantity]'])
        session = {
            'id': session_id, 'object': 'checkout.session', 'mode': 'payment', 'livemode': False,
            'amount_subtotal': amount, 'amount_total': amount, 'currency': form['line_items[0][price_data][currency]'],
            'client_reference_id': form.get('client_reference_id') or None, 'customer_email':
            form.get('customer_email') or None, 'created': int(time.time()), 'expires_at': int(form.get(
                'expires_at') or time.time() + 86400), 'success_url': form['success_url'],
            'cancel_url': form.get('cancel_url') or None, 'metadata': {
                k[len('metadata['):-1]: v for k, v in form.items() if k.startswith('metadata[')},
            'payment_intent': None, 'payment_status': 'unpaid', 'status': 'open',
            'url': f'{self.url}/c/pay/{session_id}', '_name': form['line_items[0][price_data][product_data][name]']}
        self.sessions[session_id] = session
        return {k: v for k, v in session.items() if not k.startswith('_')}


def _refusal(form: dict) -> tuple[str, str, str] | None:
    """(code, message, param) of Stripe's refusal of a create form, or None."""
    for name in _REQUIRED:
        if not form.get(name):
            return 'parameter_missing', f'Missing required param: {name}.', name
    if form['mode'] != 'payment':
        return 'parameter_invalid_empty', 'Invalid mode: must be one of payment, setup, or subscription', 'mode'
    currency = form['line_items[0][price_data][currency]']
    if not re.fullmatch(r'[a-z]{3}', currency):
        return 'parameter_invalid', f'Invalid currency: {currency}.', 'line_items[0][price_data][currency]'
    for name in ('line_items[0][price_data][unit_amount]', 'line_items[0][quantity]', 'expires_at'):
        if name in form and not re.fullmatch(r'\d{1,12}', form[name]):
            return 'parameter_invalid_integer', f'Invalid integer: {form[name]}', name
    unit_amount = int(form['line_items[0][price_data][unit_amount]'])
    if currency in {'bhd', 'jod', 'kwd', 'omr', 'tnd'} and unit_amount % 10:
        return 'invalid_amount', 'Amounts in three-decimal currencies must end in 0.', \
            'line_items[0][price_data][unit_amount]'
    if unit_amount < 1 or unit_amount > 99_999_999:
        return 'amount_too_small' if unit_amount < 1 else 'amount_too_large', 'Invalid amount.', \
            'line_items[0][price_data][unit_amount]'
    if 'expires_at' in form:
        ahead = int(form['expires_at']) - time.time()
        if not 30 * 60 <= ahead <= 24 * 3600:
            return 'parameter_invalid_integer', ('The `expires_at` timestamp must be between 30 minutes and 24 hours '
                                                 'from Checkout Session creation.'), 'expires_at'
    for name in ('success_url', 'cancel_url'):
        if name in form and not re.fullmatch(r'https?://\S+', form[name]):
            return 'url_invalid', 'Not a valid URL', name
    if len(form.get('client_reference_id', '')) > 200:
        return 'parameter_invalid_string_too_long', 'client_reference_id is too long', 'client_reference_id'
    return None
