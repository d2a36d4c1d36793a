"""The project's URLs with the participation pages included, until koperasi/urls.py does."""

from django.urls import include, path

from koperasi import urls as project

TENANT_PREFIX = "k/<slug:coop_slug>/"

_included = {getattr(p, "urlconf_name", None) for p in project.cooperative_patterns}
_extra = [
    path("", include(name))
    for name in (
        "services.participation.urls",
        "services.participation.shu_urls",
        "services.participation.score_urls",
    )
    if name not in _included
]
_cooperative = [*project.cooperative_patterns, *_extra]
_koperasi = [
    path(TENANT_PREFIX, include(_cooperative)) if str(p.pattern) == TENANT_PREFIX else p
    for p in project.koperasi_patterns
]
urlpatterns = [
    path("", include((_koperasi, "koperasi"))) if getattr(p, "namespace", None) == "koperasi" else p
    for p in project.urlpatterns
]
