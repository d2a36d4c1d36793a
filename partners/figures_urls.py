"""The partner portal's figures page, and the partner's side of ending a partnership.

(The latter sits here because this is the partner-portal URL module this feature owns.)
"""

from django.urls import path

from partners import figures_views, views

urlpatterns = [
    path("angka/", figures_views.figures_list, name="figures"),
    path(
        "kemitraan/<int:partnership_id>/akhiri/",
        views.partnership_end,
        name="partnership-end",
    ),
]
