"""Financial reports and closing the books, under /k/<coop_slug>/kelola/laporan/."""

from django.urls import path, re_path

from services.reports import views

urlpatterns = [
    path("", views.report_index, name="reports"),
    re_path(
        r"^unduh/(?P<report>neraca-saldo|neraca|phu|semua)\.(?P<fmt>csv|xlsx|pdf)$",
        views.report_download,
        name="report-download",
    ),
    path("tutup-buku/", views.period_close_page, name="period-close"),
    path("tutup-buku/tutup/", views.period_close_submit, name="period-close-submit"),
]
