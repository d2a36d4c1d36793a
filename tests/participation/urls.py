"""The project's URLs with this app's included, until koperasi/urls.py includes them."""

from django.urls import include, path

from koperasi import urls as project

TENANT_PREFIX = "k/<slug:coop_slug>/"

_cooperative = [*project.cooperative_patterns, path("", include("services.participation.urls"))]
_koperasi = [
    path(TENANT_PREFIX, include(_cooperative)) if str(p.pattern) == TENANT_PREFIX else p
    for p in project.koperasi_patterns
]
urlpatterns = [
    path("", include((_koperasi, "koperasi"))) if getattr(p, "namespace", None) == "koperasi" else p
    for p in project.urlpatterns
]
