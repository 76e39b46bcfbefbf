"""Issue 29, the catalogue, staff, customers and Messages pages in French and Kiswahili: a location that speaks
another language shows its words (and no longer the English ones), counts take the language's plural, a refusal made
in a worker thread arrives in the reader's language, and the message texts the editor shows are the location's (what
its customers receive) even when the reader chose another language."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import Role
from app.services.accounts import users
from app.services.catalogue import locations
from app.services.i18n import ngettext, speaking
from tests.factories import OWNER
from tests.fixtures.pages import PASSWORD, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')


def _speak(shop, language: str, locale: str = 'en_KE') -> None:
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'language': language,
                                            'locale': locale}, actor=OWNER)


async def test_the_customer_list_and_a_customer_in_kiswahili(user: User, shop):
    _speak(shop, 'sw')
    await sign_in(user, Role.STAFF, '/customers')
    await user.should_see('Mteja mpya', retries=100)  # "New customer"
    await user.should_see('Wateja 2')  # two customers: the plural form
    await user.should_not_see('New customer')
    assert [c['label'] for c in element(user, 'customer-list').columns][:3] == ['Msimbo', 'Jina', 'Simu']
    await user.open(f'/customers/{shop["alex"].id}')
    await user.should_see(marker='customer-totals', retries=100)
    assert element(user, 'customer-totals').text.startswith('miadi 0 · risiti 0 · ')
    assert element(user, 'customer-points').text == 'Uaminifu: pointi 0'
    await user.should_see('Hariri')  # "Edit"
    await user.should_not_see('Merge a duplicate')


async def test_counts_take_each_languages_plural():
    with speaking('en'):
        assert [ngettext('{n} customer', '{n} customers', n).format(n=n) for n in (0, 1, 2)] == [
            '0 customers', '1 customer', '2 customers']
    with speaking('fr'):  # French: 0 and 1 are singular
        assert [ngettext('{n} receipt', '{n} receipts', n).format(n=n) for n in (0, 1, 2)] == [
            '0 reçu', '1 reçu', '2 reçus']
    with speaking('sw'):
        assert [ngettext('{n} customer', '{n} customers', n).format(n=n) for n in (1, 2)] == ['Mteja 1', 'Wateja 2']


async def test_the_services_and_staff_pages_in_french(user: User, shop):
    _speak(shop, 'fr', 'en_CA')
    await sign_in(user, Role.OWNER, '/catalog')
    await user.should_see('Ajouter une prestation', retries=100)
    await user.should_not_see('Add a service')
    rows = {r['name']: r for r in element(user, 'service-list').rows}
    assert (rows["Women's cut"]['duration'], rows["Women's cut"]['status']) == ('45 min', 'au menu')
    user.find(marker='service-list').trigger('rowClick', [{}, {'id': shop['cut'].id}, 0])
    await user.should_see(marker='service-save')
    element(user, 'service-name').set_value(' ')
    user.find(marker='service-save').click()  # no name: refused in the worker thread, in French
    await eventually(lambda: element(user, 'service-name').error == 'Donnez un nom à la prestation.')
    await user.open('/staff')
    await user.should_see('Ajouter un membre du personnel', retries=100)
    labels = [c['label'] for c in element(user, 'staff-list').columns]
    assert labels[:3] == ['Membre du personnel', 'Actif', 'lun.']
    assert {r['active'] for r in element(user, 'staff-list').rows} == {'oui'}


async def test_the_messages_editor_shows_the_locations_texts_and_tells_the_reader_in_their_language(user: User,
                                                                                                     shop):
    """A Kiswahili location whose owner reads French: the default texts and the preview's sample are Kiswahili (what
    the customers get), the page and its refusals French."""
    _speak(shop, 'sw')
    owner = users.authenticate(f'{Role.OWNER.value}@shop.test', PASSWORD)
    users.set_language('fr', actor=owner)
    await sign_in(user, Role.OWNER, '/messages')
    await user.should_see(marker='text-body', retries=100)
    await user.should_see('Messages aux clients')
    body = element(user, 'text-body')
    assert body.value.startswith('Habari {{ customer_name }},\n\nmiadi yako imethibitishwa: {{ service }} na')
    # the preview fills in the location's own first service and staff member (issue 30)
    await eventually(lambda: "Women's cut na JJ" in element(user, 'text-preview').text)
    assert element(user, 'text-subject').value == 'Miadi yako katika {{ location_name }}: {{ date }}, saa {{ time }}'
    body.set_value('{% for a in range(3) %}{% endfor %}')
    await eventually(lambda: 'Les boucles ne sont pas autorisées dans un texte de message (ligne 1).'
                     in (body.error or ''))
    body.set_value('Habari {{ customer_name }}, {{ umbrella }}')
    await eventually(lambda: 'Champ inconnu {{ umbrella }} (ligne 1).' in (body.error or ''))
