"""The counters (计数项) of each subject kind: the fixed vocabulary an indicator's formula is written in.

A counter is a number per subject and period read from `CaseFact` with one aggregate per group of
counters that share an attribution (the CaseFact field naming the subject) and a period attribute:

- report-side counters (reports, acceptance, verification and its hand-off) count a case in the period of its
  `reported_at`; registration and everything after it in the period of its `registered_at`;
- a counter is a sum of parts; each part attributes a case to a subject, keeps the cases matching its
  predicate, and counts them (or sums one of their round counters, e.g. `dispatches`);
- "overdue" is judged at the evaluation moment `now`: a stage still running whose deadline has passed and
  whose clock is not paused (a suspended case is never overdue; an extension already moved the deadline).

The same parts give the drill-down: the cases behind a count are exactly the cases its parts kept.
`docs/evaluation.md` lists every counter with its predicate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Expression, F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from cityops.cases.models import CaseState, Source
from cityops.catalog.models import Stage
from cityops.evaluation.kinds import SubjectKind

K = SubjectKind
S = CaseState
REPORTED, REGISTERED = "reported_at", "registered_at"
# States in which the department's disposal (处置) is done (and not sent back as rework).
HANDLED_STATES = (S.HANDLED, S.CHECKING, S.CHECKED, S.CLOSED)

Where = Callable[[datetime], Q]

# How a group of parts names its subject: a CaseFact expression (grouped on) per attribution key.
SUBJECT_EXPRESSIONS: dict[str, Any] = {
    "reporter": F("reporter_id"),
    "verifier": F("verifier_id"),
    "checker": F("checker_id"),
    # The inspectors responsible for the case's grid (geo Region.inspectors): one row per inspector.
    "grid_inspector": F("grid__inspectors"),
    "acceptor": F("acceptor_id"),
    # The acceptor who sent the case to check, or (not sent yet) the acceptor who took the report in.
    "check_handoff": Coalesce("check_sender_id", "acceptor_id"),
    "registrar": F("registrar_id"),
    # The shift leader who closed the case, or (not closed yet) the one who registered it.
    "closing": Coalesce("closer_id", "registrar_id"),
    "dispatcher": F("dispatcher_id"),
    "department": F("department_id"),
    "grid": F("grid_id"),
    "community": F("community_id"),
    "street": F("street_id"),
    "district": F("district_id"),
}


def overdue(now: datetime) -> Q:
    """Still open at `now`, its running stage past its deadline and not paused (挂账 stops the clock)."""
    return Q(open_deadline__lt=now, open_paused=False) & ~Q(state__in=[S.CLOSED, S.VOIDED])


@dataclass(frozen=True)
class Part:
    """Cases attributed to a subject through `subject`, kept by `where(now)`, counted or summed (`total`)."""

    subject: str
    where: Where
    total: str | Expression | None = None  # None: count the cases; else sum this field or expression
    text: str = ""  # the predicate in words, for the documentation and the scheme API


@dataclass(frozen=True)
class Counter:
    code: str
    label: Any  # lazy translation
    period: str  # "reported_at" or "registered_at"
    parts: tuple[Part, ...]


def _c(code: str, label: Any, period: str, *parts: Part) -> Counter:
    return Counter(code, label, period, parts)


def _p(subject: str, where: Where = lambda now: Q(), total: str | Expression | None = None, text: str = "") -> Part:
    return Part(subject, where, total, text)


def _area_counters(subject: str, *, grids: bool) -> list[Counter]:
    """Counters of a department or a region (attributed by `subject`), by registration; voided cases never count."""
    live = Q(voided=False)
    counters = [
        _c("registered", _("Cases registered (立案数)"), REGISTERED,
           _p(subject, lambda now: live, text="registered in the period, not voided")),
        _c("public_reports", _("Verified public reports (监督举报核实数)"), REGISTERED,
           _p(subject, lambda now: live & Q(public_source=True),
              text="registered, not voided, source citizen/hotline/Open311")),
        _c("handled", _("Handled (处置数)"), REGISTERED,
           _p(subject, lambda now: Q(state__in=HANDLED_STATES), text="state handled, checking, checked or closed")),
        _c("handle_due", _("Due to handle (应处置数)"), REGISTERED,
           _p(subject, lambda now: Q(state__in=HANDLED_STATES)
              | (Q(state=S.DISPATCHED, open_stage=Stage.HANDLE) & overdue(now)),
              text="handled, or being handled and overdue now")),
        _c("handled_in_time", _("Handled in time (按期处置数)"), REGISTERED,
           _p(subject, lambda now: Q(state__in=HANDLED_STATES, disposals_on_time=F("disposals_done")),
              text="handled, every disposal round within its (extended) deadline")),
        _c("closed", _("Closed (结案数)"), REGISTERED,
           _p(subject, lambda now: Q(state=S.CLOSED), text="state closed")),
        _c("close_due", _("Due to close (应结案数)"), REGISTERED,
           _p(subject, lambda now: Q(state=S.CLOSED) | overdue(now), text="closed, or open and overdue now")),
        _c("closed_in_time", _("Closed in time (按期结案数)"), REGISTERED,
           _p(subject, lambda now: Q(state=S.CLOSED, disposals_on_time=F("disposals_done")),
              text="closed, every disposal round within its (extended) deadline")),
        _c("overdue_open", _("Overdue, not closed (超期未结数)"), REGISTERED,
           _p(subject, overdue, text="open and overdue now")),
        _c("reworks", _("Reworks (返工数)"), REGISTERED,
           _p(subject, lambda now: live & Q(reworks__gt=0), "reworks", text="sum of reworks, not voided")),
        _c("extensions", _("Extensions (延期数)"), REGISTERED,
           _p(subject, lambda now: live & Q(extensions__gt=0), "extensions", text="sum of approved extensions")),
        _c("suspended", _("Suspended (挂账数)"), REGISTERED,
           _p(subject, lambda now: Q(state=S.SUSPENDED), text="state suspended")),
    ]
    if grids:
        # Not a case count: the unit grids inside the region (bins on cases per grid use it as divisor).
        counters.append(_c("grids", _("Unit grids (网格数)"), REGISTERED))
    return counters


COUNTERS: dict[str, dict[str, Counter]] = {kind: {c.code: c for c in counters} for kind, counters in {
    K.INSPECTOR: [
        _c("reports", _("Reports (上报数)"), REPORTED,
           _p("reporter", lambda now: Q(source=Source.INSPECTOR), text="reporter = subject, source inspector")),
        _c("valid_reports", _("Valid reports (有效上报数)"), REPORTED,
           _p("reporter", lambda now: Q(source=Source.INSPECTOR, voided=False)
              & (Q(registered_at__isnull=False) | Q(self_handled=True)),
              text="a report registered (or self-handled) and not voided")),
        _c("verify_due", _("Verifications due (应核实数)"), REPORTED,
           _p("verifier", lambda now: Q(verify_done=True), text="verification done by the subject"),
           _p("grid_inspector", lambda now: Q(verify_done=False, open_stage=Stage.VERIFY) & overdue(now),
              text="verification of a case in the subject's grids not done and overdue now")),
        _c("verify_on_time", _("Verified on time (按时核实数)"), REPORTED,
           _p("verifier", lambda now: Q(verify_done=True, verify_on_time=True),
              text="verification done by the subject within its deadline")),
        _c("check_due", _("Checks due (应核查数)"), REGISTERED,
           _p("checker", lambda now: Q(checks_done__gt=0), "checks_done", text="check rounds done by the subject"),
           _p("grid_inspector", lambda now: Q(state=S.CHECKING) & overdue(now),
              text="a check of a case in the subject's grids running and overdue now")),
        _c("check_on_time", _("Checked on time (按时核查数)"), REGISTERED,
           _p("checker", lambda now: Q(checks_on_time__gt=0), "checks_on_time",
              text="check rounds done by the subject within their deadline")),
        _c("missed", _("Missed reports (漏报数)"), REGISTERED,
           _p("grid_inspector", lambda now: Q(voided=False, public_source=True),
              text="registered public report (citizen/hotline/Open311) in the subject's grids, not voided")),
        _c("grid_registered", _("Cases registered in own grids (责任网格立案数)"), REGISTERED,
           _p("grid_inspector", lambda now: Q(voided=False), text="registered in the subject's grids, not voided")),
    ],
    K.ACCEPTOR: [
        _c("accepted", _("Cases accepted (受理数)"), REPORTED,
           _p("acceptor", text="accepted (or sent to verification) by the subject")),
        _c("verify_sends", _("Verification hand-offs due (应派发核实数)"), REPORTED,
           _p("acceptor", lambda now: Q(verify_sent=True), text="sent to verification by the subject")),
        _c("verify_sends_on_time", _("Verification hand-offs on time (按时派发核实数)"), REPORTED,
           _p("acceptor", lambda now: Q(verify_sent=True, verify_sent_on_time=True),
              text="sent to verification within the acceptance deadline")),
        _c("check_sends", _("Check hand-offs due (应派发核查数)"), REGISTERED,
           _p("check_handoff", lambda now: Q(check_sends__gt=0), "check_sends", text="check hand-offs made"),
           _p("check_handoff", lambda now: Q(state=S.HANDLED) & overdue(now),
              text="handled, not yet sent to check, check deadline passed")),
        _c("check_sends_on_time", _("Check hand-offs on time (按时派发核查数)"), REGISTERED,
           _p("check_handoff", lambda now: Q(check_sends_on_time__gt=0), "check_sends_on_time",
              text="check hand-offs made before their check round's deadline")),
    ],
    K.SHIFT_LEADER: [
        _c("registered", _("Cases registered (立案数)"), REGISTERED, _p("registrar", text="registered by the subject")),
        _c("registered_on_time", _("Registered on time (按时立案数)"), REGISTERED,
           _p("registrar", lambda now: Q(register_on_time=True), text="registered within the registration deadline")),
        _c("registered_accurate", _("Accurate registrations (准确立案数)"), REGISTERED,
           _p("registrar", lambda now: Q(voided_after_registration=False), text="registered, not voided afterwards")),
        _c("voided_after_registration", _("Voided after registration (立案后作废数)"), REGISTERED,
           _p("registrar", lambda now: Q(voided_after_registration=True), text="registered, then voided")),
        _c("closed", _("Closed (结案数)"), REGISTERED,
           _p("closing", lambda now: Q(state=S.CLOSED), text="closed by the subject")),
        _c("close_due", _("Due to close (应结案数)"), REGISTERED,
           _p("closing", lambda now: Q(state=S.CLOSED) | (Q(state=S.CHECKED) & overdue(now)),
              text="closed by the subject, or registered by the subject and waiting to close past the deadline")),
        _c("closed_on_time", _("Closed on time (按时结案数)"), REGISTERED,
           _p("closing", lambda now: Q(state=S.CLOSED, close_on_time=True),
              text="closed by the subject within the closing deadline")),
    ],
    K.DISPATCHER: [
        _c("dispatches", _("Dispatches (派遣数)"), REGISTERED,
           _p("dispatcher", lambda now: Q(dispatches__gt=0), "dispatches", text="dispatch rounds (last dispatcher)")),
        _c("dispatches_on_time", _("Dispatched on time (按时派遣数)"), REGISTERED,
           _p("dispatcher", lambda now: Q(dispatches_on_time__gt=0), "dispatches_on_time",
              text="dispatch rounds within the dispatch deadline")),
        _c("returns", _("Returns (回退数)"), REGISTERED,
           _p("dispatcher", lambda now: Q(returns__gt=0), "returns", text="approved returns (回退)")),
        _c("dispatches_accurate", _("Accurate dispatches (准确派遣数)"), REGISTERED,
           _p("dispatcher", lambda now: Q(dispatches__gt=F("returns")), F("dispatches") - F("returns"),
              text="dispatch rounds minus returns")),
    ],
    K.DEPARTMENT: _area_counters("department", grids=False),
    K.GRID: _area_counters("grid", grids=False),
    K.COMMUNITY: _area_counters("community", grids=True),
    K.STREET: _area_counters("street", grids=True),
    K.DISTRICT: _area_counters("district", grids=True),
}.items()}

USER_KINDS = frozenset({K.INSPECTOR, K.ACCEPTOR, K.SHIFT_LEADER, K.DISPATCHER})
REGION_KINDS = frozenset({K.GRID, K.COMMUNITY, K.STREET, K.DISTRICT})


def counter_choices(kind: str) -> list[tuple[str, str]]:
    """(code, label) of the counters of `kind`, for forms and the scheme API."""
    return [(code, str(c.label)) for code, c in COUNTERS.get(kind, {}).items()]
