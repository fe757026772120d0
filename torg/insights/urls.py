from django.urls import path

from torg.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("nav/", views.nav, name="nav"),
    path("network/", views.network, name="network"),
    path("network/csv/<slug:table>/", views.network_csv, name="network_csv"),
    path("groups/<slug:slug>/", views.group, name="group"),
    path("groups/<slug:slug>/csv/<slug:table>/", views.group_csv, name="group_csv"),
]
