"""Menus drawn when first asked for: every NiceGUI element costs each open page ~5 KB of server memory, whether or not
anyone opens its menu (a page's header alone has three: the bell, the language, a calendar)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui


def menu_on_press(button: ui.button, fill: Callable[[ui.menu], Any]) -> ui.button:
    """Give ``button`` a menu that ``fill(menu)`` draws inside it on the first press, opened at once; from then on
    Quasar opens and closes it on the button's presses by itself. Returns the button."""
    drawn: list[ui.menu] = []

    def press() -> None:
        if not drawn:
            with button, ui.menu(value=True) as menu:
                fill(menu)
            drawn.append(menu)
    button.on_click(press)
    return button
