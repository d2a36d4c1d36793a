from django.urls import path

from members import import_views as views

urlpatterns = [
    path("kelola/impor/", views.import_start, name="import-start"),
    path("kelola/impor/contoh.csv", views.import_template, name="import-template"),
    path("kelola/impor/<int:job_id>/", views.import_detail, name="import-detail"),
    path("kelola/impor/<int:job_id>/status/", views.import_status, name="import-status"),
    path("kelola/impor/<int:job_id>/terima/", views.import_accept, name="import-accept"),
]
