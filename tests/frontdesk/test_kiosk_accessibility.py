"""The kiosk and the customer's chat in a real browser (Playwright driving Debian's Chromium), as a screen reader and a
keyboard meet them: one heading per screen, every button named (icon buttons too, in the page's language), the PIN
dialog named, a focus ring that shows, and ``<html lang>`` saying the location's language.

Needs ``/usr/bin/chromium`` (see ``test_two_people.py``).
"""

from __future__ import annotations

from app.models import Role
from app.services.accounts import users
from app.services.customers import chat
from app.services.customers.customers import search_customers
from tests.customers.test_chat import png_bytes
from tests.factories import OWNER
from tests.fixtures.browser import FLAGS, PASSWORD, sign_in  # chromium, served: tests/fixtures/browser.py
from tests.frontdesk.test_kiosk import speak


def _focus_ring(page) -> str:
    """The outline of what the keyboard has reached."""
    return page.evaluate('getComputedStyle(document.activeElement).outlineStyle')


def test_the_kiosk_names_its_screens_buttons_and_dialog(chromium, served):
    from playwright.sync_api import sync_playwright

    location = users.list_users(actor=OWNER)[0].location_id
    users.create_user('kiosk@shop.test', PASSWORD, role=Role.KIOSK, location_id=location, actor=OWNER)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        page = browser.new_context(viewport={'width': 1400, 'height': 900}).new_page()
        sign_in(page, served, 'kiosk@shop.test', '/kiosk')
        page.get_by_role('heading', level=1, name='Welcome!').wait_for(timeout=15_000)
        assert page.locator('h1').count() == 1
        page.get_by_role('button', name='Book a visit').click()
        page.get_by_role('heading', level=1, name='Book a visit').wait_for(timeout=5_000)
        assert page.locator('h1').count() == 1
        page.keyboard.press('Tab')
        assert _focus_ring(page) == 'solid'
        page.get_by_role('button', name='Leave kiosk mode').click()
        page.get_by_role('dialog', name='Staff PIN to leave kiosk mode').wait_for(timeout=5_000)
        browser.close()


def test_the_customers_chat_is_named_in_its_locations_french(chromium, served, tmp_path):
    from playwright.sync_api import sync_playwright

    staff = next(u for u in users.list_users(actor=OWNER) if u.role == Role.STAFF)
    from app.services.catalogue import locations
    location = locations.get_location(staff.location_id, actor=OWNER)
    speak(location, 'fr')
    sam = search_customers(location.id, actor=OWNER)[0]
    conversation = chat.open_conversation(sam.id, actor=OWNER)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        page = browser.new_context(viewport={'width': 1000, 'height': 900}).new_page()
        page.goto(f'{served}/chat/{conversation.access_token}')
        page.get_by_role('heading', level=1, name='Discussion avec le salon — Sam').wait_for(timeout=15_000)
        assert page.locator('h1').count() == 1
        assert page.evaluate('document.documentElement.lang') == 'fr'
        page.get_by_role('button', name='Envoyer').wait_for(timeout=5_000)
        picture = tmp_path / 'colour.png'
        picture.write_bytes(png_bytes())
        with page.expect_file_chooser() as chosen:  # the uploader's button, in words, opens the picker
            page.get_by_role('button', name='Photo ou PDF').click()
        chosen.value.set_files(str(picture))
        page.get_by_text('Pièce jointe : colour.png').wait_for(timeout=10_000)
        page.get_by_label('Écrivez un message').fill('Bonjour')
        page.keyboard.press('Tab')
        page.keyboard.press('Tab')
        assert _focus_ring(page) == 'solid'
        browser.close()
