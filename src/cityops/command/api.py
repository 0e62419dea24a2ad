"""API of the command app (filled in by the command work)."""

from __future__ import annotations

from ninja import Router

router = Router()
