"""The member's shopping code and partner purchases (included at /k/<coop_slug>/anggota/mitra/)."""

from django.urls import path

from partners import member_purchase_views as views

urlpatterns = [
    path("kode-belanja/", views.member_purchase_code, name="member-purchase-code"),
    path("belanja/", views.member_purchase_list, name="member-purchase-list"),
]
