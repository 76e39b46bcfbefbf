"""The booking dialog's actions (move, cancel, no-show, check in, complete and pay) and the Import page."""

from __future__ import annotations

from pathlib import Path

import pytest
from nicegui import ui
from nicegui.testing import User

from app.models import BookingStatus, PaymentMethod, Role
from app.services.frontdesk import bookings
from app.services.imports import salon as imports
from app.services.money import receipts
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import DAY, click_block, drawn, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')  # check-ins on the day booked, no-shows after the start


async def open_booking(user: User, booking_id: int, status_text: str) -> None:
    await click_block(user, booking_id)
    await user.should_see(f'Status: {status_text}')


async def test_move_in_the_dialog_checks_the_slot(user: User, shop):
    first = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '11:00'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await open_booking(user, first.id, 'Booked')
    time_input = element(user, 'move-time')
    time_input.set_value('10:30')
    user.find(marker='move').click()
    await eventually(lambda: 'JJ is already booked 11:00–11:45 with Sam Lee' in (time_input.error or ''))
    time_input.set_value('12:15')
    user.find(marker='move').click()
    await user.should_see("12:15 Alex Kim · Women's cut")
    assert bookings.get_booking(first.id, actor=OWNER).starts_at == at(DAY, '12:15')


async def test_cancel_and_no_show_in_the_dialog(user: User, shop):
    first = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    second = make_booking(shop['location'], shop['becky'], shop['cut'], shop['sam'], at(DAY, '10:00'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await open_booking(user, first.id, 'Booked')
    user.find(marker='to-cancelled').click()  # no reason: asked for one, nothing cancelled
    await eventually(lambda: element(user, 'cancel-reason').error == 'Say why (e.g. "feeling unwell").')
    user.find(marker='cancel-reason').type('Feeling unwell')
    user.find(marker='to-cancelled').click()
    user.find(marker='cancel-confirm').click()  # asked to confirm
    await eventually(lambda: bookings.get_booking(first.id, actor=OWNER).status == BookingStatus.CANCELLED)
    assert bookings.get_booking(first.id, actor=OWNER).cancelled_by == 'customer'
    await eventually(lambda: first.id not in drawn(user))  # cancelled bookings leave the day view
    await open_booking(user, second.id, 'Booked')
    user.find(marker='to-no_show').click()
    await eventually(lambda: bookings.get_booking(second.id, actor=OWNER).status == BookingStatus.NO_SHOW)


async def test_check_in_then_check_out_with_a_product_a_discount_a_tip_and_cash_plus_card(user: User, shop):
    from decimal import Decimal

    from sqlmodel import select

    from app.models import Payment, Receipt
    from app.services.catalogue import locations
    from app.services.database import session_scope
    from tests.factories import make_product
    oil = make_product(shop['location'], 'OIL', 'Argan oil', stock=3)  # $15.00
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    locations.update_location(shop['location'].id, {**locations.settings_of(shop['location']).model_dump(),
                                                    'staff_discount_limit_percent': 10}, actor=OWNER)
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await open_booking(user, booking.id, 'Booked')
    await user.should_not_see(marker='to-checkout')  # paying needs a check-in first
    user.find(marker='to-checked_in').click()
    await eventually(lambda: bookings.get_booking(booking.id, actor=OWNER).status == BookingStatus.CHECKED_IN)
    await open_booking(user, booking.id, 'Checked in')
    user.find(marker='to-checkout').click()
    await user.should_see(marker='checkout-take')
    # $82.00 cut; GST 5 % + PST 8 %: 9266 before anything else
    await eventually(lambda: element(user, 'checkout-total').text == 'Total $92.66')
    element(user, 'checkout-item').set_value(f'p{oil}')
    user.find(marker='checkout-add').click()
    # + $15.00 oil with 13 %: 1695 → 10961
    await eventually(lambda: element(user, 'checkout-total').text == 'Total $109.61')
    assert element(user, 'checkout-discount-limit').text == 'Up to 10 % off without a manager.'
    element(user, 'checkout-discount').set_value(10)
    user.find(marker='checkout-discount-reason').type('first visit')
    element(user, 'checkout-tip').set_value(5)
    # 10 % off: 7380 + 1350; taxes 369 + 590 and 68 + 108; 9865; + $5.00 tip = 10365
    await eventually(lambda: element(user, 'checkout-total').text == 'Total $103.65')
    await eventually(lambda: element(user, 'checkout-pay-0-amount').value == 103.65)
    element(user, 'checkout-pay-0-amount').set_value(63.65)
    user.find(marker='checkout-add-payment').click()
    await eventually(lambda: element(user, 'checkout-pay-1-amount').value == 40.0)  # the rest, in cash
    element(user, 'checkout-pay-1-tendered').set_value(50)
    await eventually(lambda: element(user, 'checkout-balance').text == 'Change to give: $10.00')
    user.find(marker='checkout-take').click()
    await user.should_see('change $10.00', retries=100)
    assert bookings.get_booking(booking.id, actor=OWNER).status == BookingStatus.COMPLETED
    with session_scope() as session:
        receipt = session.exec(select(Receipt)).one()
        paid = sorted(session.exec(select(Payment.method, Payment.amount_cents, Payment.tendered_cents)).all())
    assert (receipt.total_cents, receipt.tip_cents, receipt.paid_cents) == (10365, 500, 10365)
    assert paid == [('card', 6365, None), ('cash', 4000, 5000)]
    sale = receipts.list_receipts(shop['location'].id, actor=OWNER)[0]
    assert (sale.amount_cents, sale.tax) == (7380 + 1350, Decimal('11.35'))  # revenue before tax, after discount


async def test_staff_are_told_to_ask_a_manager_for_a_discount_and_an_absurd_tip_is_refused(user: User, shop):
    """Issue 28: by default staff give no discount (the checkout says so, and refuses one with the reason on the
    screen); a tip of 10**19 is refused in words on the form; nothing is recorded either way."""
    from sqlmodel import func, select

    from app.models import Receipt
    from app.services.amounts import TOO_LARGE
    from app.services.database import session_scope
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await open_booking(user, booking.id, 'Checked in')
    user.find(marker='to-checkout').click()
    await user.should_see(marker='checkout-take')
    await eventually(lambda: element(user, 'checkout-total').text == 'Total $92.66')
    assert element(user, 'checkout-discount-limit').text == 'Only a manager gives discounts here.'
    element(user, 'checkout-discount').set_value(100)
    user.find(marker='checkout-discount-reason').type('friend of the house')
    refusal = 'A discount needs a manager: ask a manager to take this payment.'
    await eventually(lambda: element(user, 'checkout-error').text == refusal)
    assert element(user, 'checkout-discount').error == refusal  # on the field too: on a phone the button is far
    user.find(marker='checkout-take').click()
    await eventually(lambda: element(user, 'checkout-error').text.startswith('A discount needs a manager'))
    element(user, 'checkout-discount').set_value(None)
    element(user, 'checkout-tip').set_value(10**19)
    await eventually(lambda: element(user, 'checkout-error').text == TOO_LARGE)
    assert element(user, 'checkout-tip').error == TOO_LARGE and element(user, 'checkout-discount').error is None
    user.find(marker='checkout-take').click()
    await eventually(lambda: element(user, 'checkout-error').text == TOO_LARGE)
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Receipt)).one() == 0
    assert bookings.get_booking(booking.id, actor=OWNER).status == BookingStatus.CHECKED_IN


async def upload(user: User, folder: Path, names: list[str]) -> None:
    uploader = user.find(marker='upload').elements.pop()  # the salon export's uploader
    await uploader.handle_uploads([ui.upload.SmallFileUpload(name, 'text/csv', (folder / name).read_bytes())
                                   for name in names])


async def test_import_page_imports_the_upload_with_progress(user: User, shared_data):
    await sign_in(user, Role.MANAGER, '/import')
    await upload(user, shared_data, list(imports.SALON_FILES.values()))
    await eventually(lambda: element(user, 'uploaded').text.startswith('Ready: Client Cancellations0.csv'))
    user.find(marker='start-import').click()
    await eventually(lambda: element(user, 'import-status').text.startswith('Imported: bookings 1906 new'),
                     timeout=60)


async def test_import_page_reports_the_bad_line_and_imports_nothing(user: User, tmp_path, shared_data, shop):
    for other in imports.SALON_FILES.values():
        (tmp_path / other).write_bytes((shared_data / other).read_bytes())
    name = imports.SALON_FILES['bookings']
    lines = (shared_data / name).read_text().splitlines()
    lines[9] = lines[9].replace('/2018', '/20X8', 1)
    (tmp_path / name).write_text('\n'.join(lines) + '\n')
    await sign_in(user, Role.OWNER, '/import')
    await upload(user, tmp_path, list(imports.SALON_FILES.values()))
    await eventually(lambda: 'Ready' in element(user, 'uploaded').text)
    user.find(marker='start-import').click()
    await eventually(lambda: element(user, 'import-status').text.startswith(
        f'Nothing was imported. {name}, line 10, field "Date"'), timeout=30)
    assert bookings.list_bookings(shop['location'].id, actor=OWNER) == []


async def upload_to(user: User, marker: str, path: Path, name: str | None = None) -> None:
    uploader = user.find(marker=marker).elements.pop()
    await uploader.handle_uploads([ui.upload.SmallFileUpload(name or path.name, 'text/csv', path.read_bytes())])


async def test_any_export_with_a_mapping_preview_and_import(user: User, shared_data, tmp_path):
    few = tmp_path / 'hotel.csv'
    few.write_text('\n'.join((shared_data / 'hotel_bookings.csv').read_text().splitlines()[:31]) + '\n')
    await sign_in(user, Role.OWNER, '/import')
    await upload_to(user, 'bookings-upload', few)
    await eventually(lambda: element(user, 'file-columns').text.startswith('hotel.csv: hotel, is_canceled'))
    suggested = element(user, 'mapping-text').value
    assert 'location = { column = "hotel" }' in suggested
    element(user, 'mapping-text').set_value(suggested.replace('[fields]', '[fields]\ncolour = { value = "x" }'))
    user.find(marker='preview-button').click()
    await eventually(lambda: 'unknown field(s) colour' in (element(user, 'mapping-text').error or ''))
    mapping_file = Path(__file__).resolve().parents[2] / 'docs' / 'mappings' / 'hotel-bookings.toml'
    element(user, 'mapping-text').set_value(mapping_file.read_text())
    user.find(marker='preview-button').click()
    await user.should_see(marker='preview', retries=100)  # read in a worker thread: seconds on a busy machine
    rows = element(user, 'preview').rows
    assert len(rows) == 20 and rows[0]['location'] == 'Resort Hotel' and rows[0]['line'] == '2'
    assert bookings.list_bookings(1, actor=OWNER) == []  # a preview writes nothing
    user.find(marker='import-bookings').click()
    await eventually(lambda: element(user, 'bookings-import-status').text.startswith(
        'Imported: 30 rows: 30 bookings added'), timeout=30)


async def test_preview_names_the_bad_line(user: User, shared_data, tmp_path):
    few = tmp_path / 'clinic.csv'
    lines = (shared_data / 'KaggleV2-May-2016.csv').read_text().splitlines()[:12]
    lines[4] = lines[4].replace('2016-04-29T00:00:00Z', 'someday', 1)
    few.write_text('\n'.join(lines) + '\n')
    await sign_in(user, Role.MANAGER, '/import')
    await upload_to(user, 'bookings-upload', few)
    await eventually(lambda: 'PatientId' in element(user, 'file-columns').text)
    mapping_file = Path(__file__).resolve().parents[2] / 'docs' / 'mappings' / 'clinic-noshow.toml'
    element(user, 'mapping-text').set_value(mapping_file.read_text())
    user.find(marker='preview-button').click()
    await user.should_see(marker='preview-error')
    assert 'line 5, field "starts_at"' in element(user, 'preview-error').text


async def test_an_empty_time_opens_a_new_booking_there_and_a_dragged_booking_moves_or_springs_back(user: User, shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    make_booking(shop['location'], shop['becky'], shop['cut'], shop['sam'], at(DAY, '14:00'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    user.find(marker='day-grid').trigger('slot', {'column': shop['becky'].id, 'minute': 11 * 60 + 30})
    await user.should_see(marker='book', retries=100)  # the dialog, once its choices are read
    assert (element(user, 'staff').value, element(user, 'time').value) == (shop['becky'].id, '11:30')
    user.find('Close').click()

    user.find(marker='day-grid').trigger('move', {'id': booking.id, 'column': shop['becky'].id, 'minute': 14 * 60})
    await user.should_see('BECKY is already booked', retries=100)  # onto Sam's booking: refused, said why
    assert bookings.get_booking(booking.id, actor=OWNER).starts_at == at(DAY, '10:00')
    user.find(marker='day-grid').trigger('move', {'id': booking.id, 'column': shop['becky'].id, 'minute': 12 * 60})
    await eventually(lambda: bookings.get_booking(booking.id, actor=OWNER).staff_member_id == shop['becky'].id)
    assert bookings.get_booking(booking.id, actor=OWNER).starts_at == at(DAY, '12:00')


async def test_the_day_views_events_take_no_hostile_arguments(user: User, shop):
    """Another location's booking dragged by a forged event, or nonsense where the grid sends numbers: nothing moves."""
    from tests.factories import make_location, make_service, make_staff_member
    elsewhere = make_location('King St')
    theirs = make_booking(elsewhere, make_staff_member(elsewhere, 'KELLY'), make_service(elsewhere), None,
                          at(DAY, '10:00'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    user.find(marker='day-grid').trigger('move', {'id': theirs.id, 'column': shop['jj'].id, 'minute': 12 * 60})
    await user.should_see('You can only work with your own location.', retries=100)
    assert bookings.get_booking(theirs.id, actor=OWNER).staff_member_id != shop['jj'].id
    for nonsense in ({'id': '1; DROP TABLE booking', 'column': 'x', 'minute': -5}, 'not a dict', {'minute': 1e9}):
        user.find(marker='day-grid').trigger('move', nonsense)
        user.find(marker='day-grid').trigger('slot', nonsense)
    assert bookings.get_booking(theirs.id, actor=OWNER).starts_at == at(DAY, '10:00')
    # a forged "open" of another location's booking is refused; nonsense where an id belongs opens nothing
    user.find(marker='day-grid').trigger('open', theirs.id)
    await user.should_see('You can only work with your own location.', retries=100)
    element(user, 'booking-tabs').set_value('List')  # the list's rows can be clicked too
    for nonsense in ('1; DROP TABLE booking', {'id': 1}, [1, 2], 'x' * 100_000, -1):
        user.find(marker='day-grid').trigger('open', nonsense)
        user.find(marker='booking-list').trigger('rowClick', [{}, {'id': nonsense}, 0])
        user.find(marker='booking-list').trigger('rowClick', nonsense)
    mine = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '11:00'))
    await eventually(lambda: mine.id in drawn(user))
    await click_block(user, mine.id)  # events are handled in order: the nonsense before it opened nothing
    assert [d.props['aria-label'] for d in user.find(kind=ui.dialog).elements] == ["Alex Kim — Women's cut"]


async def test_a_walk_in_sale_of_a_product_and_its_refund_by_a_manager(user: User, shop):
    """A product sold without a booking from the Bookings page; the manager refunds it from the service and the
    stock comes back."""
    from sqlmodel import select

    from app.models import ReceiptLine
    from app.services.catalogue import catalog
    from app.services.database import session_scope
    from app.services.money import checkout
    from tests.factories import make_product
    oil = make_product(shop['location'], 'OIL', 'Argan oil', stock=3)
    await sign_in(user, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    user.find(marker='walk-in-sale').click()
    await user.should_see(marker='checkout-take')
    user.find(marker='checkout-take').click()
    await user.should_see('Add at least one service or product.', retries=100)
    element(user, 'checkout-item').set_value(f'p{oil}')
    user.find(marker='checkout-add').click()
    await user.should_see(marker='checkout-line-0-quantity')
    element(user, 'checkout-line-0-quantity').set_value(2)
    await eventually(lambda: element(user, 'checkout-total').text == 'Total $33.90')  # 2 × 1500 + 13 %
    element(user, 'checkout-pay-0-method').set_value('cash')
    await eventually(lambda: element(user, 'checkout-pay-0-amount').value == 33.9)
    await user.should_see(marker='checkout-pay-0-tendered')  # shown for cash
    element(user, 'checkout-pay-0-tendered').set_value(40)
    user.find(marker='checkout-take').click()
    await user.should_see('change $6.10', retries=100)
    assert catalog.list_products(shop['location'].id, actor=OWNER)[0].stock_on_hand == 1
    sale = receipts.list_receipts(shop['location'].id, actor=OWNER)[0]
    with session_scope() as session:
        line = session.exec(select(ReceiptLine.id).where(ReceiptLine.receipt_id == sale.id)).one()
    checkout.refund(sale.id, {line: 1}, method=PaymentMethod.CASH, reason='damaged bottle', actor=OWNER)
    assert catalog.list_products(shop['location'].id, actor=OWNER)[0].stock_on_hand == 2


async def test_a_gift_card_sold_at_the_desk_then_spent_on_a_product(user: User, shop):
    from app.services.money import gift_cards
    from tests.factories import make_product
    oil = make_product(shop['location'], 'OIL', 'Argan oil', stock=3)  # $15.00 + 13 % = $16.95
    await sign_in(user, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    user.find(marker='walk-in-sale').click()
    await user.should_see(marker='checkout-take')
    element(user, 'checkout-gift-amount').set_value(50)
    user.find(marker='checkout-gift-add').click()
    await eventually(lambda: element(user, 'checkout-total').text == 'Total $50.00')  # no tax on a gift card
    element(user, 'checkout-pay-0-method').set_value('cash')
    user.find(marker='checkout-take').click()
    await user.should_see('gift card code', retries=100)
    sold = receipts.list_receipts(shop['location'].id, actor=OWNER)[0]
    assert sold.amount_cents == 0  # owed to the holder, not revenue
    from app.services.money import checkout
    shown = checkout.receipt_details(sold.id, actor=OWNER)
    assert shown.total_cents == 5000
    from sqlmodel import select

    from app.models import GiftCard
    from app.services.database import session_scope
    with session_scope() as session:
        code = session.exec(select(GiftCard.code)).one()
    assert any(code in message for message in user.notify.messages)  # the desk is told the code to hand over

    user.find(marker='walk-in-sale').click()
    await user.should_see(marker='checkout-take')
    element(user, 'checkout-item').set_value(f'p{oil}')
    user.find(marker='checkout-add').click()
    await eventually(lambda: element(user, 'checkout-total').text == 'Total $16.95')
    element(user, 'checkout-pay-0-method').set_value('gift_card')
    await user.should_see(marker='checkout-pay-0-code')
    user.find(marker='checkout-pay-0-code').type(code.lower())
    user.find(marker='checkout-take').click()
    await user.should_see('Receipt 2', retries=100)
    assert gift_cards.balance(shop['location'].id, code, actor=OWNER).balance_cents == 5000 - 1695
    await user.open(f'/sales?day={DAY.isoformat()}')
    user.find(marker='gift-check-code').type('nonsense')
    user.find(marker='gift-check').click()
    await eventually(lambda: 'No gift card' in (element(user, 'gift-check-code').error or ''))
    element(user, 'gift-check-code').set_value(code.replace('-', ' ').lower())
    user.find(marker='gift-check').click()
    await eventually(lambda: element(user, 'gift-check-balance').text == f'{code}: $33.05 left of $50.00')


async def test_a_deposit_taken_from_the_booking_is_kept_as_a_no_show_fee(user: User, shop):
    from app.services.catalogue import locations
    locations.update_location(shop['location'].id, {**locations.settings_of(shop['location']).model_dump(),
                                                    'deposit_percent': 25}, actor=OWNER)
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await open_booking(user, booking.id, 'Booked')
    assert element(user, 'booking-deposit').text == 'Deposit asked: $20.50'
    user.find(marker='take-deposit').click()
    await user.should_see('Deposit of $20.50 taken.', retries=100)
    await open_booking(user, booking.id, 'Booked')
    assert element(user, 'booking-deposit').text == 'Deposit held: $20.50'
    user.find(marker='to-no_show').click()
    await eventually(lambda: bookings.get_booking(booking.id, actor=OWNER).status == BookingStatus.NO_SHOW)
    fee = [r for r in receipts.list_receipts(shop['location'].id, actor=OWNER) if r.kind == 'sale']
    assert [(r.descriptions, r.amount_cents) for r in fee] == [("No-show fee — Women's cut", 2050)]


async def test_points_spent_on_a_reward_at_checkout_show_on_the_customer_page(user: User, shop):
    from app.services.catalogue import locations
    from app.services.money import checkout, loyalty
    from app.services.money.checkout import Sale, SaleLine
    locations.update_location(shop['location'].id, {**locations.settings_of(shop['location']).model_dump(),
                                                    'loyalty_points_per_unit': 2}, actor=OWNER)
    checkout.check_out(Sale(location_id=shop['location'].id, customer_id=shop['alex'].id, lines=[SaleLine(
        service_id=shop['cut'].id, staff_member_id=shop['jj'].id)], settle_with=PaymentMethod.CARD), actor=OWNER,
        as_of=at(DAY, '09:00'))  # 82 × 2 = 164 points
    ten_off = loyalty.save_reward(None, actor=OWNER, location_id=shop['location'].id, name='$10 off', points=100,
                                  discount_cents=1000)
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await open_booking(user, booking.id, 'Checked in')
    user.find(marker='to-checkout').click()
    await user.should_see(marker='checkout-reward')
    assert element(user, 'checkout-points').text == '164 loyalty points'
    element(user, 'checkout-reward').set_value(ten_off.id)
    await eventually(lambda: element(user, 'checkout-total').text == 'Total $81.36')  # (8200 − 1000) + 13 %
    user.find(marker='checkout-take').click()
    await user.should_see('Receipt 2', retries=100)
    await user.open(f'/customers/{shop["alex"].id}')
    # 164 − 100 + 72 × 2 = 208
    assert element(user, 'customer-points').text == 'Loyalty: 208 points'
    assert [r['kind'] for r in element(user, 'customer-loyalty').rows] == ['earned', 'redeemed', 'earned']
