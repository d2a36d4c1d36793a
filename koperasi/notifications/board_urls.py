"""The board's notification pages, included in `koperasi.urls.cooperative_patterns`."""

from django.urls import path

from koperasi.notifications import board_views

urlpatterns = [
    path(
        "kelola/notifikasi-gagal/",
        board_views.failure_list,
        name="notification-failures",
    ),
    path(
        "kelola/notifikasi-gagal/<int:delivery_id>/ulangi/",
        board_views.failure_retry,
        name="notification-failure-retry",
    ),
]
