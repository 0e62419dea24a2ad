"""Admin for departments, staff users (with their roles and scopes) and API tokens — all audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cityops.core.admin_audit import AuditedAdminMixin
from cityops.core.audit import audit_log
from cityops.core.permissions import is_platform_admin
from cityops.org import services
from cityops.org.models import ApiToken, Department, RoleAssignment, TokenScope, User

if TYPE_CHECKING:
    # The stubs' name for what get_fields returns (a list or tuple of names or of rows of names).
    from django.contrib.admin.options import _FieldGroups


class PlatformAdminOnlyMixin:
    """Managing users and tokens is for platform administrators, whatever model permissions say."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_platform_admin(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request.user) and super().has_delete_permission(request, obj)


# --- departments --------------------------------------------------------------------------------


@admin.register(Department)
class DepartmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_prefix = "org.department"
    list_display = ["tree_name", "code", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "name_en", "path"]
    ordering = ["path"]
    autocomplete_fields = ["parent"]
    raw_id_fields = ["region"]
    readonly_fields = ["path"]
    list_select_related = ["region"]

    @admin.display(description=_("name"), ordering="path")
    def tree_name(self, obj: Department) -> str:
        depth = max(obj.path.count("/") - 2, 0)
        return f"{'— ' * depth}{obj.name}"

    def save_model(self, request: HttpRequest, obj: Department, form: forms.ModelForm, change: bool) -> None:
        # Through the services, so a move keeps the subtree's paths consistent and is audited the same way.
        data = {f: v for f, v in form.cleaned_data.items() if f in services.DEPARTMENT_FIELDS}
        if change:
            changed = {f: v for f, v in data.items() if f in form.changed_data}
            services.department_update(department=obj, actor=request.user, **changed)
        else:
            created = services.department_create(actor=request.user, **data)
            obj.pk, obj.path, obj._state = created.pk, created.path, created._state


# --- users --------------------------------------------------------------------------------------


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    verbose_name = _("role")
    verbose_name_plural = _("roles")


_SCOPE_FIELDS = ("scope_region_id", "scope_department_id")


@admin.register(User)
class StaffUserAdmin(PlatformAdminOnlyMixin, AuditedAdminMixin, UserAdmin):
    audit_prefix = "org.user"
    audit_exclude = frozenset({"password", "last_login"})
    inlines = [RoleAssignmentInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "email")}),
        (_("Organisation and data scope"), {"fields": ("department", "scope_region", "scope_department")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("Personal info"), {"fields": ("full_name", "phone")}),
        (_("Organisation and data scope"), {"fields": ("department", "scope_region", "scope_department", "is_staff")}),
    )
    list_display = ["username", "full_name", "department", "roles", "scope", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "role_assignments__role", "department"]
    search_fields = ["username", "full_name", "phone", "email"]
    autocomplete_fields = ["department", "scope_department"]
    raw_id_fields = ["scope_region"]
    # Stamped by the system; editing them would only blur the trail.
    readonly_fields = ["last_login", "date_joined"]
    list_select_related = ["department", "scope_region", "scope_department"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("role_assignments")

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(str(a.get_role_display()) for a in obj.role_assignments.all())

    @admin.display(description=_("data scope"))
    def scope(self, obj: User) -> str:
        return " / ".join(str(s) for s in (obj.scope_region, obj.scope_department) if s is not None)

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        stored = User.objects.filter(pk=obj.pk).values(*_SCOPE_FIELDS, "is_active").first() if change else None
        super().save_model(request, obj, form, change)
        if stored is None:
            return
        if any(stored[f] != getattr(obj, f) for f in _SCOPE_FIELDS):
            audit_log(actor=request.user, action="org.user.scope_changed", obj=obj, data={
                "via": "admin", "before": {f: stored[f] for f in _SCOPE_FIELDS},
                "after": {f: getattr(obj, f) for f in _SCOPE_FIELDS},
            })
        if stored["is_active"] and not obj.is_active:
            revoked = services.revoke_all_tokens_of(user=obj)
            audit_log(actor=request.user, action="org.user.deactivated", obj=obj,
                      data={"via": "admin", "tokens_revoked": revoked})

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        user = form.instance
        before = sorted(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        super().save_related(request, form, formsets, change)
        after = sorted(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        if before != after:
            user.__dict__.pop("role_set", None)
            audit_log(actor=request.user, action="org.user.roles_changed", obj=user,
                      data={"via": "admin", "before": before, "after": after})

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        with transaction.atomic():
            before = User.objects.filter(pk=id).values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            after = User.objects.filter(pk=id).values_list("password", flat=True).first()
            if before is not None and before != after:
                user = User.objects.get(pk=id)
                action = "org.user.password_changed" if user.has_usable_password() else "org.user.password_disabled"
                audit_log(actor=request.user, action=action, obj=user, data={"via": "admin"})
        return response


# --- API tokens ---------------------------------------------------------------------------------


class ApiTokenAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=TokenScope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes", "expires_at"]

    def clean_user(self) -> User:
        user: User = self.cleaned_data["user"]
        if not user.is_active:
            raise forms.ValidationError(_("Tokens cannot be issued for an inactive user."))
        return user

    def clean_expires_at(self) -> Any:
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(_("The expiry must be in the future."))
        return expires_at


@admin.register(ApiToken)
class ApiTokenAdmin(PlatformAdminOnlyMixin, AuditedAdminMixin, admin.ModelAdmin):
    audit_prefix = "org.token"
    list_display = ["name", "user", "prefix", "scope_list", "created_at", "expires_at", "last_used_at", "revoked"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> _FieldGroups:
        if obj is None:
            return ["user", "name", "scopes", "expires_at"]
        return ["user", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A token's owner, secret and scopes never change; issue a new token instead.
        if obj is None:
            return []
        return ["user", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"]

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: ApiToken) -> str:
        return ", ".join(obj.scopes or [])

    @admin.display(description=_("revoked"), boolean=True)
    def revoked(self, obj: ApiToken) -> bool:
        return obj.revoked_at is not None

    def save_model(self, request: HttpRequest, obj: ApiToken, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        token, plaintext = services.api_token_create(
            user=data["user"], name=data["name"], scopes=data["scopes"], expires_at=data.get("expires_at"),
            actor=request.user,
        )
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state = token._state
        # Kept on the request only: the response shows it once and nothing stores it.
        request._cityops_token_plaintext = plaintext  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue: Any = None) -> HttpResponse:
        plaintext = getattr(request, "_cityops_token_plaintext", None)
        if plaintext is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": _("API token issued"),
            "token": obj, "plaintext": plaintext,
        }
        response = TemplateResponse(request, "admin/org/apitoken/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected API tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        done = 0
        for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
            services.api_token_revoke(token=token, actor=request.user)
            done += 1
        self.message_user(
            request,
            ngettext("%(n)d API token revoked.", "%(n)d API tokens revoked.", done) % {"n": done},
            messages.SUCCESS,
        )


# Unlocking a login locked out by django-axes means deleting its access attempts: a change like any other,
# audited (`org.login_attempt.deleted`) and left to platform administrators, as users and tokens are.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(PlatformAdminOnlyMixin, AuditedAdminMixin, AxesAccessAttemptAdmin):
    audit_prefix = "org.login_attempt"
