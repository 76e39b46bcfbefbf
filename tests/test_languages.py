"""Languages of the desk and of the shop: each person chooses their own in the header (else their location's), the
owner sets the location's on the Settings page, and the login page speaks the shop's. The texts checked are the
catalogs' French and Kiswahili: a page left in English, or a catalog without them, fails here."""

from __future__ import annotations

import re

import pytest
from nicegui.testing import User

from app.models import Role
from tests.factories import OWNER
from tests.fixtures.pages import element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def language_choices(user: User):
    """The header's language choices, their menu opened first when it is not drawn yet (drawn on the first press)."""
    try:
        return user.find(marker='user-language-choices')
    except AssertionError:
        user.find(marker='user-language').click()
        return user.find(marker='user-language-choices')


def current_language(user: User) -> str:
    """The choice the header's language menu marks as in use ('location' or a language's code)."""
    choices = language_choices(user).elements.pop().content
    (code,) = re.findall(r'data-language="(\w+)" aria-current="true"', choices)
    return code


async def test_a_pressed_language_that_is_not_offered_changes_nothing(user: User, shop, monkeypatch):
    from app.services.accounts import users
    saved, real = [], users.set_language

    def set_language(code, *, actor):
        saved.append(code)
        return real(code, actor=actor)
    monkeypatch.setattr(users, 'set_language', set_language)
    await sign_in(user, Role.MANAGER, '/activity')
    for sent in ('xx', {'code': 'sw'}, ['sw'], '', None, 'location'):  # what a doctored page could send; 'location'
        language_choices(user).trigger('choose', sent)  # is already the one in use
    language_choices(user).trigger('choose', 'fr')  # then a real choice, after them
    await eventually(lambda: saved == ['fr'])
    manager = next(u for u in users.list_users(actor=OWNER) if u.email == 'manager@shop.test')
    assert users.get_user(manager.id).language == 'fr'


def _set_language(location_id: int, language: str) -> None:
    from app.services.catalogue import locations
    location = locations.get_location(location_id, actor=OWNER)
    locations.update_location(location_id, {**locations.settings_of(location).model_dump(), 'language': language},
                              actor=OWNER)


async def test_a_manager_chooses_kiswahili_and_another_person_of_the_location_still_reads_english(
        user: User, create_user, shop):
    from app.services.accounts import users
    colleague = create_user()
    await sign_in(colleague, Role.STAFF, '/bookings?day=2030-03-04')
    await sign_in(user, Role.MANAGER, '/activity')
    await user.should_see('Activity log')
    assert current_language(user) == 'location'  # "Same as the location" until chosen
    language_choices(user).trigger('choose', 'sw')
    manager = next(u for u in users.list_users(actor=OWNER) if u.email == 'manager@shop.test')
    await eventually(lambda: users.get_user(manager.id).language == 'sw')

    await user.open('/activity')  # what the reload does
    await user.should_see('Kumbukumbu ya shughuli')  # "Activity log"
    await user.should_see('Miadi')  # the navigation's "Bookings"
    assert current_language(user) == 'sw'  # (the menu opened)
    await user.should_see('Sawa na tawi')  # "Same as the location", in the menu
    assert element(user, 'user-language').props['aria-label'] == 'Lugha'
    await user.should_not_see('Activity log')

    await colleague.open('/bookings?day=2030-03-04')
    await colleague.should_see('Bookings')
    await colleague.should_not_see('Miadi')

    language_choices(user).trigger('choose', 'location')  # back to the location's language
    await eventually(lambda: users.get_user(manager.id).language is None)
    await user.open('/activity')
    await user.should_see('Activity log')


async def test_the_owner_sets_the_location_language_and_the_desk_speaks_it(user: User, shop):
    from app.services.catalogue import locations
    location_id = shop['location'].id
    await sign_in(user, Role.OWNER, '/settings')
    await user.should_see(marker='settings-language-help')
    assert element(user, 'settings-language').options == {'en': 'English', 'fr': 'Français', 'sw': 'Kiswahili'}
    assert element(user, 'settings-locale').props['label'] == 'Formats of dates and money'
    element(user, 'settings-language').set_value('fr')
    user.find(marker='settings-save').click()
    await eventually(lambda: locations.get_location(location_id, actor=OWNER).language == 'fr', timeout=10)

    await user.open('/settings')
    await user.should_see('Paramètres de {name}'.replace('{name}', shop['location'].name))
    await user.should_see('Règles de réservation')  # "Booking policy"
    assert element(user, 'settings-slot').options[15] == 'toutes les 15 minutes'  # a plural, the French way
    user.find(marker='settings-reminders').clear().type('2, 2')  # refused by the model, in a worker thread
    user.find(marker='settings-save').click()
    await eventually(lambda: element(user, 'settings-reminders').error == (
        "Le champ « heures des rappels » n'est pas valide : deux rappels au même moment."), timeout=10)


async def test_a_refusal_made_in_a_worker_thread_arrives_in_kiswahili(user: User, shop):
    await sign_in(user, Role.OWNER, '/users')  # first: the login page would speak Kiswahili too
    _set_language(shop['location'].id, 'sw')
    await user.open('/users')
    await user.should_see('Ongeza akaunti')  # "Add an account"
    user.find(marker='new-email').type('someone@shop.test')
    user.find(marker='new-password').type('short')
    user.find(marker='add-account').click()  # users.create_user runs through language.io_bound
    await eventually(lambda: element(user, 'new-password').error == 'Nenosiri linahitaji angalau herufi 8.',
                     timeout=10)


async def test_the_login_page_speaks_the_language_of_the_first_trading_location(user: User, shop):
    await user.open('/login')
    await user.should_see('Sign in to your shop')
    _set_language(shop['location'].id, 'sw')
    await user.open('/login')
    await user.should_see('Ingia kwenye duka lako')
    await user.should_not_see('Sign in to your shop')
