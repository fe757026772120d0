from django.urls import path

from torg.governance import views

app_name = "governance"
urlpatterns = [
    path("", views.index, name="index"),
    path("nav/", views.nav, name="nav"),
    path("roles/", views.change_role, name="change_role"),
    path("report/<str:kind>/<int:target_id>/", views.report, name="report"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/<int:report_id>/", views.report_detail, name="report_detail"),
    path("moderation/<int:report_id>/decide/", views.decide, name="decide"),
    path("moderation/keywords/", views.keywords, name="keywords"),
    path("moderation/keywords/<int:alert_id>/remove/", views.remove_keyword, name="remove_keyword"),
    path("audit/", views.audit_log, name="audit"),
    path("audit.csv", views.audit_csv, name="audit_csv"),
    path("groups/", views.groups_overview, name="groups"),
    path("groups/similar/", views.similar_groups, name="similar_groups"),
    path("groups/<slug:slug>/", views.group_lifecycle, name="group_lifecycle"),
    path("groups/<slug:slug>/<str:verb>/", views.group_lifecycle_action, name="group_action"),
    path("retention/", views.retention, name="retention"),
    path("retention/policies/<int:policy_id>/remove/", views.remove_policy, name="remove_policy"),
    path("retention/holds/<int:hold_id>/remove/", views.remove_hold, name="remove_hold"),
    path("people/erase/", views.erase_person, name="erase_person"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.download_my_data, name="download_my_data"),
    path("guidelines/", views.guidelines, name="guidelines"),
]
