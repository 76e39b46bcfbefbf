"""Figure cards as one element (``figure_cards.js``): a title, the definition under a keyboard-reachable info button,
and the value, for each card. Every element costs each open page ~4–5 KB of server memory; a card drawn from six
elements (card, row, title, icon, tooltip, value) cost the Analytics page ~140 elements."""

from __future__ import annotations

from nicegui.element import Element

from app import live


class FigureCards(live.SearchableText, Element, component='figure_cards.js'):
    """Cards in a row that wraps: ``cards`` (``[{mark, title, definition}]``; the dashboard shares its list between
    every dashboard in a language) and ``values`` (mark → the figure as text: on the dashboard the room's ``cards``
    part, shared by every dashboard of the room)."""

    def __init__(self, cards: list[dict], values: dict[str, str]) -> None:
        super().__init__()
        live.set_prop(self, 'cards', cards)
        live.set_prop(self, 'values', values)

    def value(self, mark: str) -> str:
        """The figure ``mark`` as shown, e.g. ``value('revenue-today') == '$82.00'``.

        :raises KeyError: no card ``mark`` here"""
        return self.props['values'][mark]

    def searchable_text(self) -> list[str]:
        """The titles and the figures (what ``user.should_see`` finds)."""
        return [*(card['title'] for card in self.props['cards']), *self.props['values'].values()]
