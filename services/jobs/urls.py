"""Job pages; to be included at /k/<coop_slug>/kelola/tugas/ in the "koperasi" namespace."""

from django.urls import path

from services.jobs import views
from services.savings import month_end_views

urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("<int:job_id>/", views.job_detail, name="job-detail"),
    path("<int:job_id>/unduh/", views.job_download, name="job-download"),
    path("tutup-bulan/", month_end_views.month_end, name="month-end"),
    path("rat/", views.rat_pack, name="rat-pack"),
]
