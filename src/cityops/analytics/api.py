"""API of the analytics app (filled in by the analytics work)."""

from __future__ import annotations

from ninja import Router

router = Router()
