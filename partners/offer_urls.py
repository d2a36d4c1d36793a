"""Offers and orders in the partner portal, included under /mitra/ (namespace "partners")."""

from django.urls import path

from partners import offer_views as views

urlpatterns = [
    path("penawaran/", views.offer_list, name="offer-list"),
    path("penawaran/baru/", views.offer_create, name="offer-create"),
    path("penawaran/<int:offer_id>/ubah/", views.offer_update, name="offer-update"),
    path("penawaran/<int:offer_id>/tarik/", views.offer_withdraw, name="offer-withdraw"),
    path("penawaran/<int:offer_id>/gambar/", views.offer_picture, name="offer-picture"),
    path("penawaran/<int:offer_id>/gambar-kecil/", views.offer_thumbnail, name="offer-thumbnail"),
    path("pesanan/", views.order_list, name="order-list"),
    path("pesanan/<int:order_id>/", views.order_detail, name="order-detail"),
    path("pesanan/<int:order_id>/konfirmasi/", views.order_confirm, name="order-confirm"),
    path("pesanan/<int:order_id>/tolak/", views.order_reject, name="order-reject"),
    path("pesanan/<int:order_id>/selesai/", views.order_fulfil, name="order-fulfil"),
]
