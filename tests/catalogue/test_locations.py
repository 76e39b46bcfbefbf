"""A location's settings: checked field by field (nothing saved on a refusal), owner only, live and logged."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.models import ActivityEntry, Role
from app.services import events
from app.services.catalogue import locations
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError, ValidationError
from tests.factories import OWNER, actor

GOOD = {'name': 'Rue Sainte-Catherine', 'address': '1 Rue Sainte-Catherine, Montréal', 'phone': '+1 514 555 0100',
        'time_zone': 'America/Montreal', 'currency': 'cad', 'country': 'ca', 'locale': 'fr_CA',
        'prices_include_tax': False,
        'tax_rates': [{'name': 'TPS', 'percent': '5', 'services': True, 'products': True},
                      {'name': 'TVQ', 'percent': '9,975', 'services': True, 'products': False}],
        'opening_hours': [{'weekday': 1, 'start_minute': 540, 'end_minute': 720},
                          {'weekday': 1, 'start_minute': 780, 'end_minute': 1080}],
        'closures': [{'start': '2030-12-25', 'end': '2030-12-26', 'reason': 'Noël'}],
        'slot_minutes': 15, 'min_notice_minutes': 60, 'horizon_days': 60, 'buffer_minutes': 5,
        'cancellation_hours': 24}


def test_a_location_is_opened_with_its_settings_and_changes_are_live_and_logged(db):
    heard: list[events.Event] = []
    events.subscribe(heard.append)
    try:
        made = locations.create_location(GOOD, actor=OWNER)
        changed = locations.update_location(made.id, {**GOOD, 'buffer_minutes': 10}, actor=OWNER)
    finally:
        events.unsubscribe(heard.append)
    assert (made.currency, made.country, made.locale, made.time_zone) == ('CAD', 'CA', 'fr_CA', 'America/Montreal')
    assert made.tax_rates[1] == {'name': 'TVQ', 'percent': '9.975', 'services': True, 'products': False}
    assert len(made.opening_hours) == 2 and made.closures[0]['start'] == '2030-12-25'
    assert changed.buffer_minutes == 10
    assert locations.settings_of(changed).buffer_minutes == 10
    assert [type(e).__name__ for e in heard] == ['LocationChanged', 'LocationChanged']
    with session_scope() as session:
        logged = list(session.exec(select(ActivityEntry.action).where(ActivityEntry.location_id == made.id)
                                   .order_by(ActivityEntry.id)))
    assert logged == ['location_created', 'location_changed']


@pytest.mark.parametrize(('change', 'field'), [
    ({'time_zone': 'Mars/Olympus'}, 'time_zone'),
    ({'currency': 'XXQ'}, 'currency'),
    ({'country': 'QQ'}, 'country'),
    ({'locale': 'zz_ZZ'}, 'locale'),
    ({'name': '   '}, 'name'),
    ({'slot_minutes': 7}, 'slot_minutes'),
    ({'buffer_minutes': -5}, 'buffer_minutes'),
    ({'tax_rates': [{'name': 'VAT', 'percent': '120'}]}, 'tax_rates'),
    ({'tax_rates': [{'name': 'VAT', 'percent': 'lots'}]}, 'tax_rates'),
    ({'opening_hours': [{'weekday': 0, 'start_minute': 600, 'end_minute': 540}]}, 'opening_hours'),
    ({'opening_hours': [{'weekday': 0, 'start_minute': 540, 'end_minute': 720},
                        {'weekday': 0, 'start_minute': 700, 'end_minute': 900}]}, 'opening_hours'),
    ({'tax_rates': [{'name': 'VAT', 'percent': '5'}, {'name': 'vat', 'percent': '7'}]}, 'tax_rates'),
    ({'closures': [{'start': '2030-12-26', 'end': '2030-12-25'}]}, 'closures'),
    ({'high_risk_action': "'; DROP TABLE booking; --"}, 'high_risk_action'),
    ({'high_risk_action': 'x' * 10_000}, 'high_risk_action'),
])
def test_a_bad_setting_names_its_field_and_saves_nothing(db, change, field):
    made = locations.create_location(GOOD, actor=OWNER)
    with pytest.raises(ValidationError) as refused:
        locations.update_location(made.id, {**GOOD, **change}, actor=OWNER)
    assert refused.value.field == field
    assert locations.get_location(made.id, actor=OWNER) == made


def test_only_the_owner_opens_or_changes_locations_and_names_stay_unique(db):
    made = locations.create_location(GOOD, actor=OWNER)
    with pytest.raises(PermissionDeniedError):
        locations.update_location(made.id, {**GOOD, 'name': 'Mine now'}, actor=actor(Role.MANAGER, made.id))
    with pytest.raises(PermissionDeniedError):
        locations.create_location({**GOOD, 'name': 'Second'}, actor=actor(Role.MANAGER, made.id))
    with pytest.raises(ValidationError) as taken:
        locations.create_location(GOOD, actor=OWNER)
    assert taken.value.field == 'name'


def test_archiving_hides_a_location_but_never_the_last_one_trading(db):
    first = locations.create_location(GOOD, actor=OWNER)
    with pytest.raises(ValidationError):
        locations.set_archived(first.id, True, actor=OWNER)
    second = locations.create_location({**GOOD, 'name': 'Plateau'}, actor=OWNER)
    locations.set_archived(first.id, True, actor=OWNER)
    assert [x.id for x in locations.list_locations(actor=OWNER)] == [second.id]
    assert {x.id for x in locations.list_locations(actor=OWNER, include_archived=True)} == {first.id, second.id}


def test_a_list_of_services_names_a_repeat_within_the_list_and_saves_none(db):
    from app.models import ServiceCreate
    from app.services.catalogue import catalog
    made = locations.create_location(GOOD, actor=OWNER)
    twice = [ServiceCreate(location_id=made.id, code='', name=n, price_cents=100, duration_minutes=30)
             for n in ('Cut', 'Colour', 'cut')]
    with pytest.raises(ValidationError) as repeated:
        catalog.create_services(twice, actor=OWNER)
    assert repeated.value.field == 'name'
    assert catalog.list_services(made.id, actor=OWNER) == []
    codes = [s.code for s in catalog.create_services([*twice[:2], twice[0].model_copy(update={'name': 'Cut long'})],
                                                     actor=OWNER)]
    assert codes == ['CUT', 'COLOUR', 'CUTLON'] and len(set(codes)) == 3


def test_a_refusal_names_a_plural_field_in_plain_grammar(db):
    """Not "The tax rates is not valid": the field's name as "the … field", whatever its number."""
    wrong = [{'name': 'TPS', 'percent': '120', 'services': True, 'products': True}]
    with pytest.raises(ValidationError) as refused:
        locations.check_settings({**GOOD, 'tax_rates': wrong})
    assert refused.value.field == 'tax_rates'
    assert str(refused.value) == 'The tax rates field is not valid: a rate is between 0 and 100 percent.'


@pytest.mark.parametrize(('language', 'overlap', 'too_long', 'grid'), [
    ('en', 'The opening hours field is not valid: two opening stretches on Tuesday overlap.',
     'The name may be at most 120 characters.',
     'The slot minutes field is not valid: free times start every 5, 10, 15, 20, 30, 60 minutes.'),
    ('fr', "Le champ « horaires d'ouverture » n'est pas valide : deux plages d'ouverture se chevauchent le mardi.",
     'Le champ « nom » ne peut dépasser 120 caractères.', "Le champ « intervalle des créneaux » n'est pas valide : les "
     'créneaux libres commencent toutes les 5, 10, 15, 20, 30, 60 minutes.'),
    ('sw', 'Sehemu ya «saa za kufungua» si sahihi: vipindi viwili vya kufungua vinaingiliana siku ya Jumanne.',
     'Sehemu ya «jina» inaweza kuwa na herufi 120 au pungufu.', 'Sehemu ya «dakika za nafasi» si sahihi: nafasi huru '
     'huanza kila dakika 5, 10, 15, 20, 30, 60.'),
])
def test_refusals_of_the_settings_are_in_the_readers_language_day_names_and_plurals_included(
        db, language: str, overlap: str, too_long: str, grid: str):
    from app.services import i18n
    overlapping = [{'weekday': 1, 'start_minute': 540, 'end_minute': 720},
                   {'weekday': 1, 'start_minute': 700, 'end_minute': 1080}]
    with i18n.speaking(language):
        for values, said in (({'opening_hours': overlapping}, overlap), ({'name': 'x' * 121}, too_long),
                             ({'slot_minutes': 7}, grid)):
            with pytest.raises(ValidationError) as refused:
                locations.check_settings({**GOOD, **values})
            assert str(refused.value) == said


@pytest.mark.parametrize(('language', 'said'), [('en', 'The password needs at least 8 characters.'),
                                                 ('fr', 'Le mot de passe doit compter au moins 8 caractères.'),
                                                 ('sw', 'Nenosiri linahitaji angalau herufi 8.')])
def test_a_short_password_is_refused_in_the_readers_language(db, language: str, said: str):
    from app.services import i18n
    from app.services.accounts import users
    with i18n.speaking(language), pytest.raises(ValidationError, match=said):
        users.check_new_password('a@b.test', 'short')
