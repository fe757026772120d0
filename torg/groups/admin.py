from django.contrib import admin

from torg.groups.models import AutoMembershipRule, Group, GroupInvitation, JoinRequest, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user", "rule")
    fields = ("user", "role", "rule", "created_at")
    readonly_fields = ("created_at",)
    show_change_link = False


class RuleInline(admin.TabularInline):
    model = AutoMembershipRule
    extra = 0
    fields = ("department", "location", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "privacy", "kind", "is_company_wide", "member_count", "parent")
    list_filter = ("privacy", "kind", "is_company_wide")
    search_fields = ("name", "slug", "description")
    raw_id_fields = ("parent", "created_by")
    readonly_fields = ("member_count", "created_at", "updated_at")
    inlines = (MembershipInline, RuleInline)
    list_select_related = ("parent",)


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ("user", "group", "status", "created_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("user__name", "user__email", "group__name")
    raw_id_fields = ("group", "user", "decided_by")
    list_select_related = ("user", "group", "decided_by")


@admin.register(AutoMembershipRule)
class AutoMembershipRuleAdmin(admin.ModelAdmin):
    list_display = ("group", "department", "location", "created_at")
    list_filter = ("department", "location")
    search_fields = ("group__name",)
    raw_id_fields = ("group", "created_by")
    list_select_related = ("group", "department", "location")


@admin.register(GroupInvitation)
class GroupInvitationAdmin(admin.ModelAdmin):
    list_display = ("user", "group", "invited_by", "created_at")
    search_fields = ("user__name", "user__email", "group__name")
    raw_id_fields = ("group", "user", "invited_by")
    list_select_related = ("user", "group", "invited_by")
