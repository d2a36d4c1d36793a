from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from koperasi import audit_views, views
from koperasi.i18n import language_switch
from koperasi.security import admin_login
from partners.api import api as partner_api

cooperative_patterns = [
    path("", views.cooperative_home, name="cooperative-home"),
    path("kelola/", views.dashboard, name="dashboard"),
    path("kelola/profil/", views.cooperative_edit, name="cooperative-edit"),
    path("kelola/peran/", views.role_list, name="role-list"),
    path("kelola/peran/<int:role_id>/hapus/", views.role_revoke, name="role-revoke"),
    path("", include("members.urls")),
    path("", include("members.import_urls")),
    path("", include("services.savings.urls")),
    path("anggota/", include("services.savings.member_urls")),
    path("", include("services.loans.urls")),
    path("", include("koperasi.notifications.announcement_urls")),
    path("", include("koperasi.notifications.board_urls")),
    path("", include("services.participation.urls")),
    path("", include("services.participation.shu_urls")),
    path("", include("services.participation.score_urls")),
    path("anggota/mitra/", include("partners.member_urls")),
    path("anggota/mitra/", include("partners.member_purchase_urls")),
    path("kelola/mitra/", include("partners.coop_urls")),
    path("kelola/mitra/", include("partners.coop_sales_urls")),
    path("kelola/laporan/", include("services.reports.urls")),
    path("kelola/audit/", include("koperasi.audit_urls")),
    path("kelola/tugas/", include("services.jobs.urls")),
]

koperasi_patterns = [
    path("daftar-koperasi/", views.cooperative_register, name="cooperative-register"),
    path("koperasi-saya/", views.my_cooperatives, name="my-cooperatives"),
    path("wilayah/kabupaten/", views.regency_options, name="regency-options"),
    path("k/<slug:coop_slug>/", include(cooperative_patterns)),
]

platform_patterns = [
    path("", views.platform_home, name="home"),
    path("koperasi/<int:cooperative_id>/", views.platform_cooperative, name="cooperative"),
    path("audit/", audit_views.platform_audit, name="audit"),
    path("audit/unduh.csv", audit_views.platform_audit_csv, name="audit-csv"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("", include((koperasi_patterns, "koperasi"))),
    path("platform/", include((platform_patterns, "platform"))),
    path("notifikasi/", include("koperasi.notifications.urls")),
    path("mitra/", include("partners.urls")),
    path("api/v1/", partner_api.urls),
    path("akun/", include("allauth.urls")),
    path("i18n/setlang/", language_switch, name="set_language"),
    path(settings.ADMIN_URL + "login/", admin_login),
    path(settings.ADMIN_URL, admin.site.urls),
]
