"""The console's navigation registry: apps add their links when they load, the shell shows those the user's roles
allow, in order."""

from __future__ import annotations

from dataclasses import dataclass, field

from cityops.core.navigation import nav_entries, nav_entries_for_user

EVERYONE = ["queue", "search", "report", "evaluation", "exports"]


@dataclass
class Staff:
    roles: set[str] = field(default_factory=set)
    is_superuser: bool = False

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def keys(entries) -> list[str]:
    return [entry.key for entry in entries]


def test_the_installed_apps_register_their_links_in_the_order_of_the_bar():
    assert keys(nav_entries()) == [
        "queue",
        "search",
        "report",
        "hotline",
        "moderation",
        "command",
        "evaluation",
        "analytics",
        "monthly",
        "exports",
    ]


def test_a_user_without_roles_sees_only_the_links_that_need_none():
    assert keys(nav_entries_for_user(Staff())) == EVERYONE


def test_a_role_adds_the_links_that_name_it():
    assert keys(nav_entries_for_user(Staff({"handler"}))) == [
        "queue",
        "search",
        "report",
        "evaluation",
        "analytics",
        "monthly",
        "exports",
    ]
    assert keys(nav_entries_for_user(Staff({"acceptor"}))) == keys(nav_entries())


def test_platform_administrators_see_every_link():
    assert keys(nav_entries_for_user(Staff(is_superuser=True))) == keys(nav_entries())
    assert keys(nav_entries_for_user(Staff({"admin"}))) == keys(nav_entries())


def test_a_link_is_marked_active_on_its_own_pages():
    entries = {entry.key: entry for entry in nav_entries()}
    assert entries["queue"].is_active("queue") and not entries["queue"].is_active("search")
    assert all(entries["analytics"].is_active(page) for page in ("index", "highs", "forecast"))
    assert entries["monthly"].is_active("monthly-report") and not entries["monthly"].is_active("monthly")
