"""The project's URLs with the partner portal at /mitra/, until koperasi/urls.py includes it."""

from django.urls import include, path

from koperasi.urls import urlpatterns as project_patterns

urlpatterns = [
    *(p for p in project_patterns if str(p.pattern) != "mitra/"),
    path("mitra/", include("partners.urls")),
]
