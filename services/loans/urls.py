"""Loan pages, included at /k/<coop_slug>/ in the "koperasi" namespace."""

from django.urls import path

from services.loans import board_views, member_views, public_views

urlpatterns = [
    # Public
    path("pinjaman/simulasi/", public_views.loan_simulator, name="loan-simulator"),
    path("pinjaman/simulasi.csv", public_views.loan_simulator_csv, name="loan-simulator-csv"),
    # The member's own
    path("anggota/pinjaman/", member_views.member_loans, name="member-loans"),
    path("anggota/pinjaman/ajukan/", member_views.loan_apply, name="loan-apply"),
    path(
        "anggota/pinjaman/<int:loan_id>/",
        member_views.member_loan_detail,
        name="member-loan-detail",
    ),
    path(
        "anggota/pinjaman/<int:loan_id>/bayar/",
        member_views.member_loan_repay,
        name="member-loan-repay",
    ),
    # The board
    path("kelola/pinjaman/", board_views.loan_list, name="loan-list"),
    path("kelola/pinjaman/produk/", board_views.loan_products, name="loan-products"),
    path(
        "kelola/pinjaman/produk/baru/", board_views.loan_product_create, name="loan-product-create"
    ),
    path(
        "kelola/pinjaman/produk/<int:product_id>/",
        board_views.loan_product_edit,
        name="loan-product-edit",
    ),
    path("kelola/pinjaman/aturan/", board_views.loan_policy, name="loan-policy"),
    path("kelola/pinjaman/portofolio/", board_views.loan_portfolio, name="loan-portfolio"),
    path(
        "kelola/pinjaman/portofolio.csv",
        board_views.loan_portfolio_export,
        {"fmt": "csv"},
        name="loan-portfolio-csv",
    ),
    path(
        "kelola/pinjaman/portofolio.xlsx",
        board_views.loan_portfolio_export,
        {"fmt": "xlsx"},
        name="loan-portfolio-xlsx",
    ),
    path("kelola/pinjaman/<int:loan_id>/", board_views.loan_detail, name="loan-detail"),
    path("kelola/pinjaman/<int:loan_id>/setujui/", board_views.loan_approve, name="loan-approve"),
    path("kelola/pinjaman/<int:loan_id>/tolak/", board_views.loan_reject, name="loan-reject"),
    path("kelola/pinjaman/<int:loan_id>/cairkan/", board_views.loan_disburse, name="loan-disburse"),
    path("kelola/pinjaman/<int:loan_id>/bayar/", board_views.loan_repay, name="loan-repay"),
    path(
        "kelola/pinjaman/<int:loan_id>/bayar/<int:repayment_id>/",
        board_views.loan_receipt,
        name="loan-receipt",
    ),
]
