"""Writes of the Open311 server: exposing catalogue classes as services, creating a request (a case)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from cityops.cases.models import Case, Source
from cityops.catalog.models import CatalogClass, ClassKind
from cityops.core.audit import audit_log
from cityops.core.errors import InvalidInput
from cityops.core.permissions import require_role, require_token_scope
from cityops.intake.entry import report_submit
from cityops.open311.models import Open311Service
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import Actor

# Matter classes citizens report most (exposed garbage, road damage, noise, fly-posting, street lamps, …).
COMMON_CLASS_CODES = (
    "06010", "06011", "06012", "06013", "06014", "06017", "06020", "06027", "06028", "06029",
    "06034", "06035", "06036", "06037", "06040", "06042", "06050", "06051", "07001", "08004", "01037",
)
ATTRIBUTE_DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
MAX_ATTRIBUTE_VALUE = 200


def open311_services_expose(*, actor: Actor, codes: Iterable[str] = COMMON_CLASS_CODES) -> list[Open311Service]:
    """Expose matter classes (by code) as Open311 services named after the catalogue; existing ones are kept."""
    if not isinstance(actor, str):
        require_role(actor, Role.ADMIN)
    made: list[Open311Service] = []
    with transaction.atomic():
        for cls in CatalogClass.objects.filter(kind=ClassKind.MATTER, code__in=list(codes), retired_at__isnull=True):
            service, created = Open311Service.objects.get_or_create(catalog_class=cls, defaults=_defaults_for(cls))
            if created:
                made.append(service)
        if made:
            audit_log(actor=actor, action="open311.services.exposed", obj=None,
                      data={"service_codes": [s.service_code for s in made]})
    return made


def _defaults_for(cls: CatalogClass) -> dict[str, Any]:
    return {"service_code": cls.code, "name": cls.local_name or cls.name, "name_en": cls.name_en,
            "group": cls.major_name, "group_en": cls.major_name_en, "order": int(cls.code)}


def attributes_check(attributes: Any) -> None:
    """Refuse a service definition that GeoReport clients could not read (admin-configured JSON)."""
    if not isinstance(attributes, list):
        raise InvalidInput(_("Attributes must be a list."), field="attributes")
    for i, attr in enumerate(attributes):
        ok = isinstance(attr, dict) and isinstance(attr.get("code"), str) and attr.get("code") \
            and attr.get("datatype") in ATTRIBUTE_DATATYPES
        values = attr.get("values", []) if isinstance(attr, dict) else None
        ok = ok and isinstance(values, list) and all(isinstance(v, dict) and "key" in v and "name" in v for v in values)
        if not ok:
            raise InvalidInput(_("Attribute %(i)d needs a code, a datatype (%(types)s) and values with key and name.")
                               % {"i": i + 1, "types": ", ".join(ATTRIBUTE_DATATYPES)}, field="attributes")


@dataclass
class RequestInput:
    """The form fields of a GeoReport POST, parsed and checked."""

    service: Open311Service
    lat: float
    lon: float
    description: str = ""
    address: str = ""
    media_url: str = ""
    name: str = ""
    contact: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


def open311_request_create(*, actor: Actor, data: RequestInput) -> Case:
    """Create a case from a GeoReport POST through intake's one entry point (channel open311)."""
    require_token_scope(actor, "cases:write")
    lines = [data.description.strip() or data.service.name]
    lines += [f"{code}: {value}" for code, value in data.attributes.items()]
    if data.media_url:
        lines.append(f"media_url: {data.media_url}")
    result = report_submit(
        channel=Source.OPEN311, catalog_class=data.service.catalog_class, description="\n".join(lines),
        lon=data.lon, lat=data.lat, address=data.address[:200], reporter_name=data.name[:60],
        reporter_contact=data.contact[:120], actor=actor,
    )
    return result.case


def attribute_values_check(service: Open311Service, given: Mapping[str, str]) -> dict[str, str]:
    """Check `attribute[code]` answers against the service definition; returns them in definition order."""
    known = {a["code"]: a for a in service.attributes}
    for code in given:
        if code not in known:
            raise InvalidInput(_("Unknown attribute %(code)r.") % {"code": code}, field=f"attribute[{code}]")
    clean: dict[str, str] = {}
    for code, attr in known.items():
        value = (given.get(code) or "").strip()
        if not value:
            if attr.get("required") and attr.get("variable", True):
                raise InvalidInput(_("The attribute %(code)r is required.") % {"code": code}, field=f"attribute[{code}]")
            continue
        if len(value) > MAX_ATTRIBUTE_VALUE:
            raise InvalidInput(_("The attribute %(code)r is too long.") % {"code": code}, field=f"attribute[{code}]")
        keys = {str(v["key"]) for v in attr.get("values", [])}
        if attr.get("datatype") in ("singlevaluelist", "multivaluelist") and not set(value.split(",")) <= keys:
            raise InvalidInput(_("%(value)r is not a value of the attribute %(code)r.") % {"value": value, "code": code},
                               field=f"attribute[{code}]")
        if attr.get("datatype") == "number":
            try:
                float(value)
            except ValueError:
                raise InvalidInput(_("The attribute %(code)r must be a number.") % {"code": code},
                                   field=f"attribute[{code}]") from None
        clean[code] = value
    return clean
