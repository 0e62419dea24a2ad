"""Status callbacks to the systems reports came from (12345 and other platforms): a case event subscriber.

Each state change of a case that an integration's report is linked to (`ExternalReport`, from an active source
with a callback URL) is POSTed to that source, signed with the secret it signs its own reports with, through the
outbox. It runs after the change commits (`cases.subscribers`). A new case's `case.reported` is left to the intake
that linked its report (`integrations.services.external_report_receive`): a case being reported has no report linked unless
that intake made it, and every other report (the batch door's thousands) would cost a query to find none.
"""

from __future__ import annotations

from collections.abc import Sequence

from cityops.cases.models import CaseEvent
from cityops.cases.subscribers import case_event_subscribe
from cityops.intake.models import ExternalReport, IntegrationSource
from cityops.notify.backends import SECRET_REF_KEY, register_secret_resolver
from cityops.notify.models import Channel
from cityops.notify.outbox import outbox_enqueue


def _source_secret(ident: str) -> str:
    """The signing secret of integration source `ident` (its pk), for the outbox's webhook backend."""
    if not ident.isdigit():
        return ""
    return IntegrationSource.objects.filter(pk=int(ident)).values_list("secret", flat=True).first() or ""


def status_callbacks(events: Sequence[CaseEvent]) -> None:
    """Tell the systems a case came from of each state change of it (a case event subscriber, after commit)."""
    for event in events:
        if event.from_state == event.to_state or event.action == "case.reported":
            continue  # not a change of state, or a new case: its intake sends that callback itself
        reports = (
            ExternalReport.objects.filter(case_id=event.case_id, source__is_active=True)
            .exclude(source__callback_url="")
            .select_related("source")
        )
        for report in reports:
            status_callback_enqueue(report=report, event=event)


def status_callback_enqueue(*, report: ExternalReport, event: CaseEvent) -> None:
    """Queue a signed status callback (POST JSON) to the report's source about a case event."""
    body = {
        "external_id": report.external_id,
        "case_number": event.case.number,
        "event": event.action,
        "from_state": event.from_state,
        "state": event.to_state,
        "at": event.at.isoformat(),
    }
    payload = {"body": body, SECRET_REF_KEY: f"integration:{report.source_id}"}
    outbox_enqueue(channel=Channel.WEBHOOK, to=report.source.callback_url, payload=payload, case=event.case)


def connect() -> None:
    """Subscribe to case events and sign callbacks with the source's secret (called once from the app's ready())."""
    case_event_subscribe("intake.status_callbacks", status_callbacks)
    # Status callbacks are signed with the secret the source signs its own reports with ("integration:<pk>");
    # "intake.source:<pk>" is the same secret under the name the outbox knew it by before.
    register_secret_resolver("integration", _source_secret)
    register_secret_resolver("intake.source", _source_secret)
