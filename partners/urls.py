from django.urls import include, path

from partners import views

app_name = "partners"

urlpatterns = [
    path("", views.portal_home, name="home"),
    path("daftar/", views.partner_register, name="register"),
    path("kemitraan/", views.partnership_list, name="partnership-list"),
    path(
        "kemitraan/<int:partnership_id>/terima/",
        views.partnership_accept,
        name="partnership-accept",
    ),
    path("", include("partners.offer_urls")),
    path("", include("partners.purchase_urls")),
    path("", include("partners.figures_urls")),
    path("", include("partners.token_urls")),
]
