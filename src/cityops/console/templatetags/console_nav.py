"""The console shell's navigation: the registered entries the user sees, with the current page's marked."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from cityops.core.navigation import nav_entries_for_user

register = template.Library()


@register.simple_tag(takes_context=True)
def console_nav(context: template.Context) -> list[dict[str, Any]]:
    """[{'key', 'label', 'url', 'active'}] for the navigation bar; `page` in the context names the current page."""
    page = str(context.get("page") or "")
    return [
        {
            "key": entry.key,
            "label": entry.label,
            "url": reverse(entry.url_name),
            "active": entry.is_active(page),
        }
        for entry in nav_entries_for_user(context["user"])
    ]
