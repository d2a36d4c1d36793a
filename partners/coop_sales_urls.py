"""Partner sales for the board and supervisors (included at /k/<coop_slug>/kelola/mitra/)."""

from django.urls import path

from partners import coop_sales_views as views

urlpatterns = [
    path("penjualan/", views.partner_sales, name="partner-sales"),
    path("penjualan/csv/", views.partner_sales_csv, name="partner-sales-csv"),
]
