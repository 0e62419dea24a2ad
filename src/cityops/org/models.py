"""Departments, staff users, roles, data scopes and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

# The roles are the vocabulary of the permission primitives (core), which geo and every app check against.
from cityops.core.permissions import Role as Role


class DepartmentKind(models.TextChoices):
    CITY_BUREAU = "city_bureau", _("City bureau")
    DISTRICT_BUREAU = "district_bureau", _("District bureau")
    STREET_OFFICE = "street_office", _("Street office")
    ENTERPRISE = "enterprise", _("Enterprise")
    CENTRE = "centre", _("Supervision / command centre")
    OTHER = "other", _("Other")


class Department(models.Model):
    """A unit that handles or supervises cases (专业部门), in a hierarchy, with a region scope."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.OTHER)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("/SZCG/SZCG-QX/"): a subtree is a prefix match, one indexed query.
    path = models.CharField(_("path"), max_length=400, db_index=True, editable=False)
    region = models.ForeignKey(
        "geo.Region",
        verbose_name=_("region scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="departments",
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.path = f"{self.parent.path if self.parent is not None else '/'}{self.code}/"
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """Refuse a parent inside the department's own subtree (the tree would become a loop)."""
        if self.code and "/" in self.code:
            raise ValidationError({"code": _("A department code may not contain '/'.")})
        if not self.pk or self.parent is None:
            return
        stored_path = Department.objects.filter(pk=self.pk).values_list("path", flat=True).first() or ""
        if self.parent.pk == self.pk or (stored_path and self.parent.path.startswith(stored_path)):
            raise ValidationError({"parent": _("A department cannot be placed under itself or one of its sub-units.")})


class User(AbstractUser):
    """A staff member. Roles say what they may do; the data scope says where."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    scope_region = models.ForeignKey(
        "geo.Region",
        verbose_name=_("region scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The user sees this region and everything inside it."),
    )
    scope_department = models.ForeignKey(
        Department,
        verbose_name=_("department scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The user sees work of this department and its sub-units."),
    )
    #: The API token this request's user came with (set by `org.api_auth`); None for a session (not a column).
    via_token: ApiToken | None = None

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def role_set(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(self.role_assignments.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="org_role_unique_per_user")]

    def __str__(self) -> str:
        return self.get_role_display()


class TokenScope(models.TextChoices):
    GEO_READ = "geo:read", _("Read regions and locate points")
    GEO_WRITE = "geo:write", _("Import and edit regions")
    CATALOG_READ = "catalog:read", _("Read the catalogue")
    CATALOG_WRITE = "catalog:write", _("Edit the catalogue")
    ASSETS_READ = "assets:read", _("Read components")
    ASSETS_WRITE = "assets:write", _("Import and edit components")
    CASES_READ = "cases:read", _("Read cases")
    CASES_WRITE = "cases:write", _("Report and act on cases")
    ORG_READ = "org:read", _("Read departments, users and the audit trail")


class ApiToken(models.Model):
    """A bearer token for an integration. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, verbose_name=_("acts as"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
