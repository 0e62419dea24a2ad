"""Signals the core sends to the domain apps (which depend on core, never the other way round)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that changed the working calendar (an override or a yearly arrangement), after the
# worktime cache was dropped, with `first` and `last` (the changed dates' range), `actor` and `reason`. A receiver
# brings what it derived from the old calendar up to date (cases: the open stage clocks) and returns a count.
calendar_changed = Signal()
