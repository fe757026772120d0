from django.urls import path

from torg.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<int:notification_id>/", views.open_notification, name="open"),
    path("<int:notification_id>/read/", views.mark_read, name="read"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/preset/", views.apply_preset, name="preset"),
    path("settings/groups/<int:group_id>/", views.set_group_level, name="group_level"),
    path("settings/email/", views.set_email_preferences, name="email_settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("mutes/", views.mute, name="mute"),
    path("mutes/<int:mute_id>/delete/", views.unmute, name="unmute"),
    path("posts/<int:post_id>/follow/", views.follow_post, name="follow_post"),
]
