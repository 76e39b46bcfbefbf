"""The receipt as PDF: read back, it shows the shop, the number, each line, the taxes, the tip, the total and how it
was paid, written the location's way; a refund says what it refunds."""

from __future__ import annotations

from datetime import date

from pypdf import PdfReader

from app.models import PaymentMethod
from app.services import clock
from app.services.catalogue import locations
from app.services.money import checkout
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from app.services.money.receipt_pdf import receipt_pdf
from tests.factories import OWNER, make_location, make_product, make_service, make_staff_member


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / 'r.pdf'
    path.write_bytes(pdf)
    return '\n'.join(page.extract_text() for page in PdfReader(path).pages)


def test_a_receipt_and_its_refund_as_pdf(db, tmp_path):
    location = make_location()
    values = {**locations.settings_of(location).model_dump(), 'name': 'Salon Amélie', 'address': '12 rue de la Paix',
              'currency': 'EUR', 'locale': 'fr_FR', 'time_zone': 'Europe/Paris', 'prices_include_tax': True,
              'tax_rates': [{'name': 'TVA', 'percent': '20', 'services': True, 'products': True}]}
    locations.update_location(location.id, values, actor=OWNER)
    member = make_staff_member(location, 'Becky')
    cut, oil = make_service(location, price_cents=5500), make_product(location, 'OIL', 'Huile', stock=2)
    sold = checkout.check_out(Sale(location_id=location.id, lines=[
        SaleLine(service_id=cut.id, staff_member_id=member.id), SaleLine(product_id=oil)], tip_cents=300,
        payments=[PaymentIn(method=PaymentMethod.CASH, amount_cents=7300, tendered_cents=10000)]),
        actor=OWNER, as_of=clock.local_datetime(date(2030, 3, 4), 600, 'Europe/Paris'))
    text = _text(receipt_pdf(sold.receipt_id, actor=OWNER), tmp_path)
    # 55,00 € + 15,00 € with 20 % TVA included: TVA 917 + 250 = 11,67 €; tip 3,00 €: 73,00 €; 100 handed, 27 back;
    # the location speaks English (its language), with France's formats: the month's name in English
    for expected in ('Salon Amélie', '12 rue de la Paix', f'Receipt {sold.number}', "Women's cut", 'Huile',
                     'TVA', '11,67', 'Tip', '3,00', 'Total', '73,00', 'Cash', '100,00', '27,00', '4 Mar 2030'):
        assert expected in text, expected
    shown = checkout.receipt_details(sold.receipt_id, actor=OWNER)
    oil_line = next(x.id for x in shown.lines if x.description == 'Huile')
    back = checkout.refund(sold.receipt_id, {oil_line: 1}, method=PaymentMethod.CASH, reason='flacon abîmé',
                           actor=OWNER, as_of=clock.local_datetime(date(2030, 3, 4), 700, 'Europe/Paris'))
    refund_text = _text(receipt_pdf(back.receipt_id, actor=OWNER), tmp_path)
    assert f'Refund {back.number}' in refund_text and f'Of receipt {sold.number}: flacon abîmé' in refund_text
    assert '15,00' in refund_text and 'paid back' in refund_text


def test_a_receipt_is_mailed_as_pdf_to_a_checked_address(db, smtp):
    import pytest

    from app.services.errors import ValidationError
    from app.services.money.receipt_pdf import email_receipt
    location = make_location()
    member, cut = make_staff_member(location, 'Becky'), make_service(location)
    sold = checkout.check_out(Sale(location_id=location.id, lines=[SaleLine(service_id=cut.id,
                                                                              staff_member_id=member.id)],
                                   settle_with=PaymentMethod.CARD), actor=OWNER)
    for bad in ('', 'alex', 'alex@example', 'a@b.c\nBcc: x@y.z', 'Alex <alex@example.com>'):
        with pytest.raises(ValidationError):
            email_receipt(sold.receipt_id, bad, actor=OWNER)
    assert smtp.messages == []
    assert email_receipt(sold.receipt_id, ' alex@example.com ', actor=OWNER) == 'alex@example.com'
    (message,) = smtp.messages
    assert message['To'] == 'alex@example.com' and f'receipt {sold.number}' in message['Subject']
    (attached,) = [part for part in message.iter_attachments()]
    assert attached.get_filename() == f'receipt-{sold.number}.pdf' and attached.get_content().startswith(b'%PDF')


def test_the_receipt_speaks_the_locations_language_whoever_prints_it(db, tmp_path):
    """The receipt is the customer's: a French location's is in French (words, the month's name, the money), even
    printed by a desk speaking English; the day at the till stays in the desk's language."""
    from app.services import i18n
    from app.services.money.receipt_pdf import day_close_pdf
    location = make_location()
    values = {**locations.settings_of(location).model_dump(), 'name': 'Salon Amélie', 'currency': 'EUR',
              'locale': 'fr_FR', 'time_zone': 'Europe/Paris', 'language': 'fr',
              'tax_rates': [{'name': 'TVA', 'percent': '20', 'services': True, 'products': True}]}
    locations.update_location(location.id, values, actor=OWNER)
    member, cut = make_staff_member(location, 'Becky'), make_service(location, price_cents=5500)
    sold = checkout.check_out(Sale(location_id=location.id, lines=[
        SaleLine(service_id=cut.id, staff_member_id=member.id)], tip_cents=300,
        payments=[PaymentIn(method=PaymentMethod.CASH, amount_cents=6900, tendered_cents=10000)]),
        actor=OWNER, as_of=clock.local_datetime(date(2030, 3, 4), 600, 'Europe/Paris'))
    with i18n.speaking('en'):  # the desk's language
        text = _text(receipt_pdf(sold.receipt_id, actor=OWNER), tmp_path)
        day = _text(day_close_pdf(location.id, date(2030, 3, 4), actor=OWNER), tmp_path)
    for expected in (f'Reçu {sold.number}', 'mars 2030', 'Sans rendez-vous', 'Pourboire', '3,00 €',
                     'Espèces', 'remis', 'monnaie', '31,00 €', 'Merci !'):
        assert expected in text, expected
    for english in ('Receipt', 'Walk-in', 'Tip', 'Cash', 'Thank you'):
        assert english not in text, english
    assert 'the day at the till' in day and 'Paid by cash' in day  # the desk's report: the desk's language


def test_the_receipt_mail_speaks_the_locations_language(db, smtp):
    from app.services.money.receipt_pdf import email_receipt
    location = make_location()
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'language': 'sw'},
                              actor=OWNER)
    member, cut = make_staff_member(location, 'Becky'), make_service(location)
    sold = checkout.check_out(Sale(location_id=location.id, lines=[SaleLine(service_id=cut.id,
                                                                              staff_member_id=member.id)],
                                   settle_with=PaymentMethod.CARD), actor=OWNER)
    email_receipt(sold.receipt_id, 'alex@example.com', actor=OWNER)
    (message,) = smtp.messages
    assert message['Subject'] == f'Queen St: risiti {sold.number}'
    body = message.get_body().get_content()
    assert f'Asante kwa kutembelea Queen St. Risiti yako {sold.number} imeambatishwa.' in body
    (attached,) = [part for part in message.iter_attachments()]
    assert attached.get_filename() == f'risiti-{sold.number}.pdf'
