"""The member's own savings pages, included at /k/<coop_slug>/anggota/ (namespace "koperasi")."""

from django.urls import path

from services.savings import member_views as views

urlpatterns = [
    path("", views.member_home, name="member-home"),
    path("riwayat/", views.member_history, name="member-history"),
    path("laporan.csv", views.member_statement, {"fmt": "csv"}, name="member-statement-csv"),
    path("laporan.xlsx", views.member_statement, {"fmt": "xlsx"}, name="member-statement-xlsx"),
    path("laporan.pdf", views.member_statement, {"fmt": "pdf"}, name="member-statement-pdf"),
    path("tarik/", views.member_withdrawal, name="member-withdrawal"),
]
