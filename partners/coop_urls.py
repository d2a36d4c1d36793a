"""The cooperative's side of partnerships, under /k/<coop_slug>/kelola/mitra/."""

from django.urls import path

from partners import coop_views

urlpatterns = [
    path("", coop_views.partnership_list, name="partnership-list"),
    path("usul/", coop_views.partnership_propose, name="partnership-propose"),
    path("undang/", coop_views.partner_invite, name="partner-invite"),
    path(
        "<int:partnership_id>/terima/",
        coop_views.partnership_accept,
        name="partnership-accept",
    ),
    path("<int:partnership_id>/akhiri/", coop_views.partnership_end, name="partnership-end"),
    path(
        "<int:partnership_id>/angka/izinkan/",
        coop_views.partnership_figures_grant,
        name="partnership-figures-grant",
    ),
    path(
        "<int:partnership_id>/angka/cabut/",
        coop_views.partnership_figures_revoke,
        name="partnership-figures-revoke",
    ),
]
