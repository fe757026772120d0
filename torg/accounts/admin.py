from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from torg.accounts.models import ApiToken, Invitation, User


class TorgUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class TorgUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = TorgUserChangeForm
    add_form = TorgUserCreationForm
    ordering = ("name",)
    list_display = ("email", "name", "job_title", "department", "is_guest", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_guest", "department", "location")
    search_fields = ("email", "name", "job_title")
    autocomplete_fields = ("manager",)
    filter_horizontal = ("groups", "user_permissions", "skills")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {
                "fields": (
                    "name",
                    "job_title",
                    "department",
                    "location",
                    "manager",
                    "phone",
                    "bio",
                    "skills",
                    "languages",
                    "avatar",
                    "time_zone",
                    "language",
                )
            },
        ),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_guest",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "invited_by", "is_guest", "created_at", "expires_at", "accepted_at")
    list_filter = ("is_guest",)
    search_fields = ("email",)
    readonly_fields = ("token_hash", "created_at", "accepted_at", "accepted_user", "invited_by")
    exclude = ("groups",)

    def has_add_permission(self, request: Any) -> bool:
        # Invitations are made on the invite page, which sends the e-mail with the secret link.
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    search_fields = ("name", "user__email", "prefix")
    readonly_fields = ("user", "name", "prefix", "token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request: Any) -> bool:
        return False
