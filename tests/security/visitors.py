"""The visitors of the role-matrix tests outside /k/<slug>/ and of the POST matrix: one world,
built once per test module and rolled back at its end.

A verified cooperative with its chair, a teller, a supervisor, a member and a loan product; the
chair of another cooperative; a supplier in an active partnership with the cooperative (one
offer), with its owner and a staff member; platform staff; and an API token of the partner,
sent by a client without a session (the "token" visitor).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.test import Client

from koperasi.models import Cooperative, Role, User
from partners.actions import partnership_accept, partnership_propose
from partners.models import Offer, Partner, PartnerUser
from partners.offers import offer_create
from partners.tokens import api_token_create
from tests.conftest import client_for
from tests.factories import (
    CooperativeFactory,
    RoleFactory,
    UserFactory,
    add_partner_user,
    make_member,
    make_partner,
)
from tests.loans.conftest import make_product

VISITORS = (
    "anonymous",
    "member",
    "teller",
    "supervisor",
    "board",
    "other_board",
    "partner",
    "partner_staff",
    "platform",
    "token",
)


@dataclass(frozen=True)
class World:
    cooperative: Cooperative
    partner: Partner
    offer: Offer
    users: dict[str, User | None]
    token: str
    #: A client per visitor, logged in once for the module (second factor passed); the
    #: "token" client carries the partner's API token as a bearer header and no session.
    clients: dict[str, Client]


def _clients(users: dict[str, User | None], token: str) -> dict[str, Client]:
    clients = {}
    for visitor in VISITORS:
        user = users[visitor]
        if visitor == "token":
            clients[visitor] = Client(headers={"Authorization": f"Bearer {token}"})
        else:
            clients[visitor] = client_for(user) if user else Client()
    return clients


def world_build() -> World:
    cooperative = CooperativeFactory()
    chair = RoleFactory(cooperative=cooperative, kind=Role.Kind.BOARD, title=Role.Title.CHAIR).user
    member = make_member(cooperative, user=UserFactory(), acting_user=chair)
    make_product(cooperative)
    partner = make_partner("CV Mitra Tani")
    owner = add_partner_user(partner, PartnerUser.Role.OWNER)
    staff = add_partner_user(partner, PartnerUser.Role.STAFF)
    partnership = partnership_propose(
        cooperative=cooperative,
        partner=partner,
        acting_user=chair,
        data={"terms": "Diskon anggota", "valid_from": date(2024, 1, 1)},
    )
    partnership_accept(partnership=partnership, acting_user=owner)
    offer = offer_create(
        partner=partner,
        acting_user=owner,
        data={
            "title": "Beras premium 5 kg",
            "description": "Beras pulen dari Cianjur",
            "unit": "karung",
            "price": 75_000,
            "discount_percent": 10,
            "valid_from": date(2024, 1, 1),
            "valid_to": None,
        },
    )
    _token, plaintext = api_token_create(partner=partner, acting_user=owner, name="Kasir toko 1")
    users = {
        "anonymous": None,
        "member": member.user,
        "teller": RoleFactory(cooperative=cooperative, kind=Role.Kind.TELLER).user,
        "supervisor": RoleFactory(cooperative=cooperative, kind=Role.Kind.SUPERVISOR).user,
        "board": chair,
        "other_board": RoleFactory(cooperative=CooperativeFactory(), kind=Role.Kind.BOARD).user,
        "partner": owner,
        "partner_staff": staff,
        "platform": UserFactory(is_platform_staff=True),
        "token": None,
    }
    return World(
        cooperative=cooperative,
        partner=partner,
        offer=offer,
        users=users,
        token=plaintext,
        clients=_clients(users, plaintext),
    )


@contextmanager
def shared_world(django_db_blocker) -> Iterator[World]:
    """The world for a whole module: built in a transaction that each test's own transaction
    nests in (a savepoint), and rolled back when the module is done. The logged-in sessions
    belong to the world too: what a test's requests write to them is rolled back with it.
    The module's tests must be marked `django_db` (else pytest-django sets up no database)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield world_build()
        transaction.set_rollback(True)
