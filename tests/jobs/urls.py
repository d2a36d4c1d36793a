"""The project's URLs with the job pages included at /k/<coop_slug>/kelola/tugas/, as
koperasi/urls.py will include them (harmless once it does: the first match wins, the same view)."""

from django.urls import URLPattern, include, path

from koperasi import urls as project

TENANT_PREFIX = "k/<slug:coop_slug>/"

cooperative_patterns = [
    *project.cooperative_patterns,
    path("kelola/tugas/", include("services.jobs.urls")),
]
koperasi_patterns = [
    *(p for p in project.koperasi_patterns if str(p.pattern) != TENANT_PREFIX),
    path(TENANT_PREFIX, include(cooperative_patterns)),
]
urlpatterns: list = [
    *(
        p
        for p in project.urlpatterns
        if isinstance(p, URLPattern) or getattr(p, "namespace", None) != "koperasi"
    ),
    path("", include((koperasi_patterns, "koperasi"))),
]
