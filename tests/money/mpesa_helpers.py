"""What the M-Pesa tests share (tests/money, tests/frontdesk): a sale in Nairobi with a balance, and a callback
handed to the app as its endpoint would hand it on."""

from __future__ import annotations

from app.models import PaymentMethod
from app.services.money import checkout, mobile_money
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from tests.factories import OWNER, make_location, make_service, make_staff_member

PHONE = '0712 345 678'  # typed at the desk; M-Pesa wants 254712345678


def nairobi_sale(fake) -> dict:
    """A KES 1,500 cut at a Nairobi location, 500 paid in cash (1,000 owed): ``location``, ``receipt`` (its id),
    ``fake`` (the fake Daraja server)."""
    from app.services.catalogue import locations

    location = make_location('Nairobi West')
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'country': 'KE',
                                            'currency': 'KES', 'time_zone': 'Africa/Nairobi', 'tax_rates': []},
                              actor=OWNER)
    member, cut = make_staff_member(location, 'Wanjiru'), make_service(location, price_cents=150000)
    done = checkout.check_out(Sale(location_id=location.id, lines=[SaleLine(service_id=cut.id,
                                                                              staff_member_id=member.id)],
                                   payments=[PaymentIn(method=PaymentMethod.CASH, amount_cents=50000)]), actor=OWNER)
    return {'location': location, 'receipt': done.receipt_id, 'fake': fake}


def deliver(fake, checkout_id: str, body: dict | None = None, *, token: str | None = None) -> str:
    """Daraja's callback for ``checkout_id`` as the endpoint hands it on: with the token of the prompt's CallBackURL
    (or ``token``) and ``body`` (default: the fake's callback of the result its query gives; success if none)."""
    code = fake.results.get(checkout_id, '0')
    return mobile_money.handle_callback(fake.token_of(checkout_id) if token is None else token,
                                        body if body is not None else fake.callback(checkout_id, code))
