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


COLOURS = {'primary': '#3b4a6b', 'secondary': '#c27c5a', 'accent': '#5a8fc2'}
"""Every page's Quasar colours, set once for the whole app (``app.colors``: no colours element in every page):
white on the primary reads at 9:1."""

_installed: list[bool] = []


def install() -> None:
    """At start: every page served gets the rules above and :data:`COLOURS` (once a process: NiceGUI's test harness
    starts per test)."""
    app.colors(**COLOURS)
    if not _installed:
        ui.add_css(REDUCED_MOTION, shared=True)
        ui.add_head_html(SCROLLING_TABLES, shared=True)
        _installed.append(True)


def scrolling(table: ui.table, name: str) -> ui.table:
    """Name the frame in which ``table`` scrolls sideways on a phone (``name`` translated: what the table lists), for
    the keyboard's stop on it; returns the table."""
    table.props['data-scroll-name'] = name
    return table
