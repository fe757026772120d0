from django.urls import path

from torg.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("signup/", views.signup, name="signup"),
    path("invite/", views.invite, name="invite"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("settings/", views.settings_view, name="settings"),
    path("settings/picture/", views.avatar_upload, name="avatar_upload"),
    path("settings/picture/remove/", views.avatar_remove, name="avatar_remove"),
    path("settings/experience/", views.experience_add, name="experience_add"),
    path(
        "settings/experience/<int:experience_id>/delete/",
        views.experience_delete,
        name="experience_delete",
    ),
    path("settings/preferences/", views.preferences, name="preferences"),
    path("settings/password/", views.password_change, name="password_change"),
    path("settings/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("settings/tokens/", views.token_create, name="token_create"),
    path("settings/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
