"""The cooperative's audit log, at /k/<coop_slug>/kelola/audit/ in the "koperasi" namespace."""

from django.urls import path

from koperasi import audit_views

urlpatterns = [
    path("", audit_views.audit_log, name="audit-log"),
    path("unduh.csv", audit_views.audit_csv, name="audit-csv"),
]
