"""HTTP API of the catalog domain (thin: parse, call a selector or service, return)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from cityops.catalog import selectors, services
from cityops.catalog.models import CatalogClass, ClassKind
from cityops.core.api_schemas import ErrorOut
from cityops.core.errors import NotFound
from cityops.core.permissions import ensure_path_visible, require_token_scope
from cityops.geo.models import Region

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest

router = Router()

MAX_PAGE = 200


class ClassOut(Schema):
    kind: str
    code: str
    matter_kind: str
    name: str
    name_en: str
    local_name: str
    display_name: str
    major_code: str
    major_name: str
    major_name_en: str
    is_local: bool
    retired: bool
    source: str


class TimeLimitOut(Schema):
    urgency: str
    urgency_name: str
    stage: str
    minutes: int
    basis: str
    class_specific: bool


class ClassDetailOut(ClassOut):
    default_department_hint: str
    register_conditions: str
    close_conditions: str
    time_limits: list[TimeLimitOut]


class ClassPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[ClassOut]


class ClassFilters(Schema):
    q: str = ""
    kind: ClassKind | None = None
    major: str | None = None
    include_retired: bool = False
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    # Bounded: an offset past SQLite's 64-bit integers would end as a 500.
    offset: int = Field(0, ge=0, le=1_000_000_000)


class UrgencyOut(Schema):
    code: str
    name: str
    name_en: str
    rank: int
    is_default: bool


class LocalClassIn(Schema):
    # Lengths are the catalogue's columns; the service checks the code's range and the name again for the admin.
    kind: ClassKind
    code: str = Field(..., pattern=r"^[0-9]{5}$", description="MMmmm: minor 500–999 or a major above the "
                                                              "standard's.")
    name: str = Field(..., min_length=1, max_length=60)
    name_en: str = Field("", max_length=160)
    major_name: str = Field("", max_length=60)
    major_name_en: str = Field("", max_length=120)
    default_department_hint: str = Field("", max_length=100)
    register_conditions: str = Field("", max_length=2000)
    close_conditions: str = Field("", max_length=2000)


class RenameIn(Schema):
    local_name: str = Field(..., max_length=60, description="Empty clears it.")


class ResponsibilityOut(Schema):
    department_code: str
    department_name: str
    rule_region: str
    rule_class: str | None
    reason: str


def _class_out(c: CatalogClass) -> dict[str, Any]:
    return {
        "kind": c.kind, "code": c.code, "matter_kind": c.matter_kind, "name": c.name, "name_en": c.name_en,
        "local_name": c.local_name, "display_name": c.display_name, "major_code": c.major_code,
        "major_name": c.major_name, "major_name_en": c.major_name_en, "is_local": c.is_local,
        "retired": c.is_retired, "source": c.source,
    }


def _detail_out(c: CatalogClass) -> dict[str, Any]:
    return {
        **_class_out(c), "default_department_hint": c.default_department_hint,
        "register_conditions": c.register_conditions, "close_conditions": c.close_conditions,
        "time_limits": selectors.time_limits_of(c),
    }


@router.get("/classes", response=ClassPage)
def class_list(request: AuthedRequest, filters: Query[ClassFilters]) -> dict[str, Any]:
    require_token_scope(request.auth, "catalog:read")
    qs = selectors.catalog_class_search(
        q=filters.q, kind=filters.kind, major=filters.major, include_retired=filters.include_retired
    )
    limit, offset = filters.limit, filters.offset
    return {"total": qs.count(), "limit": limit, "offset": offset,
            "items": [_class_out(c) for c in qs[offset : offset + limit]]}


@router.get("/classes/{kind}/{code}", response=ClassDetailOut)
def class_detail(request: AuthedRequest, kind: ClassKind, code: str) -> dict[str, Any]:
    require_token_scope(request.auth, "catalog:read")
    return _detail_out(selectors.catalog_class_get(kind=kind, code=code))


@router.get("/urgencies", response=list[UrgencyOut])
def urgency_list(request: AuthedRequest) -> Any:
    require_token_scope(request.auth, "catalog:read")
    return list(selectors.urgency_list())


@router.post("/classes", response={201: ClassDetailOut, 409: ErrorOut})
def class_add_local(request: AuthedRequest, payload: LocalClassIn) -> Status:
    created = services.catalog_class_add_local(**payload.dict(), actor=request.auth)
    return Status(201, _detail_out(created))


@router.post("/classes/{kind}/{code}/rename", response=ClassDetailOut)
def class_rename(request: AuthedRequest, kind: ClassKind, code: str, payload: RenameIn) -> dict[str, Any]:
    services.require_catalog_admin(request.auth)  # 403 before revealing whether the class exists
    catalog_class = selectors.catalog_class_get(kind=kind, code=code)
    return _detail_out(services.catalog_class_rename(catalog_class=catalog_class, local_name=payload.local_name,
                                                     actor=request.auth))


@router.post("/classes/{kind}/{code}/retire", response=ClassDetailOut)
def class_retire(request: AuthedRequest, kind: ClassKind, code: str) -> dict[str, Any]:
    services.require_catalog_admin(request.auth)
    catalog_class = selectors.catalog_class_get(kind=kind, code=code)
    return _detail_out(services.catalog_class_retire(catalog_class=catalog_class, actor=request.auth))


@router.post("/classes/{kind}/{code}/restore", response=ClassDetailOut)
def class_restore(request: AuthedRequest, kind: ClassKind, code: str) -> dict[str, Any]:
    services.require_catalog_admin(request.auth)
    catalog_class = selectors.catalog_class_get(kind=kind, code=code)
    return _detail_out(services.catalog_class_restore(catalog_class=catalog_class, actor=request.auth))


@router.get("/responsibility", response=ResponsibilityOut)
def responsibility(request: AuthedRequest, class_: str = Query(..., alias="class"), region: str = Query(...)) -> Any:
    require_token_scope(request.auth, "catalog:read")
    catalog_class = selectors.catalog_class_from_ref(class_)
    found = Region.objects.filter(code=region).first()
    if found is None:
        raise NotFound(_("No region with code %(code)s.") % {"code": region})
    ensure_path_visible(request.auth, found.path, what="Region")
    match = selectors.responsible_department(catalog_class=catalog_class, region=found)
    if match is None:
        raise NotFound(_("No responsibility rule covers %(cls)s in %(region)s.")
                       % {"cls": f"{catalog_class.kind}:{catalog_class.code}", "region": found.name})
    rule = match.rule
    return {
        "department_code": match.department.code, "department_name": match.department.name,
        "rule_region": rule.region.code, "rule_class": f"{rule.catalog_class.kind}:{rule.catalog_class.code}"
        if rule.catalog_class else None, "reason": match.reason,
    }
