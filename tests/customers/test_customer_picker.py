"""Issue 33: the customer pickers (booking dialog, waitlist, chat, merge) hold one page of customers and search on the
server as the desk types; a location's 501st and 5,001st customers can be chosen."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import Customer, Role
from app.pages.customers import picker
from app.services.database import session_scope
from app.services.frontdesk import waitlist
from tests.factories import OWNER, make_customer
from tests.fixtures.pages import DAY, choose_customer, element, eventually, new_booking_dialog, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def add_customers(location_id: int, count: int) -> None:
    with session_scope(write=True) as session:
        session.add_all([Customer(location_id=location_id, code=f'W{i:05d}', name=f'Walk In {i:05d}')
                         for i in range(count)])


async def test_the_booking_dialog_holds_a_page_and_finds_a_name_typed_without_its_accents(user: User, shop):
    add_customers(shop['location'].id, 600)
    jose = make_customer(shop['location'], 'José Núñez', '416-555-0199')
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await new_booking_dialog(user)
    chooser = element(user, 'customer')
    await eventually(lambda: len(chooser.options) == picker.PAGE + 1)  # a page and "+ New customer", not 603
    user.find(marker='customer').trigger('inputValue', 'nunez jose')
    await eventually(lambda: list(chooser.options) == [-1, jose.id])
    chooser.set_value(jose.id)
    user.find(marker='customer').trigger('inputValue', 'walk')  # the one chosen stays an option
    await eventually(lambda: len(chooser.options) == picker.PAGE + 2 and chooser.value == jose.id)


async def test_the_waitlist_takes_a_customer_the_first_500_would_have_left_out(user: User, shop):
    add_customers(shop['location'].id, 600)
    last = make_customer(shop['location'], 'Zoë Zuniga', '416-555-0177')  # by name, the 603rd
    await sign_in(user, Role.STAFF, '/waitlist')
    await choose_customer(user, 'wait-customer', last, typed='zoe')
    element(user, 'wait-service').set_value(shop['cut'].id)
    element(user, 'wait-day').set_value(DAY.isoformat())
    user.find(marker='wait-add').click()
    await eventually(lambda: [e.customer_id for e in waitlist.entries(shop['location'].id, actor=OWNER)]
                     == [last.id])


async def test_a_late_answer_to_an_older_search_is_dropped(user: User, shop, monkeypatch):
    import asyncio

    from app.services.customers import customers

    gate = asyncio.Event()
    loop = asyncio.get_running_loop()
    find = customers.find_customers

    def slow_for_alex(location_id, query, **kwargs):  # the search for 'alex' answers after the one for 'sam'
        if query == 'alex':
            asyncio.run_coroutine_threadsafe(gate.wait(), loop).result(timeout=10)
        return find(location_id, query, **kwargs)

    monkeypatch.setattr(customers, 'find_customers', slow_for_alex)
    await sign_in(user, Role.STAFF, '/waitlist')
    chooser = element(user, 'wait-customer')
    older = asyncio.ensure_future(chooser.search('alex'))
    await asyncio.sleep(0)  # its search starts (and waits in its worker thread) first
    assert [c.id for c in await chooser.search('sam')] == [shop['sam'].id]
    gate.set()
    assert await older == []
    assert list(chooser.options) == [shop['sam'].id]


async def test_a_choice_is_read_by_its_label_when_the_options_changed_on_the_way(user: User, shop):
    from nicegui.events import GenericEventArguments

    await sign_in(user, Role.STAFF, '/waitlist')
    chooser = element(user, 'wait-customer')
    await eventually(lambda: set(chooser.options) == {shop['alex'].id, shop['sam'].id})
    sam_label = chooser.options[shop['sam'].id]
    place = list(chooser.options).index(shop['sam'].id)
    assert [c.id for c in await chooser.search('alex')] == [shop['alex'].id]  # Sam's place is gone meanwhile

    def chosen(args) -> int | None:
        return chooser._event_args_to_value(GenericEventArguments(sender=chooser, client=user.client, args=args))

    assert chosen({'value': place, 'label': sam_label}) is None  # no longer offered: nothing chosen, never Alex
    assert chosen({'value': 5, 'label': chooser.options[shop['alex'].id]}) == shop['alex'].id
    label = chooser.options[shop['alex'].id]  # Quasar fills the input with the option the arrow keys reach
    await chooser._on_typed(GenericEventArguments(sender=chooser, client=user.client, args=label))
    assert list(chooser.options) == [shop['alex'].id] and chooser.asked == 2  # no search for an option's label
