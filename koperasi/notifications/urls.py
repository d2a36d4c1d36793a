"""The person's own pages, included at the site root as `notifikasi/` (namespace
"notifications")."""

from django.urls import path

from koperasi.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox_list, name="inbox"),
    path("baca-semua/", views.notification_read_all, name="read-all"),
    path("pengaturan/", views.preferences, name="preferences"),
    path("<int:notification_id>/", views.notification_open, name="open"),
    path("<int:notification_id>/baca/", views.notification_read, name="read"),
]
