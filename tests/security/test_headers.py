"""The Content Security Policy and what it relies on: no inline scripts, styles or handlers."""

from __future__ import annotations

import re

import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# A <script> that runs: neither loaded from a file nor a JSON data block (which never runs).
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE
)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)


def _directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_every_page_carries_a_strict_policy(client):
    directives = _directives(client.get("/"))

    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in " ".join(directives.values())
    assert "unsafe-eval" not in " ".join(directives.values())


def _assert_no_inline_code(html: str, path: str) -> None:
    assert not INLINE_SCRIPT.search(html), f"inline <script> on {path}"
    assert not STYLE_ATTRIBUTE.search(html), f"style= attribute on {path}"
    assert not STYLE_ELEMENT.search(html), f"<style> element on {path}"
    assert not HANDLER_ATTRIBUTE.search(html), f"on...= handler on {path}"


@pytest.mark.parametrize(
    "path",
    ["/", "/akun/login/", "/akun/signup/", "/mitra/", "/k/{slug}/", "/k/{slug}/daftar/"],
)
def test_public_pages_have_no_inline_code(client, cooperative, path):
    path = path.format(slug=cooperative.slug)
    response = client.get(path)

    assert response.status_code == 200, path
    _assert_no_inline_code(response.content.decode(), path)


@pytest.mark.parametrize(
    "path",
    [
        "/k/{slug}/kelola/",
        "/k/{slug}/kelola/anggota/",
        "/k/{slug}/kelola/pinjaman/",
        "/k/{slug}/kelola/rapat/",
        "/notifikasi/",
        "/akun/email/",
        "/akun/2fa/",
    ],
)
def test_board_pages_have_no_inline_code(board_client, cooperative, path):
    path = path.format(slug=cooperative.slug)
    response = board_client.get(path, follow=True)

    assert response.status_code == 200, path
    _assert_no_inline_code(response.content.decode(), path)


def test_the_platform_pages_have_no_inline_code(platform_staff):
    response = client_for(platform_staff).get("/platform/")

    assert response.status_code == 200
    _assert_no_inline_code(response.content.decode(), "/platform/")
