"""The partner's API tokens, included under /mitra/ (namespace "partners")."""

from django.urls import path

from partners import token_views as views

urlpatterns = [
    path("api/", views.token_list, name="token-list"),
    path("api/token/<int:token_id>/cabut/", views.token_revoke, name="token-revoke"),
]
