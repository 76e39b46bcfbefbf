"""The commission and tips report on both databases, worked out by hand: takings per staff member after discounts
and refunds, their rates, tips; as CSV and Excel with names neutralised."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.models import PaymentMethod, Role
from app.services import clock
from app.services.catalogue import staff
from app.services.errors import PermissionDeniedError
from app.services.money import checkout, commission
from app.services.money.checkout import Sale, SaleLine
from tests.factories import OWNER, TZ, actor, make_location, make_product, make_service, make_staff_member

DAY = date(2030, 3, 4)


def test_commission_and_tips_per_staff_member(db):
    location = make_location()
    becky, jj = make_staff_member(location, '=Becky'), make_staff_member(location, 'JJ')
    staff.update_staff_member(becky.id, actor=OWNER, name='=Becky', working_hours=becky.working_hours,
                              service_commission=Decimal('12.5'), product_commission=Decimal('10'))
    staff.update_staff_member(jj.id, actor=OWNER, name='JJ', working_hours=jj.working_hours,
                              service_commission=Decimal('40'))
    cut, oil = make_service(location), make_product(location, 'OIL', 'Oil', stock=9)  # $82.00, $15.00
    at = clock.local_datetime(DAY, 600, TZ)
    # Becky: a cut 10 % off (7380) and two oils (3000), a $5.00 tip
    sold = checkout.check_out(Sale(location_id=location.id, lines=[
        SaleLine(service_id=cut.id, staff_member_id=becky.id, discount_percent=Decimal('10'),
                 discount_reason='first visit'),
        SaleLine(product_id=oil, quantity=2, staff_member_id=becky.id)], tip_cents=500,
        settle_with=PaymentMethod.CARD), actor=OWNER, as_of=at)
    # JJ: a cut (8200), no tip
    checkout.check_out(Sale(location_id=location.id, lines=[SaleLine(service_id=cut.id, staff_member_id=jj.id)],
                            settle_with=PaymentMethod.CASH), actor=OWNER, as_of=at)
    # one of Becky's oils comes back: −1500
    oil_line = next(x.id for x in checkout.receipt_details(sold.receipt_id, actor=OWNER).lines
                    if x.description == 'Oil')
    checkout.refund(sold.receipt_id, {oil_line: 1}, method=PaymentMethod.CARD, reason='leaking', actor=OWNER,
                    as_of=at)
    rows = {r.name: r for r in commission.report(location.id, DAY, DAY, actor=actor(Role.MANAGER, location.id))}
    becky_row, jj_row = rows['=Becky'], rows['JJ']
    assert (becky_row.services_cents, becky_row.products_cents, becky_row.tips_cents) == (7380, 1500, 500)
    assert becky_row.commission_cents == 923 + 150  # 7380 × 12.5 % = 922.5 → 923; 1500 × 10 % = 150
    assert (jj_row.services_cents, jj_row.commission_cents, jj_row.tips_cents) == (8200, 3280, 0)
    assert commission.report(location.id, date(2030, 3, 5), date(2030, 3, 6), actor=OWNER) == []
    with pytest.raises(PermissionDeniedError):
        commission.report(location.id, DAY, DAY, actor=actor(Role.STAFF, location.id))

    csv_text = commission.to_csv(list(rows.values())).decode()
    assert "'=Becky,73.80,12.5,15.00,10,10.73,5.00" in csv_text.replace('\r', '')
    sheet = load_workbook(BytesIO(commission.to_xlsx(list(rows.values()), 'March'))).active
    assert sheet['A3'].value == "'=Becky" and sheet['F3'].value == 10.73
