"""Partner portal: members' purchases and monthly settlements (included under /mitra/)."""

from django.urls import path

from partners import purchase_views as views

urlpatterns = [
    path("pembelian/", views.purchase_list, name="purchase-list"),
    path("pembelian/catat/", views.purchase_record, name="purchase-record"),
    path("pembelian/<int:purchase_id>/", views.purchase_detail, name="purchase-detail"),
    path("penyelesaian/", views.settlement_list, name="settlement-list"),
    path(
        "penyelesaian/<int:year>/<int:month>/",
        views.settlement_detail,
        name="settlement-detail",
    ),
    path("penyelesaian/<int:year>/<int:month>/csv/", views.settlement_csv, name="settlement-csv"),
    path("penyelesaian/<int:year>/<int:month>/pdf/", views.settlement_pdf, name="settlement-pdf"),
]
