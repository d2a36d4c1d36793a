"""Meetings and votes, included in koperasi.urls cooperative_patterns (namespace "koperasi",
under /k/<coop_slug>/)."""

from django.urls import path

from services.participation import meeting_views, vote_views

urlpatterns = [
    path("kelola/rapat/", meeting_views.meeting_list, name="meeting-list"),
    path("kelola/rapat/baru/", meeting_views.meeting_create, name="meeting-create"),
    path("kelola/rapat/<int:meeting_id>/", meeting_views.meeting_admin, name="meeting-admin"),
    path(
        "kelola/rapat/<int:meeting_id>/kuorum/",
        meeting_views.meeting_quorum,
        name="meeting-quorum",
    ),
    path("kelola/rapat/<int:meeting_id>/hadir/", meeting_views.meeting_door, name="meeting-door"),
    path(
        "kelola/rapat/<int:meeting_id>/dokumen/",
        meeting_views.meeting_document_upload,
        name="meeting-document-upload",
    ),
    path(
        "rapat/<int:meeting_id>/dokumen/<int:document_id>/",
        meeting_views.meeting_document,
        name="meeting-document",
    ),
    path("anggota/rapat/", meeting_views.member_meetings, name="member-meetings"),
    path("anggota/rapat/<int:meeting_id>/", meeting_views.member_meeting, name="member-meeting"),
    path(
        "anggota/rapat/<int:meeting_id>/rsvp/",
        meeting_views.member_meeting_rsvp,
        name="member-meeting-rsvp",
    ),
    path(
        "anggota/rapat/<int:meeting_id>/hadir/",
        meeting_views.member_meeting_checkin,
        name="member-meeting-checkin",
    ),
    path("kelola/voting/", vote_views.vote_list, name="vote-list"),
    path("kelola/voting/baru/", vote_views.vote_create, name="vote-create"),
    path("kelola/voting/<int:vote_id>/", vote_views.vote_admin, name="vote-admin"),
    path("anggota/voting/", vote_views.member_votes, name="member-votes"),
    path("anggota/voting/<int:vote_id>/", vote_views.member_vote, name="member-vote"),
]
