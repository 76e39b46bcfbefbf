"""The customer's pages zoomed to 200 % (WCAG 1.4.4, 1.4.10) and with reduced motion asked for (2.3.3), in Debian's
Chromium: a 1280×900 screen at 200 % is 640×450 CSS pixels at a device scale factor of 2; no page may then scroll
sideways. With ``prefers-reduced-motion: reduce`` no CSS animation or transition may last longer than 0.01 s.
"""

from __future__ import annotations

import re
from datetime import timedelta

from tests.fixtures.browser import Site

WAIT = 15_000
ZOOMED = {'viewport': {'width': 640, 'height': 450}, 'device_scale_factor': 2}
WIDE = '() => ({scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth})'
MOVING = '''() => {
    const seconds = (value) => Math.max(...value.split(',').map(v => v.trim().endsWith('ms') ? parseFloat(v) / 1000
                                                                                                : parseFloat(v) || 0));
    const running = document.getAnimations().filter(a => (a.effect?.getComputedTiming().duration || 0) > 10)
        .map(a => `running: ${a.constructor.name} ${a.animationName || a.transitionProperty || ''} on `
                  + `${a.effect?.target?.className || a.effect?.target?.tagName}`);
    const declared = [];
    for (const element of document.querySelectorAll('body *')) {
        if (!element.getClientRects().length) continue;  // not shown
        const style = getComputedStyle(element);
        const transition = seconds(style.transitionDuration), animation = style.animationName !== 'none' ?
            seconds(style.animationDuration) : 0;
        if (transition > 0.01 || animation > 0.01)
            declared.push(`${element.tagName.toLowerCase()}.${String(element.className).split(' ')[0]}: `
                          + `transition ${style.transitionDuration}, animation ${style.animationName} `
                          + `${style.animationDuration}`);
    }
    return [...running, ...new Set(declared)];
}'''


def customer_pages(page, site: Site, shop, at: str):
    """The customer's pages and steps, yielding each one's name once it is shown (``at``: the free time chosen)."""
    page.goto(f'{site.url}/book/{shop.location_id}')
    page.get_by_text('Choose a service').wait_for(timeout=WAIT)
    yield 'online: services'
    page.get_by_text("Women's cut").click()
    page.get_by_text('Choose a time').wait_for(timeout=WAIT)
    day = shop.today + timedelta(days=2)
    page.locator('button').filter(has_text=re.compile(rf'^\s*\w+\s+{day.day}\s*$')).first.click()
    page.get_by_text(f'{day:%B} {day.day}, {day.year}').first.wait_for(timeout=WAIT)
    yield 'online: times'
    page.get_by_role('button', name=at, exact=True).click()
    page.get_by_label('Name').wait_for(timeout=WAIT)
    yield 'online: details'
    page.goto(site.url + shop.manage)
    page.get_by_text('Free cancellation until').wait_for(timeout=WAIT)
    yield 'manage'
    page.get_by_role('button', name='Move').click()
    page.get_by_text('Choose a new time').wait_for(timeout=WAIT)
    page.locator('button').filter(has_text=re.compile(rf'^\s*\w+\s+{day.day}\s*$')).first.click()
    page.get_by_text(f'{day:%B} {day.day}, {day.year}').first.wait_for(timeout=WAIT)
    yield 'manage: move'
    page.goto(site.url + shop.chat)
    page.get_by_text('Of course, see you then!').wait_for(timeout=WAIT)
    yield 'chat'
    page.goto(f'{site.url}/login')
    page.get_by_role('button', name='Sign in').wait_for(timeout=WAIT)
    yield 'login'


def test_at_200_percent_zoom_no_customer_page_scrolls_sideways(browser, site: Site, browser_shop):
    context = browser.new_context(**ZOOMED)
    page = context.new_page()
    wide = {}
    try:
        for name in customer_pages(page, site, browser_shop, '10:00'):
            page.wait_for_timeout(300)
            found = page.evaluate(WIDE)
            if found['scroll'] > found['client'] + 1:
                wide[name] = found
    finally:
        context.close()
    assert wide == {}


def test_with_reduced_motion_asked_for_nothing_moves_on_the_customer_pages(browser, site: Site, browser_shop):
    context = browser.new_context(reduced_motion='reduce', viewport={'width': 390, 'height': 844})
    page = context.new_page()
    moving = {}
    try:
        for name in customer_pages(page, site, browser_shop, '11:00'):
            found = page.evaluate(MOVING)
            if found:
                moving[name] = found[:5]
    finally:
        context.close()
    assert moving == {}
