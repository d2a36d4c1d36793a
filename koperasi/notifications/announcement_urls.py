"""The board's announcements, included in koperasi.urls cooperative_patterns (namespace
"koperasi", under /k/<coop_slug>/)."""

from django.urls import path

from koperasi.notifications import announcement_views as views

urlpatterns = [
    path("kelola/pengumuman/", views.announcement_list, name="announcement-list"),
    path(
        "kelola/pengumuman/<int:announcement_id>/",
        views.announcement_detail,
        name="announcement-detail",
    ),
    path(
        "kelola/pengumuman/<int:announcement_id>/status/",
        views.announcement_status,
        name="announcement-status",
    ),
]
