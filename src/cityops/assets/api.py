"""HTTP API of the assets domain (thin: parse, call a selector or service, return)."""

from ninja import Router

router = Router()
