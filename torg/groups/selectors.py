"""Reads for group pages and the API, each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from torg.groups.access import as_person, visible_groups
from torg.groups.actions import MAX_ANCESTORS
from torg.groups.models import AutoMembershipRule, Group, GroupInvitation, JoinRequest, Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

PAGE_SIZE = 30
MEMBERS_PAGE_SIZE = 50


def groups_of(user: User | AnonymousUser) -> QuerySet[Group]:
    """Groups ``user`` is a member of, company-wide first."""
    person = as_person(user)
    if person is None:
        return Group.objects.none()
    return Group.objects.filter(memberships__user=person).order_by("-is_company_wide", "name")


def suggested_groups(user: User | AnonymousUser, *, limit: int) -> list[Group]:
    """Open groups the person is not in yet, largest first."""
    person = as_person(user)
    if person is None or person.is_guest:
        return []
    mine = Membership.objects.filter(user=person).values("group_id")
    return list(
        visible_groups(user)
        .filter(privacy=Group.Privacy.OPEN)
        .exclude(pk__in=mine)
        .order_by("-member_count", "name")[:limit]
    )


def _with_my_role(queryset: QuerySet[Group], person: User | None) -> QuerySet[Group]:
    if person is None:
        return queryset
    return queryset.annotate(
        my_role=Subquery(
            Membership.objects.filter(group=OuterRef("pk"), user=person).values("role")[:1]
        )
    )


def directory_groups(
    user: User | AnonymousUser, *, q: str = "", kind: str = "", mine: bool = False
) -> QuerySet[Group]:
    """Visible groups matching the filters, each annotated with ``my_role`` (or None)."""
    person = as_person(user)
    queryset = visible_groups(user)
    if mine and person is not None:
        queryset = queryset.filter(memberships__user=person)
    q = (q or "").strip()[:100]
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if kind in Group.Kind.values:
        queryset = queryset.filter(kind=kind)
    return _with_my_role(queryset, person).order_by("-is_company_wide", "name", "pk")


def paginate(queryset: QuerySet, page_number: str | int | None, per_page: int = PAGE_SIZE) -> Page:
    """The requested page, or the nearest valid one for a bad number (never an error)."""
    return Paginator(queryset, per_page).get_page(page_number)


@dataclass
class Viewer:
    """What the person looking at a group is to it."""

    role: str | None = None
    may_see_content: bool = False
    pending_request: JoinRequest | None = None
    invitation: GroupInvitation | None = None
    is_guest: bool = False

    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Membership.Role.ADMIN

    @property
    def is_moderator(self) -> bool:
        return self.role in (Membership.Role.ADMIN, Membership.Role.MODERATOR)

    @property
    def may_invite(self) -> bool:
        return self.is_member and not self.is_guest


def viewer_of(user: User | AnonymousUser, group: Group) -> Viewer:
    person = as_person(user)
    if person is None:
        return Viewer()
    role = (
        Membership.objects.filter(group=group, user=person).values_list("role", flat=True).first()
    )
    viewer = Viewer(role=role, is_guest=person.is_guest)
    viewer.may_see_content = role is not None or (
        group.privacy == Group.Privacy.OPEN and not person.is_guest
    )
    if role is None:
        viewer.pending_request = JoinRequest.objects.filter(
            group=group, user=person, status=JoinRequest.Status.PENDING
        ).first()
        viewer.invitation = GroupInvitation.objects.filter(group=group, user=person).first()
    return viewer


@dataclass
class GroupPage:
    group: Group
    viewer: Viewer
    breadcrumbs: list[Group] = field(default_factory=list)
    subgroups: list[Group] = field(default_factory=list)
    admins: list[Membership] = field(default_factory=list)
    pending_count: int = 0


def breadcrumbs_of(user: User | AnonymousUser, group: Group) -> list[Group]:
    """The parent chain, top first, leaving out parents ``user`` may not know of."""
    related = "__".join(["parent"] * MAX_ANCESTORS)
    loaded = Group.objects.select_related(related).filter(pk=group.pk).first()
    chain: list[Group] = []
    current = loaded.parent if loaded is not None else None
    while current is not None and len(chain) < MAX_ANCESTORS:
        chain.append(current)
        # Only follow relations already loaded: no query per level.
        current = current.parent if "parent" in current._state.fields_cache else None
    if not chain:
        return []
    known = set(
        visible_groups(user).filter(pk__in=[g.pk for g in chain]).values_list("pk", flat=True)
    )
    return [g for g in reversed(chain) if g.pk in known]


def group_page(user: User | AnonymousUser, group: Group) -> GroupPage:
    viewer = viewer_of(user, group)
    page = GroupPage(group=group, viewer=viewer)
    page.breadcrumbs = breadcrumbs_of(user, group)
    page.subgroups = list(
        _with_my_role(visible_groups(user).filter(parent=group), as_person(user)).order_by("name")
    )
    if viewer.may_see_content:
        page.admins = list(
            Membership.objects.filter(group=group, role=Membership.Role.ADMIN)
            .select_related("user")
            .order_by("user__name")[:10]
        )
    if viewer.is_moderator:
        page.pending_count = JoinRequest.objects.filter(
            group=group, status=JoinRequest.Status.PENDING
        ).count()
    return page


def members_of(group: Group, *, q: str = "") -> QuerySet[Membership]:
    """Members, admins first, then moderators, then by name."""
    queryset = Membership.objects.filter(group=group).select_related(
        "user", "user__department", "user__location"
    )
    q = (q or "").strip()[:100]
    if q:
        queryset = queryset.filter(Q(user__name__icontains=q) | Q(user__email__icontains=q))
    order = {Membership.Role.ADMIN: 0, Membership.Role.MODERATOR: 1, Membership.Role.MEMBER: 2}
    rank = Case(
        *[When(role=role, then=Value(position)) for role, position in order.items()],
        output_field=IntegerField(),
    )
    return queryset.annotate(role_rank=rank).order_by("role_rank", "user__name", "pk")


def pending_requests(group: Group) -> QuerySet[JoinRequest]:
    return (
        JoinRequest.objects.filter(group=group, status=JoinRequest.Status.PENDING)
        .select_related("user", "user__department")
        .order_by("created_at", "pk")
    )


def rules_of(group: Group) -> list[AutoMembershipRule]:
    return list(
        AutoMembershipRule.objects.filter(group=group)
        .select_related("department", "location")
        .order_by("pk")
    )


def invite_candidates(group: Group, *, q: str, limit: int = 10) -> list[User]:
    """Active people matching a name or e-mail who are neither members nor invited yet."""
    q = (q or "").strip()[:100]
    if len(q) < 2:
        return []
    user_model = get_user_model()
    return list(
        user_model.objects.filter(is_active=True)
        .filter(Q(name__icontains=q) | Q(email__iexact=q) | Q(email__istartswith=q))
        .exclude(memberships__group=group)
        .exclude(group_invitations__group=group)
        .order_by("name", "pk")[:limit]
    )


def parent_choices(user: User | AnonymousUser, *, exclude: Group | None = None) -> QuerySet[Group]:
    """Groups the person may place a group under: those where they are admin."""
    person = as_person(user)
    if person is None:
        return Group.objects.none()
    queryset = Group.objects.filter(
        memberships__user=person, memberships__role=Membership.Role.ADMIN
    ).order_by("name")
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset
