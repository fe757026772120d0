from django.urls import path

from torg.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("settings/", views.settings_view, name="settings"),
    path("invite/", views.invite, name="invite"),
]
