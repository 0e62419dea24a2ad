"""API of the exports (filled in by the exports work)."""

from __future__ import annotations

from ninja import Router

router = Router()
