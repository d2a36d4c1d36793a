"""Participation score pages, included at /k/<coop_slug>/ in the "koperasi" namespace."""

from django.urls import path

from services.participation import score_views

urlpatterns = [
    path("anggota/partisipasi/", score_views.member_participation, name="member-participation"),
    path("kelola/partisipasi/", score_views.participation_board, name="participation-board"),
    path(
        "kelola/partisipasi/bobot/",
        score_views.participation_weights,
        name="participation-weights",
    ),
]
