"""The member's partner offers and orders, included at /k/<coop_slug>/anggota/mitra/
(namespace "koperasi")."""

from django.urls import path

from partners import member_views as views

urlpatterns = [
    path("penawaran/", views.member_offer_list, name="member-offer-list"),
    path("penawaran/<int:offer_id>/", views.member_offer_detail, name="member-offer-detail"),
    path(
        "penawaran/<int:offer_id>/gambar/",
        views.member_offer_picture,
        name="member-offer-picture",
    ),
    path(
        "penawaran/<int:offer_id>/gambar-kecil/",
        views.member_offer_thumbnail,
        name="member-offer-thumbnail",
    ),
    path("pesanan/", views.member_order_list, name="member-order-list"),
    path("pesanan/<int:order_id>/batal/", views.member_order_cancel, name="member-order-cancel"),
]
