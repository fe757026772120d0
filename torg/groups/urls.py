from django.urls import path

from torg.groups import views

app_name = "groups"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.create, name="create"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/requests/", views.requests, name="requests"),
    path("<slug:slug>/settings/", views.settings, name="settings"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/request/cancel/", views.cancel_request, name="cancel_request"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/requests/<int:request_id>/approve/", views.approve, name="approve"),
    path("<slug:slug>/requests/<int:request_id>/deny/", views.deny, name="deny"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/invitation/accept/", views.accept_invitation, name="accept_invitation"),
    path("<slug:slug>/invitation/decline/", views.decline_invitation, name="decline_invitation"),
    path("<slug:slug>/members/<int:user_id>/remove/", views.remove_member, name="remove_member"),
    path("<slug:slug>/members/<int:user_id>/role/", views.change_role, name="change_role"),
    path("<slug:slug>/rules/", views.add_rule, name="add_rule"),
    path("<slug:slug>/rules/<int:rule_id>/remove/", views.remove_rule, name="remove_rule"),
]
