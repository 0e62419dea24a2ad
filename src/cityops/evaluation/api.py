"""API of the evaluation app (filled in by the evaluation work)."""

from __future__ import annotations

from ninja import Router

router = Router()
