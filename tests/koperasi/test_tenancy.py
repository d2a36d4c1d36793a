"""Tenancy: roles resolved per cooperative, and nobody reaches another cooperative's objects."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from koperasi.models import Event, Role
from koperasi.tenancy import resolve_tenant
from tests.conftest import client_for
from tests.factories import RoleFactory, UserFactory

BACK_OFFICE = ["kelola/", "kelola/profil/", "kelola/peran/"]


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.django_db
def test_roles_are_resolved_per_cooperative(cooperative, other_cooperative):
    person = UserFactory()
    RoleFactory(user=person, cooperative=cooperative, kind=Role.Kind.MEMBER)
    RoleFactory(user=person, cooperative=cooperative, kind=Role.Kind.TELLER)
    RoleFactory(user=person, cooperative=other_cooperative, kind=Role.Kind.SUPERVISOR)

    here = resolve_tenant(_request(person), cooperative.slug)
    there = resolve_tenant(_request(person), other_cooperative.slug)

    assert here.roles == {"member", "teller"}
    assert here.can_write
    assert here.is_staff
    assert not here.is_board
    assert there.roles == {"supervisor"}
    assert there.is_staff
    assert not there.can_write


@pytest.mark.django_db
def test_a_person_with_roles_in_two_cooperatives_can_switch_between_them(
    cooperative, other_cooperative
):
    person = UserFactory()
    RoleFactory(user=person, cooperative=cooperative, kind=Role.Kind.BOARD)
    RoleFactory(user=person, cooperative=other_cooperative, kind=Role.Kind.MEMBER)
    client = client_for(person)

    page = client.get(reverse("koperasi:my-cooperatives")).content.decode()

    assert f'href="/k/{cooperative.slug}/kelola/"' in page
    assert f'href="/k/{other_cooperative.slug}/"' in page
    assert client.get(f"/k/{cooperative.slug}/kelola/").status_code == 200
    assert client.get(f"/k/{other_cooperative.slug}/kelola/").status_code == 403


@pytest.mark.django_db
def test_the_list_and_the_header_read_the_persons_roles_once(cooperative, other_cooperative):
    person = UserFactory()
    for coop in (cooperative, other_cooperative):
        RoleFactory(user=person, cooperative=coop, kind=Role.Kind.TELLER)
    client = client_for(person)

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("koperasi:my-cooperatives"))

    role_reads = [q for q in queries if 'FROM "koperasi_role"' in q["sql"] and "JOIN" in q["sql"]]
    assert len(role_reads) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("path", BACK_OFFICE)
def test_another_cooperatives_board_gets_404_on_every_back_office_page(
    path, cooperative, other_cooperative
):
    outsider = RoleFactory(
        cooperative=other_cooperative, kind=Role.Kind.BOARD, title=Role.Title.CHAIR
    ).user

    assert client_for(outsider).get(f"/k/{cooperative.slug}/{path}").status_code == 404
    assert client_for(outsider).post(f"/k/{cooperative.slug}/{path}", {}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", BACK_OFFICE)
def test_anonymous_visitors_are_sent_to_log_in(path, cooperative):
    response = Client().get(f"/k/{cooperative.slug}/{path}")

    assert response.status_code == 302
    assert response["Location"].startswith("/akun/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("path", BACK_OFFICE)
def test_members_are_refused_the_back_office(path, member, cooperative):
    assert client_for(member).get(f"/k/{cooperative.slug}/{path}").status_code == 403


@pytest.mark.django_db
def test_a_missing_cooperative_and_a_hidden_one_look_the_same(pending_cooperative):
    person = client_for(UserFactory())

    assert person.get("/k/tidak-ada/").status_code == 404
    assert person.get(f"/k/{pending_cooperative.slug}/").status_code == 404
    assert person.get(f"/k/{pending_cooperative.slug}/kelola/").status_code == 404


@pytest.mark.django_db
def test_another_cooperatives_role_cannot_be_revoked_through_mine(
    board_client, cooperative, other_cooperative
):
    foreign = RoleFactory(cooperative=other_cooperative, kind=Role.Kind.TELLER)

    response = board_client.post(f"/k/{cooperative.slug}/kelola/peran/{foreign.pk}/hapus/")

    assert response.status_code == 404
    assert Role.objects.filter(pk=foreign.pk).exists()
    # Nothing changed; only the refusal itself is in the audit log.
    assert list(Event.objects.values_list("kind", flat=True)) == ["access.denied"]


@pytest.mark.django_db
def test_the_board_grants_and_revokes_staff_roles(board_client, cooperative, chair):
    newcomer = UserFactory(email="kasir.baru@example.test")

    board_client.post(
        f"/k/{cooperative.slug}/kelola/peran/",
        {"email": "Kasir.Baru@example.test", "kind": "teller", "title": ""},
    )
    role = Role.objects.get(user=newcomer, cooperative=cooperative)
    board_client.post(f"/k/{cooperative.slug}/kelola/peran/{role.pk}/hapus/")

    assert role.kind == "teller"
    assert not Role.objects.filter(user=newcomer).exists()
    assert list(Event.objects.order_by("id").values_list("kind", flat=True)) == [
        "role.granted",
        "role.revoked",
    ]


@pytest.mark.django_db
def test_a_second_chair_is_refused(board_client, cooperative):
    UserFactory(email="calon@example.test")

    response = board_client.post(
        f"/k/{cooperative.slug}/kelola/peran/",
        {"email": "calon@example.test", "kind": "board", "title": "chair"},
    )

    assert "title" in response.context["form"].errors
    assert Role.objects.filter(cooperative=cooperative, title="chair").count() == 1
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_the_chairs_role_cannot_be_removed(board_client, cooperative, chair):
    role = Role.objects.get(user=chair, cooperative=cooperative)

    board_client.post(f"/k/{cooperative.slug}/kelola/peran/{role.pk}/hapus/")

    assert Role.objects.filter(pk=role.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["supervisor", "teller"])
def test_supervisors_and_tellers_read_the_profile_but_cannot_change_it(request, who, cooperative):
    user = request.getfixturevalue(who)
    client = client_for(user)
    url = f"/k/{cooperative.slug}/kelola/profil/"
    before = cooperative.address

    assert client.get(url).status_code == 200
    assert client.post(url, {"address": "Dicuri"}).status_code == 403
    assert (
        client.post(
            f"/k/{cooperative.slug}/kelola/peran/", {"email": user.email, "kind": "board"}
        ).status_code
        == 403
    )
    cooperative.refresh_from_db()
    assert cooperative.address == before
    assert list(Event.objects.values_list("kind", flat=True)) == ["access.denied"] * 2


@pytest.mark.django_db
def test_the_board_dashboard_costs_a_fixed_number_of_queries(
    board_client, cooperative, django_assert_max_num_queries
):
    board_client.get(f"/k/{cooperative.slug}/kelola/")  # the first visit checks the 2nd factor
    # session, user, cooperative, roles, unread count, savings totals, to-do counts...
    with django_assert_max_num_queries(13):
        board_client.get(f"/k/{cooperative.slug}/kelola/")
