"""Take the README's screenshots of a running ClientPulse with headless Chromium (Playwright).

Usage: python scripts/screenshots.py http://127.0.0.1:8080 EMAIL PASSWORD LOCATION_NAME DAY
       python scripts/screenshots.py analytics http://127.0.0.1:8080 EMAIL PASSWORD LOCATION_ID START END NAME
       python scripts/screenshots.py campaign http://127.0.0.1:8080 EMAIL PASSWORD CAMPAIGN_ID
(the second: the Analytics page of one location over START … END, each tab, at desktop and phone width, as
``analytics-NAME-<tab>[-phone].png``; the third: the Campaigns page and one campaign's performance, at desktop and
phone width, as ``campaigns[-phone].png`` and ``campaign-performance[-phone].png``; ``scripts/demo_campaign.py``
sends one on the demo)
Needs ``pip install playwright`` and Debian's chromium (/usr/bin/chromium); downloads no browser.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run']
OUT = Path(__file__).resolve().parent.parent / 'docs' / 'screenshots'


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f'{base}/login')
    page.get_by_label('Email').fill(email)
    page.get_by_label('Password').fill(password)
    page.get_by_role('button', name='Sign in').click()
    page.wait_for_url(lambda url: '/login' not in url)


def main(base: str, email: str, password: str, location: str, day: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=FLAGS)
        page = browser.new_page(viewport={'width': 1440, 'height': 1000})
        page.goto(f'{base}/login')
        page.get_by_label('Email').fill(email)
        page.get_by_label('Password').fill(password)
        page.get_by_role('button', name='Sign in').click()
        page.wait_for_selector('text=Revenue, last 30 days')
        page.get_by_label('Location').click()
        page.get_by_role('option', name=location).click()
        page.wait_for_timeout(1500)
        page.goto(f'{base}/?day={day}')
        page.wait_for_timeout(2500)
        page.screenshot(path=str(OUT / 'dashboard.png'), full_page=True)
        page.goto(f'{base}/bookings?day={day}')
        page.wait_for_timeout(2000)
        page.screenshot(path=str(OUT / 'bookings-day.png'), full_page=True)
        page.get_by_role('tab', name='List').click()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(OUT / 'bookings-list.png'), full_page=True)
        browser.close()


def analytics(base: str, email: str, password: str, location_id: str, start: str, end: str, name: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=FLAGS)
        for suffix, viewport in (('', {'width': 1440, 'height': 1000}), ('-phone', {'width': 390, 'height': 844})):
            page = browser.new_page(viewport=viewport)
            _sign_in(page, base, email, password)
            page.goto(f'{base}/analytics?location={location_id}&start={start}&end={end}')
            page.wait_for_selector('text=Booked value', timeout=120_000)
            page.wait_for_timeout(3000)  # the charts animate in
            for tab in ('Revenue', 'Customers', 'Operations', 'Forecast'):
                page.get_by_role('tab', name=tab).click()
                page.wait_for_timeout(2500)
                page.screenshot(path=str(OUT / f'analytics-{name}-{tab.lower()}{suffix}.png'), full_page=True)
            page.close()
        browser.close()


def campaign(base: str, email: str, password: str, campaign_id: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=FLAGS)
        for suffix, viewport in (('', {'width': 1440, 'height': 1000}), ('-phone', {'width': 390, 'height': 844})):
            page = browser.new_page(viewport=viewport)
            _sign_in(page, base, email, password)
            page.goto(f'{base}/campaigns?segment=lapsed')
            page.wait_for_selector('text=reachable by', timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(OUT / f'campaigns{suffix}.png'), full_page=True)
            page.goto(f'{base}/campaigns/{campaign_id}')
            page.wait_for_selector('text=Incremental ROI', timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(OUT / f'campaign-performance{suffix}.png'), full_page=True)
            page.close()
        browser.close()


if __name__ == '__main__':
    if sys.argv[1] == 'analytics':
        analytics(*sys.argv[2:9])
    elif sys.argv[1] == 'campaign':
        campaign(*sys.argv[2:6])
    else:
        main(*sys.argv[1:6])
