"""The site's URLs with this subsystem's pages included, whether or not koperasi/urls.py
includes them yet: `notifikasi/` (namespace "notifications") and the cooperative's
`kelola/pengumuman/` pages (namespace "koperasi")."""

from django.urls import URLResolver, include, path

from koperasi import urls as site

ANNOUNCEMENTS = "koperasi.notifications.announcement_urls"


def _module_name(resolver: URLResolver) -> str:
    return getattr(resolver.urlconf_name, "__name__", str(resolver.urlconf_name))


def _with_announcements(patterns: list) -> list:
    if any(isinstance(p, URLResolver) and _module_name(p) == ANNOUNCEMENTS for p in patterns):
        return list(patterns)
    return [*patterns, path("", include(ANNOUNCEMENTS))]


cooperative_patterns = _with_announcements(site.cooperative_patterns)
koperasi_patterns = [
    path("k/<slug:coop_slug>/", include(cooperative_patterns))
    if str(p.pattern) == "k/<slug:coop_slug>/"
    else p
    for p in site.koperasi_patterns
]
urlpatterns = [
    path("", include((koperasi_patterns, "koperasi")))
    if getattr(p, "namespace", None) == "koperasi"
    else p
    for p in site.urlpatterns
    if getattr(p, "namespace", None) != "notifications"
]
urlpatterns.append(path("notifikasi/", include("koperasi.notifications.urls")))
