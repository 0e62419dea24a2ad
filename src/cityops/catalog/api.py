"""HTTP API of the catalog domain (thin: parse, call a selector or service, return)."""

from ninja import Router

router = Router()
