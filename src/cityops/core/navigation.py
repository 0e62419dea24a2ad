"""The console's navigation (控制台导航): a registry each app fills from its `AppConfig.ready()`.

An entry is one link of the operators' navigation bar: the page's URL name and the roles that see it. The console's
shell renders whatever is registered, in `order`, filtered by the user's roles, so a domain adds its page to the
navigation without the console importing it. The registry knows no domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cityops.core.permissions import holds_any_role

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser


@dataclass(frozen=True)
class NavEntry:
    key: str  # the link's id is `nav-<key>`
    label: Any  # a lazy translation
    url_name: str
    order: int
    # Any one of them shows the link (platform administrators hold all); none: everyone signed in sees it.
    roles: tuple[str, ...] = ()
    # The values of the templates' `page` that mark the link active; none: the key itself.
    pages: tuple[str, ...] = ()

    def is_active(self, page: str) -> bool:
        return page in (self.pages or (self.key,))


_ENTRIES: dict[str, NavEntry] = {}


def nav_entry_register(entry: NavEntry) -> None:
    """Add (or replace, for a reloaded app) one link of the console's navigation."""
    _ENTRIES[entry.key] = entry


def nav_entries() -> list[NavEntry]:
    """Every registered entry, in order."""
    return sorted(_ENTRIES.values(), key=lambda entry: (entry.order, entry.key))


def nav_entries_for_user(user: AnyUser) -> list[NavEntry]:
    """The entries `user` sees, in order: those without roles, and those needing a role the user holds."""
    return [entry for entry in nav_entries() if not entry.roles or holds_any_role(user, *entry.roles)]
