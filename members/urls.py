from django.urls import path

from members import views

urlpatterns = [
    path("daftar/", views.member_join, name="member-join"),
    path("kelola/anggota/", views.member_list, name="member-list"),
    path("kelola/anggota/baru/", views.member_add, name="member-add"),
    path("kelola/anggota/<int:member_id>/", views.member_detail, name="member-detail"),
    path("kelola/anggota/<int:member_id>/keputusan/", views.member_decide, name="member-decide"),
    path("kelola/anggota/<int:member_id>/keluar/", views.member_exit, name="member-exit"),
]
