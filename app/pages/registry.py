"""The registry of guarded pages (filled by :func:`app.pages.guard.guarded_page`): the navigation and the
route × role test read it, so both follow what the pages declare."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Role


@dataclass(frozen=True)
class PageEntry:
    """One guarded page: where, for whom, its title, and its icon in the navigation (None: not listed)."""

    path: str
    roles: frozenset[Role]
    title: str
    icon: str | None


PAGES: dict[str, PageEntry] = {}
"""Every guarded page by path, in the order declared (the navigation's order)."""


def navigation(role: Role) -> list[PageEntry]:
    """The pages ``role`` may open that are listed in the navigation, in order."""
    return [p for p in PAGES.values() if p.icon is not None and role in p.roles]
