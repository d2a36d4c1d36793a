"""SHU pages, included at /k/<coop_slug>/ in the "koperasi" namespace."""

from django.urls import path

from services.participation import shu_views

urlpatterns = [
    path("kelola/shu/", shu_views.shu_list, name="shu-list"),
    path("kelola/shu/<int:shu_id>/", shu_views.shu_detail, name="shu-detail"),
    path("kelola/shu/<int:shu_id>.csv", shu_views.shu_csv, name="shu-csv"),
    path("kelola/shu/<int:shu_id>/terbitkan/", shu_views.shu_publish_view, name="shu-publish"),
    path("anggota/shu/", shu_views.member_shu_view, name="member-shu"),
]
