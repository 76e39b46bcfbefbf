"""What every page gets, the desk's and the public ones (sign-in, setup, online booking, the manage link, the
customer's chat, the kiosk) alike: no motion when the system asks for less (WCAG 2.3.3), and tables that scroll
sideways reachable by the keyboard (2.1.1) under a name (:func:`scrolling`)."""

from __future__ import annotations

from nicegui import app, ui

REDUCED_MOTION = '''
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after {
    animation-duration: .01ms !important; animation-iteration-count: 1 !important;
    transition-duration: .01ms !important; scroll-behavior: auto !important;
  }
}
.q-table__middle:focus-visible { outline: 3px solid #1d4ed8; outline-offset: -3px; }
.q-field--error.q-field--with-bottom { padding-bottom: 0; }
.q-field--error .q-field__bottom--animated { position: static; transform: none; }
.q-field--error .q-field__messages { overflow-wrap: anywhere; }
'''
"""Quasar's transitions (buttons, fields, ripples, dialogs, menus) and spinners stop when the system asks for reduced
motion; a table's scrolling frame shows when the keyboard is on it (dark blue, 6.7:1 on white). A field's error
message takes the lines it needs below the field, pushing what follows down (Quasar keeps it in a 20-pixel strip
drawn over the next row: a refusal on a narrow field was written over the field below it, WCAG 1.4.10)."""

SCROLLING_TABLES = '''<script>
addEventListener("DOMContentLoaded", () => {
  const reach = () => document.querySelectorAll(".q-table__middle.scroll:not([tabindex])").forEach((middle) => {
    middle.tabIndex = 0;
    const name = middle.closest("[data-scroll-name]")?.dataset.scrollName;
    if (name) { middle.setAttribute("role", "region"); middle.setAttribute("aria-label", name); }
  });
  reach();
  new MutationObserver(reach).observe(document.body, {childList: true, subtree: true});
});
</script>'''
"""A table's frame scrolls sideways on a narrow screen (Quasar's ``.q-table__middle``); Quasar gives it no attributes,
so each one is made a stop of the Tab key once drawn (the arrow keys then scroll it), a region named by its table's
``data-scroll-name`` (:func:`scrolling`)."""


DEFINITION_CSS = (
    '.definition{position:relative;display:inline-flex;border:0;background:none;padding:2px;border-radius:50%;'
    'color:#424242;cursor:help}.definition:hover,.definition:focus-visible{background:rgba(0,0,0,.08)}'
    '.definition .tip{display:none;position:absolute;top:100%;left:50%;transform:translateX(-50%);z-index:10;'
    'width:max-content;max-width:16rem;padding:6px 10px;border-radius:4px;background:#616161;color:#fff;'
    'font-size:12px;line-height:1.4;text-align:left;white-space:normal}'
    '.definition:hover .tip,.definition:focus .tip{display:block}')
"""A figure's definition under its info button, shown while the pointer is over it or the keyboard is on it (white
on #616161: 6.2:1), as Quasar's tooltip showed it — but drawn by the browser, not one more element of the page."""


LANGUAGE_CHOICES_CSS = ('.language-choice{display:block;width:100%;min-width:12rem;text-align:left;padding:8px 16px;'
                        'border:0;background:none;font:inherit;color:#1e293b;cursor:pointer}'
                        '.language-choice:hover,.language-choice:focus-visible{background:#f1f5f9}'
                        '.language-choice[aria-current]{color:#3b4a6b;font-weight:600}')
"""The language menu's choices: plain buttons, the one in use in the primary colour (9.5:1 on white) and bold."""


DAY_STEP_CSS = ('.day-step{display:inline-flex;align-items:center;justify-content:center;width:32px;height:32px;'
                'border-radius:50%;color:#1e293b;text-decoration:none}'
                '.day-step:hover,.day-step:focus-visible{background:rgba(0,0,0,.08)}.day-step .q-icon{font-size:24px}')
"""The arrows to the day before and after: round, dark (14:1 on white), shaded under the pointer or the keyboard."""


COLOURS = {'primary': '#3b4a6b', 'secondary': '#c27c5a', 'accent': '#5a8fc2'}
"""Every page's Quasar colours, set once for the whole app (``app.colors``: no colours element in every page):
white on the primary reads at 9:1."""

_installed: list[bool] = []


def install() -> None:
    """At start: every page served gets the rules above and :data:`COLOURS` (once a process: NiceGUI's test harness
    starts per test)."""
    app.colors(**COLOURS)
    if not _installed:
        ui.add_css(REDUCED_MOTION + DEFINITION_CSS + LANGUAGE_CHOICES_CSS + DAY_STEP_CSS, shared=True)
        ui.add_head_html(SCROLLING_TABLES, shared=True)
        _installed.append(True)


def scrolling(table: ui.table, name: str) -> ui.table:
    """Name the frame in which ``table`` scrolls sideways on a phone (``name`` translated: what the table lists), for
    the keyboard's stop on it; returns the table."""
    table.props['data-scroll-name'] = name
    return table
