from django.urls import path

from services.savings import views

urlpatterns = [
    path("kelola/kas/", views.teller, name="teller"),
    path("kelola/kas/anggota/", views.teller_member, name="teller-member"),
    path("kelola/transaksi/<int:entry_id>/", views.receipt, name="receipt"),
    path("kelola/penarikan/", views.withdrawal_requests, name="withdrawal-requests"),
    path(
        "kelola/penarikan/<int:request_id>/keputusan/",
        views.withdrawal_request_decide,
        name="withdrawal-request-decide",
    ),
    path("kelola/simpanan/", views.savings_product, name="savings-product"),
    path("kelola/tunggakan/", views.arrears, name="arrears"),
]
