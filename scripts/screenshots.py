"""Take the README's screenshots of a running ClientPulse with headless Chromium (Playwright).

Usage: python scripts/screenshots.py http://127.0.0.1:8080 EMAIL PASSWORD LOCATION_NAME DAY
Needs ``pip install playwright`` and Debian's chromium (/usr/bin/chromium); downloads no browser.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run']
OUT = Path(__file__).resolve().parent.parent / 'docs' / 'screenshots'


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


if __name__ == '__main__':
    main(*sys.argv[1:6])
