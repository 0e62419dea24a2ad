"""Build the whole demo in one transaction: geography, departments, users, rules, components, cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from cityops.demo.assets import COMPONENTS_PER_GRID, create_components
from cityops.demo.cases import create_cases
from cityops.demo.city import CityReport, build_city
from cityops.demo.patrols import create_patrols
from cityops.demo.people import PeopleReport, create_departments, create_people
from cityops.demo.rules import create_rules
from cityops.open311.services import open311_services_expose

if TYPE_CHECKING:
    from cityops.core.typing import Actor


@dataclass
class DemoReport:
    city: CityReport
    people: PeopleReport
    rules: int
    components: int
    cases: int = 0
    position_pings: int = 0

    def summary(self) -> dict[str, int]:
        return {
            **self.city.counts,
            "departments": self.people.departments,
            "users": self.people.users,
            "inspectors": self.people.inspectors,
            "responsibility_rules": self.rules,
            "components": self.components,
            "cases": self.cases,
            "position_pings": self.position_pings,
        }


def build_demo(
    *, grids: int = 2500, seed: int = 0, components_per_grid: float = COMPONENTS_PER_GRID, cases: int = 0,
    actor: Actor = "cityops demo",
) -> DemoReport:
    """Build the demo city and everything in it into an empty database, all or nothing."""
    with transaction.atomic():
        city = build_city(grids=grids, seed=seed, actor=actor)
        departments = create_departments(plan=city.plan, actor=actor)
        people = create_people(plan=city.plan, departments=departments, actor=actor)
        rules = create_rules(plan=city.plan, departments=departments, actor=actor)
        open311_services_expose(actor=actor)  # the common matter classes, so 311 apps have something to offer
        components = create_components(
            plan=city.plan, departments=departments, per_grid=components_per_grid, actor=actor
        )
        # Last: the cases are reported on the grids, by the people, routed by the rules, linked to components.
        made = create_cases(count=cases, seed=seed, actor=actor).cases if cases else 0
        # Today's patrols, so the one map shows inspectors on the move.
        pings = create_patrols(seed=seed, actor=actor) if cases else 0
    return DemoReport(city=city, people=people, rules=rules, components=components, cases=made,
                      position_pings=pings)
