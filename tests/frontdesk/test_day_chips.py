"""Issue 30: the online booking page's day chips show whole day names in Kiswahili ("Jumamosi", "Alhamisi"), on a
phone (390×844) and a desk (1440×900): no chip clips its text. Needs Chromium (tests/fixtures/browser.py)."""

from __future__ import annotations

from app.services.catalogue import locations
from tests.factories import OWNER
from tests.fixtures.browser import FLAGS

CLIPPED = '''() => [...document.querySelectorAll('.day-chip')].map((chip) => {
    const content = chip.querySelector('.q-btn__content') || chip;
    return {text: chip.innerText.replace(/\\s+/g, ' ').trim(),
            clipped: content.scrollWidth > content.clientWidth + 1 || chip.scrollWidth > chip.clientWidth + 1};
})'''


def test_swahili_day_names_fit_their_chips(chromium, served):
    from playwright.sync_api import sync_playwright

    shop = locations.get_location(1, actor=OWNER)
    locations.update_location(shop.id, {**locations.settings_of(shop).model_dump(mode='json'), 'language': 'sw',
                                        'online_booking': True}, actor=OWNER)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        for width, height in ((390, 844), (1440, 900)):
            page = browser.new_context(viewport={'width': width, 'height': height}).new_page()
            page.goto(f'{served}/book/{shop.id}')
            page.get_by_text("Women's cut").click()
            page.locator('.day-chip').first.wait_for(timeout=15_000)
            chips = page.evaluate(CLIPPED)
            assert len(chips) >= 7 and {c['text'].split(' ')[0] for c in chips} >= {
                'Jumatatu', 'Jumanne', 'Jumatano', 'Alhamisi', 'Ijumaa', 'Jumamosi', 'Jumapili'}
            assert [c['text'] for c in chips if c['clipped']] == [], width
        browser.close()
