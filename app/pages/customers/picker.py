"""The customer picker: a select that searches on the server as the desk types (the booking dialog, the waitlist,
chat, merging a duplicate), holding one page of customers in the browser however many the location has."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui
from nicegui.events import GenericEventArguments

from app.models import CustomerRead, UserRead
from app.pages import language
from app.services.customers import customers
from app.services.errors import ClientPulseError

PAGE = 20
"""Customers shown for what was typed (recent customers first: customers.find_customers)."""


def describe(customer: CustomerRead) -> str:
    """How a customer reads in a picker: ``Sam Lee · LEES01 416-555-0102``."""
    return f'{customer.name} · {customer.code} {customer.phone}'.strip()


class CustomerPicker(ui.select):
    """A customer chooser (``ui.select`` with an input) whose options are the first :data:`PAGE` customers of
    :func:`customers.find_customers` for what is typed: any case, with or without accents, words in any order, a
    phone number in any format, a code or an e-mail; recent customers first. The search runs in a worker thread, the
    answer to an older keystroke arriving late is dropped, and the customer chosen stays an option whatever is
    typed next.

    ``fixed``: options always shown first (``{-1: '+ New customer'}``); ``first``: customers shown before the
    others while nothing is typed (likely duplicates); ``exclude``: customer ids never offered (the customer being
    merged into); ``mark``: a label before some customers' names (``★`` for likely duplicates).
    ``value`` is the chosen customer's id (or a fixed option's key), None for none.
    """

    def __init__(self, user: UserRead, location_id: int, *, label: str, fixed: dict[int, str] | None = None,
                 first: list[CustomerRead] | None = None, exclude: frozenset[int] = frozenset(),
                 mark: Callable[[CustomerRead], str] = lambda _: '',
                 on_change: Callable | None = None, clearable: bool = False) -> None:
        self.user, self.location_id = user, location_id
        self.fixed, self.exclude, self.mark_of = dict(fixed or {}), exclude, mark
        self.first = [c for c in first or [] if c.id not in exclude]
        self.found: dict[int, CustomerRead] = {c.id: c for c in self.first}
        """The customers offered now and the one chosen, by id: what the page knows of the chosen one."""
        self.asked = 0
        super().__init__({**self.fixed, **{c.id: f'{mark(c)}{describe(c)}' for c in self.first}}, label=label,
                         with_input=True, clearable=clearable, on_change=on_change)
        self._props['input-debounce'] = 200  # a search per pause in typing, not per letter
        self.on('input-value', self._on_typed)
        ui.timer(0, lambda: self.search(''), once=True)  # the first page, in a worker thread as the page opens

    @property
    def chosen(self) -> CustomerRead | None:
        """The customer chosen (None for none or a fixed option)."""
        return self.found.get(self.value) if self.value is not None else None

    def choose(self, customer: CustomerRead) -> None:
        """Make ``customer`` an option and choose it (a duplicate found while adding a new customer, say)."""
        self.found[customer.id] = customer
        self._show([customer, *(c for c in self._shown() if c.id != customer.id)])
        self.set_value(customer.id)

    async def _on_typed(self, event: GenericEventArguments) -> None:
        text = str(event.args or '')
        if text in self.options.values():  # Quasar filling the input with an option highlighted or chosen
            return
        await self.search(text)

    def _event_args_to_value(self, e: GenericEventArguments):
        """The option chosen in the browser, by its label as well as its place: a search's answer may have changed
        the options between the browser showing them and the choice arriving (a place alone could then name another
        customer, or none: NiceGUI's IndexError); an option no longer offered leaves the value as it was."""
        if isinstance(e.args, dict) and 'label' in e.args:
            place = e.args.get('value')
            if isinstance(place, int) and 0 <= place < len(self._labels) and self._labels[place] == e.args['label']:
                return self._values[place]
            return next((value for value, label in zip(self._values, self._labels, strict=True)
                         if label == e.args['label']), self.value)
        return super()._event_args_to_value(e)

    async def search(self, text: str) -> list[CustomerRead]:
        """Show the customers matching ``text`` (the chosen one kept); returns them (``[]`` for an answer that came
        after a newer one, which is dropped)."""
        self.asked += 1
        asked = self.asked
        try:
            page = await language.io_bound(customers.find_customers, self.location_id, text[:200], actor=self.user,
                                           limit=PAGE + len(self.exclude) + len(self.first))
        except ClientPulseError as error:
            self.error = str(error)
            return []
        if asked != self.asked or self.is_deleted:
            return []
        first = self.first if not text.strip() else []
        page = [*first, *(c for c in page if c.id not in self.exclude and c not in first)][:PAGE]
        chosen = self.chosen
        self.found = {**({chosen.id: chosen} if chosen else {}), **{c.id: c for c in page}}
        self._show(page)
        return page

    def _shown(self) -> list[CustomerRead]:
        return [self.found[key] for key in self.options if key in self.found]

    def _show(self, page: list[CustomerRead]) -> None:
        chosen = self.chosen
        if chosen is not None and all(c.id != chosen.id for c in page):
            page = [chosen, *page]
        options = {**self.fixed, **{c.id: f'{self.mark_of(c)}{describe(c)}' for c in page}}
        self.set_options(options)
