"""Member import from CSV and XLSX: all or nothing, preview first, one transaction."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from koperasi.celery import app as celery_app
from koperasi.errors import DomainError
from koperasi.models import Event, Role, Sequence
from members import imports, tasks
from members.management.commands.import_members import Command as ImportMembersCommand
from members.models import ImportJob, Member
from services.ledger import chart
from services.ledger.checks import ledger_violations
from services.ledger.models import Account, JournalEntry, Posting
from services.savings.models import SavingsBill
from tests.conftest import client_for
from tests.factories import RoleFactory, UserFactory, make_member

HEADER = [
    "no_anggota",
    "nama",
    "nik",
    "tanggal_lahir",
    "jenis_kelamin",
    "telepon",
    "email",
    "alamat",
    "ahli_waris",
    "tanggal_masuk",
    "simpanan_pokok",
    "simpanan_wajib",
    "simpanan_sukarela",
]


def nik(birth: dt.date, serial: int, *, female: bool = False) -> str:
    """A valid NIK (region 32.73.01, Bandung) for a birth date; serials keep them unique."""
    return f"327301{birth.day + (40 if female else 0):02d}{birth:%m%y}{serial:04d}"


def row(serial: int = 1, **overrides) -> dict:
    birth = overrides.pop("birth", dt.date(1985, 3, 14))
    female = overrides.pop("female", False)
    data = {
        "no_anggota": "",
        "nama": f"Anggota {serial}",
        "nik": nik(birth, serial, female=female),
        "tanggal_lahir": birth.isoformat(),
        "jenis_kelamin": "P" if female else "L",
        "telepon": "0812 3456 7890",
        "email": "",
        "alamat": "Jl. Asia Afrika No. 1, Bandung",
        "ahli_waris": "",
        "tanggal_masuk": "2020-01-15",
        "simpanan_pokok": "100000",
        "simpanan_wajib": "1.250.000",
        "simpanan_sukarela": "0",
    }
    data.update(overrides)
    return data


def csv_bytes(rows: list[dict], header: list[str] = HEADER, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    for data in rows:
        writer.writerow([data.get(column, "") for column in header])
    return out.getvalue().encode()


def xlsx_bytes(rows: list[list], header: list[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "members": Member.objects.count(),
        "accounts": Account.objects.filter(member__isnull=False).count(),
        "entries": JournalEntry.objects.count(),
        "postings": Posting.objects.count(),
        "bills": SavingsBill.objects.count(),
        "member_roles": Role.objects.filter(kind=Role.Kind.MEMBER).count(),
    }


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def eager():
    """Tests set REDIS_URL, so tasks would go to a broker: run them in-process instead."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def job_for(cooperative, user, content: bytes, filename: str = "anggota.csv") -> ImportJob:
    return ImportJob.objects.create(
        cooperative=cooperative,
        created_by=user,
        file=ContentFile(content, name=filename),
        filename=filename,
    )


def validated(cooperative, user, content: bytes, filename: str = "anggota.csv") -> ImportJob:
    job = job_for(cooperative, user, content, filename)
    tasks.import_validate.apply(args=[job.pk])
    job.refresh_from_db()
    return job


def imported(job: ImportJob, user) -> ImportJob:
    imports.import_job_accept(job=job, acting_user=user)
    tasks.import_run.apply(args=[job.pk])
    job.refresh_from_db()
    return job


def found(problems, row_number, column, code) -> bool:
    return any((p["row"], p["column"], p["code"]) == (row_number, column, code) for p in problems)


def balances(member: Member) -> dict[str, int]:
    return dict(member.accounts.values_list("savings_kind", "balance"))


# --- Clean files ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_clean_csv_is_checked_previewed_and_imported_through_the_pages(
    cooperative, chair, board_client, eager, django_capture_on_commit_callbacks
):
    # Given a member list; one member's email already has a login, one still owes pokok
    existing = UserFactory(email="budi@example.com")
    rows = [
        row(1, nama="Budi Santoso", email="Budi@Example.com", simpanan_sukarela="Rp 500.000"),
        row(
            2,
            nama="Sri Wahyuni",
            female=True,
            birth=dt.date(1990, 7, 21),
            tanggal_lahir="21/07/1990",
            simpanan_pokok="40000",
            simpanan_wajib="0",
            tanggal_masuk="",
        ),
    ]
    upload = SimpleUploadedFile("anggota.csv", csv_bytes(rows), content_type="text/csv")

    # When the board uploads it
    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(
            reverse("koperasi:import-start", args=[cooperative.slug]), {"file": upload}
        )

    # Then it is checked and previewed, and nothing is written yet
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "koperasi:import-detail", args=[cooperative.slug, job.pk]
    )
    assert job.status == ImportJob.Status.READY
    assert (job.total_rows, job.processed_rows, job.percent) == (2, 2, 100)
    assert job.summary["members"] == 2
    assert job.summary["totals"] == {"pokok": 140_000, "wajib": 1_250_000, "sukarela": 500_000}
    assert job.summary["pokok_bills"] == 1
    assert Member.objects.count() == 0
    page = board_client.get(reverse("koperasi:import-detail", args=[cooperative.slug, job.pk]))
    assert 'id="import-accept"' in page.content.decode()
    assert "Rp 1.250.000" in page.content.decode()

    # When the board accepts the preview
    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(
            reverse("koperasi:import-accept", args=[cooperative.slug, job.pk])
        )

    # Then every member is written at once, with numbers, balances, a bill and one entry
    job.refresh_from_db()
    assert response.status_code == 302
    assert job.status == ImportJob.Status.DONE
    assert not job.file
    budi, sri = Member.objects.filter(cooperative=cooperative).order_by("number")
    assert (budi.number, sri.number) == (1, 2)
    assert budi.status == sri.status == Member.Status.ACTIVE
    assert budi.email == "budi@example.com"
    assert budi.phone == "+6281234567890"
    assert budi.joined_on == dt.date(2020, 1, 15)
    assert sri.joined_on == timezone.localdate()
    assert (sri.gender, sri.birth_date) == ("f", dt.date(1990, 7, 21))
    assert budi.user == existing
    assert sri.user is None
    assert Role.objects.filter(cooperative=cooperative, user=existing, kind="member").exists()
    assert balances(budi) == {"pokok": 100_000, "wajib": 1_250_000, "sukarela": 500_000}
    assert balances(sri) == {"pokok": 40_000, "wajib": 0, "sukarela": 0}
    bill = SavingsBill.objects.get()
    assert (bill.member, bill.kind, bill.amount, bill.paid_amount) == (sri, "pokok", 60_000, 0)
    entry = JournalEntry.objects.get()
    assert (entry.kind, entry.date, entry.created_by) == ("opening", timezone.localdate(), chair)
    assert entry.postings.count() == 5
    opening = chart.gl_account(cooperative, chart.OPENING_BALANCE)
    assert entry.postings.get(account=opening).amount == 1_890_000
    assert opening.balance == -1_890_000
    assert ledger_violations() == []
    call_command("ledger_check", stdout=io.StringIO())
    assert Sequence.objects.get(cooperative=cooperative, name="member_number").last_value == 2
    event = Event.objects.get(kind="members.imported")
    assert event.data["members"] == 2
    assert event.data["entry_id"] == entry.pk


@pytest.mark.django_db
def test_a_clean_xlsx_with_real_dates_and_given_numbers_is_imported(cooperative, chair):
    # Given an Excel sheet with date cells, number cells and two given member numbers
    make_member(cooperative)  # already number 1
    birth = dt.date(1979, 12, 31)
    content = xlsx_bytes(
        [
            [
                15,
                "Agus",
                nik(birth, 1),
                birth,
                "m",
                "081211112222",
                "",
                "Jl. Braga 2",
                "Ani",
                dt.datetime(2010, 5, 1),  # noqa: DTZ001 (Excel dates are naive)
                100000,
                2500000,
                750000.0,
            ],
            [
                None,
                "Dewi",
                nik(birth, 2, female=True),
                birth,
                "F",
                81233334444,
                None,
                "Jl. Dago 3",
                None,
                None,
                100000,
                0,
                0,
            ],
            [
                7,
                "Eko",
                nik(birth, 3),
                "31/12/1979",
                "L",
                "+62 812-5555-6666",
                "",
                "Jl. Riau 4",
                "",
                "",
                "",
                "",
                "",
            ],
        ]
    )

    # When it is checked and imported
    job = validated(cooperative, chair, content, "anggota.xlsx")
    assert job.status == ImportJob.Status.READY, job.problems
    job = imported(job, chair)

    # Then the given numbers are kept and the rest continue after the highest one
    assert job.status == ImportJob.Status.DONE
    by_name = {m.full_name: m for m in Member.objects.filter(cooperative=cooperative)}
    assert (by_name["Agus"].number, by_name["Dewi"].number, by_name["Eko"].number) == (15, 16, 7)
    assert Sequence.objects.get(cooperative=cooperative, name="member_number").last_value == 16
    assert by_name["Agus"].joined_on == dt.date(2010, 5, 1)
    assert by_name["Dewi"].phone == "+6281233334444"
    assert balances(by_name["Agus"]) == {"pokok": 100_000, "wajib": 2_500_000, "sukarela": 750_000}
    assert balances(by_name["Eko"]) == {"pokok": 0, "wajib": 0, "sukarela": 0}
    assert SavingsBill.objects.filter(member=by_name["Eko"], amount=100_000).count() == 1
    assert JournalEntry.objects.filter(kind="opening").count() == 1
    assert ledger_violations() == []
    # the next member admitted by hand gets the next free number
    assert make_member(cooperative).number == 17


@pytest.mark.django_db
def test_english_headers_notes_in_brackets_semicolons_and_a_title_line_are_accepted(cooperative):
    header = [
        "Full Name",
        "NIK",
        "Date of Birth",
        "Gender",
        "Phone",
        "Address",
        "Simpanan Pokok (Rp)",
        "Wajib",
    ]
    body = csv_bytes(
        [
            {
                "Full Name": "Rina",
                "NIK": nik(dt.date(2001, 2, 3), 9, female=True),
                "Date of Birth": "03/02/2001",
                "Gender": "f",
                "Phone": "62 812 9999 0000",
                "Address": "Jl. Merdeka 1",
                "Simpanan Pokok (Rp)": "100.000",
                "Wajib": "25000",
            }
        ],
        header=header,
        delimiter=";",
    )
    content = b"DAFTAR ANGGOTA KOPERASI;;;\r\n" + body

    result = imports.import_check(cooperative=cooperative, content=content, filename="a.csv")

    assert result.ok, result.problems
    (member,) = result.rows
    assert (member.row, member.gender, member.pokok, member.wajib, member.sukarela) == (
        3,
        "f",
        100_000,
        25_000,
        0,
    )
    assert member.phone == "+6281299990000"


@pytest.mark.django_db
def test_the_sample_file_downloads_and_is_itself_a_clean_import(cooperative, board_client):
    response = board_client.get(reverse("koperasi:import-template", args=[cooperative.slug]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    content = response.content
    assert content.decode("utf-8-sig").splitlines()[0] == ",".join(HEADER)
    result = imports.import_check(cooperative=cooperative, content=content, filename="c.csv")
    assert result.ok, result.problems
    assert result.summary["members"] == 2


# --- Bad files: every problem listed, nothing written -----------------------------------

BAD_ROWS = [
    ("nik_invalid", {"nik": "32730114038500"}, "nik"),
    ("nik_mismatch", {"tanggal_lahir": "1985-03-15"}, "nik"),
    ("gender_mismatch", {"jenis_kelamin": "P"}, "jenis_kelamin"),
    ("gender_invalid", {"jenis_kelamin": "X"}, "jenis_kelamin"),
    ("date_invalid", {"tanggal_lahir": "14-Mar-1985"}, "tanggal_lahir"),
    ("date_invalid", {"tanggal_lahir": "03/14/1985"}, "tanggal_lahir"),
    ("date_future", {"tanggal_masuk": "2999-01-01"}, "tanggal_masuk"),
    ("phone_invalid", {"telepon": "12345"}, "telepon"),
    ("email_invalid", {"email": "budi@"}, "email"),
    ("amount_negative", {"simpanan_sukarela": "-5000"}, "simpanan_sukarela"),
    ("amount_decimal", {"simpanan_wajib": "1250000,50"}, "simpanan_wajib"),
    ("amount_decimal", {"simpanan_pokok": "100000.5"}, "simpanan_pokok"),
    ("amount_invalid", {"simpanan_pokok": "seratus ribu"}, "simpanan_pokok"),
    ("amount_too_large", {"simpanan_sukarela": "99999999999"}, "simpanan_sukarela"),
    ("number_invalid", {"no_anggota": "A-12"}, "no_anggota"),
    ("too_long", {"nama": "N" * 151}, "nama"),
    ("too_long", {"alamat": "A" * 501}, "alamat"),
    ("required", {"alamat": ""}, "alamat"),
    ("required", {"nik": ""}, "nik"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "overrides", "column"), BAD_ROWS)
def test_a_bad_cell_refuses_the_whole_file_and_says_where(
    code, overrides, column, cooperative, chair
):
    # Given a file whose first row is fine and whose second row has one bad cell
    make_member(cooperative)
    before = counts()
    content = csv_bytes([row(1), row(2, **overrides)])

    # When it is checked
    job = validated(cooperative, chair, content)

    # Then the problem is listed at row 3 (header = row 1), and the file is refused whole
    assert job.status == ImportJob.Status.INVALID
    assert found(job.problems, 3, column, code), job.problems
    assert not any(p["row"] == 2 for p in job.problems)
    assert job.summary["problem_count"] == len(job.problems)
    assert not job.file
    with pytest.raises(DomainError):
        imports.import_job_accept(job=job, acting_user=chair)
    assert counts() == before


@pytest.mark.django_db
def test_duplicates_in_the_file_and_in_the_cooperative_are_listed(cooperative, chair):
    # Given a live member, and a file repeating a NIK and a number, and reusing both
    existing = make_member(cooperative, nik=nik(dt.date(1985, 3, 14), 77))
    before = counts()
    content = csv_bytes(
        [
            row(1, no_anggota="10"),
            row(1, no_anggota="11"),  # same NIK as row 2
            row(3, no_anggota="10"),  # same number as row 2
            row(77),  # NIK of a live member
            row(5, no_anggota=str(existing.number)),  # number already used
        ]
    )

    job = validated(cooperative, chair, content)

    assert job.status == ImportJob.Status.INVALID
    assert found(job.problems, 3, "nik", "nik_duplicate")
    assert found(job.problems, 4, "no_anggota", "number_duplicate")
    assert found(job.problems, 5, "nik", "nik_exists")
    assert found(job.problems, 6, "no_anggota", "number_exists")
    assert len(job.problems) == 4
    assert counts() == before


FILE_PROBLEMS = [
    ("empty", b"", "anggota.csv", None, ""),
    ("empty", b"\r\n;;\r\n", "anggota.csv", None, ""),
    ("no_rows", ",".join(HEADER).encode(), "anggota.csv", None, ""),
    (
        "missing_column",
        csv_bytes([row(1)], header=[h for h in HEADER if h != "nik"]),
        "anggota.csv",
        1,
        "nik",
    ),
    (
        "duplicate_column",
        csv_bytes([row(1)], header=[*HEADER, "full_name"]),
        "anggota.csv",
        1,
        "full_name",
    ),
    ("file_type", b"%PDF-1.4 not a sheet", "anggota.pdf", None, ""),
    ("file_type", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "anggota.xls", None, ""),
    ("unreadable", b"this is not a zip", "anggota.xlsx", None, ""),
    ("unreadable", b"nama,nik\r\nBudi\x00,123\r\n", "anggota.csv", None, ""),
    ("malformed", b'nama,nik\r\n"Budi' + b"x" * 140_000 + b'",1\r\n', "anggota.csv", None, ""),
]


def _zip_that_is_not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "content", "filename", "row_number", "column"), FILE_PROBLEMS)
def test_a_file_that_is_not_a_member_list_is_refused_with_a_clear_problem(
    code, content, filename, row_number, column, cooperative, chair
):
    before = counts()

    job = validated(cooperative, chair, content, filename)

    assert job.status == ImportJob.Status.INVALID
    assert found(job.problems, row_number, column, code), job.problems
    assert counts() == before


@pytest.mark.django_db
def test_a_zip_that_is_not_a_workbook_is_unreadable(cooperative, chair):
    job = validated(cooperative, chair, _zip_that_is_not_a_workbook(), "anggota.xlsx")

    assert job.status == ImportJob.Status.INVALID
    assert found(job.problems, None, "", "unreadable")


@pytest.mark.django_db
def test_a_nik_excel_stored_as_a_number_is_refused_with_a_hint(cooperative, chair):
    birth = dt.date(1985, 3, 14)
    # Excel keeps 15 significant digits: 3273011403850001 became 3273011403850000
    content = xlsx_bytes(
        [
            [
                None,
                "Agus",
                3273011403850000,
                birth,
                "L",
                "0812111122",
                "",
                "Jl. Braga",
                "",
                "",
                0,
                0,
                0,
            ]
        ]
    )

    job = validated(cooperative, chair, content, "anggota.xlsx")

    assert job.status == ImportJob.Status.INVALID
    (problem,) = job.problems
    assert (problem["row"], problem["column"], problem["code"]) == (2, "nik", "nik_invalid")


@pytest.mark.django_db
def test_more_rows_than_the_cap_are_refused(cooperative, chair, monkeypatch):
    monkeypatch.setattr(imports.reading, "MAX_ROWS", 3)
    before = counts()

    job = validated(cooperative, chair, csv_bytes([row(i) for i in range(1, 5)]))

    assert job.status == ImportJob.Status.INVALID
    assert found(job.problems, None, "", "too_many_rows")
    assert counts() == before


@pytest.mark.django_db
def test_problems_are_capped_but_counted(cooperative, chair, monkeypatch):
    monkeypatch.setattr(imports.checking, "MAX_PROBLEMS", 5)

    job = validated(cooperative, chair, csv_bytes([row(i, telepon="1") for i in range(1, 9)]))

    assert len(job.problems) == 5
    assert job.summary["problem_count"] == 8


@pytest.mark.django_db
def test_the_upload_form_refuses_other_file_types_and_writes_nothing(
    cooperative, board_client, eager, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("anggota.pdf", b"%PDF-1.4", content_type="application/pdf")

    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(
            reverse("koperasi:import-start", args=[cooperative.slug]), {"file": upload}
        )

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_the_upload_form_refuses_files_over_20_mb(cooperative, board_client, monkeypatch):
    monkeypatch.setattr("members.import_forms.MAX_UPLOAD_BYTES", 10)
    upload = SimpleUploadedFile("anggota.csv", csv_bytes([row(1)]), content_type="text/csv")

    response = board_client.post(
        reverse("koperasi:import-start", args=[cooperative.slug]), {"file": upload}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_a_pending_cooperative_cannot_import(pending_cooperative):
    chair = RoleFactory(cooperative=pending_cooperative, kind=Role.Kind.BOARD).user
    upload = SimpleUploadedFile("anggota.csv", csv_bytes([row(1)]), content_type="text/csv")

    response = client_for(chair).post(
        reverse("koperasi:import-start", args=[pending_cooperative.slug]), {"file": upload}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert ImportJob.objects.count() == 0


# --- Re-checked on import; accepted once ------------------------------------------------


@pytest.mark.django_db
def test_accepting_twice_imports_once(
    cooperative, chair, board_client, eager, django_capture_on_commit_callbacks
):
    job = validated(cooperative, chair, csv_bytes([row(1), row(2)]))
    url = reverse("koperasi:import-accept", args=[cooperative.slug, job.pk])

    with django_capture_on_commit_callbacks(execute=True):
        first = board_client.post(url)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = board_client.post(url)
    tasks.import_run.apply(args=[job.pk])  # a redelivered task changes nothing either

    assert first.status_code == second.status_code == 302
    assert callbacks == []
    assert Member.objects.count() == 2
    assert JournalEntry.objects.count() == 1
    assert Event.objects.filter(kind="members.imported").count() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE


@pytest.mark.django_db
def test_a_member_who_joined_after_the_preview_makes_the_import_refuse(cooperative, chair):
    job = validated(cooperative, chair, csv_bytes([row(1), row(2)]))
    make_member(cooperative, nik=nik(dt.date(1985, 3, 14), 2))
    before = counts()

    job = imported(job, chair)

    assert job.status == ImportJob.Status.INVALID
    assert found(job.problems, 3, "nik", "nik_exists")
    assert counts() == before


# --- Access ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member", "teller", "supervisor"])
def test_only_the_board_can_upload(role, cooperative, request):
    client = client_for(request.getfixturevalue(role))
    upload = SimpleUploadedFile("anggota.csv", csv_bytes([row(1)]), content_type="text/csv")

    response = client.post(
        reverse("koperasi:import-start", args=[cooperative.slug]), {"file": upload}
    )

    assert response.status_code == 403
    assert ImportJob.objects.count() == 0
    assert Member.objects.count() == 0


@pytest.mark.django_db
def test_outsiders_get_404_and_anonymous_visitors_log_in(cooperative, other_cooperative):
    outsider = RoleFactory(cooperative=other_cooperative, kind=Role.Kind.BOARD).user
    url = reverse("koperasi:import-start", args=[cooperative.slug])
    upload = SimpleUploadedFile("anggota.csv", csv_bytes([row(1)]), content_type="text/csv")

    assert client_for(outsider).post(url, {"file": upload}).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(UserFactory()).get(url).status_code == 404
    from django.test import Client

    assert Client().get(url).status_code == 302
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_a_supervisor_reads_jobs_but_cannot_accept(cooperative, chair, supervisor):
    job = validated(cooperative, chair, csv_bytes([row(1)]))
    client = client_for(supervisor)

    start = client.get(reverse("koperasi:import-start", args=[cooperative.slug]))
    detail = client.get(reverse("koperasi:import-detail", args=[cooperative.slug, job.pk]))
    accept = client.post(reverse("koperasi:import-accept", args=[cooperative.slug, job.pk]))

    assert start.status_code == 200
    assert 'id="import-upload"' not in start.content.decode()
    assert f"/kelola/impor/{job.pk}/" in start.content.decode()
    assert detail.status_code == 200
    assert 'id="import-accept"' not in detail.content.decode()
    assert accept.status_code == 403
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY
    assert Member.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["import-detail", "import-status", "import-accept"])
def test_another_cooperatives_job_is_404(name, cooperative, other_cooperative, board_client):
    other_chair = RoleFactory(cooperative=other_cooperative, kind=Role.Kind.BOARD).user
    job = validated(other_cooperative, other_chair, csv_bytes([row(1)]))
    url = reverse(f"koperasi:{name}", args=[cooperative.slug, job.pk])

    response = board_client.post(url) if name == "import-accept" else board_client.get(url)

    assert response.status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY
    assert Member.objects.count() == 0


# --- Progress ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_status_fragment_polls_while_running_and_stops_when_finished(
    cooperative, chair, board_client
):
    job = job_for(cooperative, chair, csv_bytes([row(1)]))
    ImportJob.objects.filter(pk=job.pk).update(total_rows=1000, processed_rows=500)
    url = reverse("koperasi:import-status", args=[cooperative.slug, job.pk])

    running = board_client.get(url, headers={"HX-Request": "true"}).content.decode()
    tasks.import_validate.apply(args=[job.pk])
    finished = board_client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert running.lstrip().startswith('<section id="import-job"')
    assert 'hx-trigger="every 1s"' in running
    assert '<progress id="import-progress" max="100" value="50"' in running
    assert "<html" not in running
    assert 'hx-trigger="every 1s"' not in finished
    assert 'data-status="ready"' in finished


@pytest.mark.django_db
def test_progress_is_saved_every_500_rows_not_per_row(cooperative, chair, monkeypatch):
    seen = []
    original = imports.jobs._progress_for

    def spy(job_id):
        save = original(job_id)

        def progress(done, total):
            seen.append((done, total))
            save(done, total)

        return progress

    monkeypatch.setattr(imports.jobs, "_progress_for", spy)

    validated(cooperative, chair, csv_bytes([row(i) for i in range(1, 1201)]))

    assert seen == [(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]


@pytest.mark.django_db
def test_a_2000_row_file_imports_with_a_bounded_number_of_queries(
    cooperative, chair, django_assert_max_num_queries
):
    rows = [row(i, email=f"a{i}@example.test") for i in range(1, 2001)]
    UserFactory(email="a7@example.test")
    job = job_for(cooperative, chair, csv_bytes(rows))

    with django_assert_max_num_queries(30):
        tasks.import_validate.apply(args=[job.pk])
    with django_assert_max_num_queries(60):
        job = imported(job, chair)

    assert job.status == ImportJob.Status.DONE
    assert Member.objects.filter(cooperative=cooperative).count() == 2000
    assert Account.objects.filter(cooperative=cooperative, member__isnull=False).count() == 6000
    assert JournalEntry.objects.get().postings.count() == 4001
    assert Member.objects.filter(user__isnull=False).count() == 1
    assert ledger_violations() == []


# --- The command -------------------------------------------------------------------------


@pytest.fixture
def sheet(tmp_path):
    def write(content: bytes, name: str = "anggota.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        return str(path)

    return write


@pytest.mark.django_db
def test_the_command_dry_run_prints_the_summary_and_writes_nothing(cooperative, sheet):
    path = sheet(csv_bytes([row(1), row(2, simpanan_sukarela="750.000")]))
    before = counts()
    out = io.StringIO()

    call_command("import_members", path, "--cooperative", cooperative.slug, "--dry-run", stdout=out)

    assert "members: 2" in out.getvalue()
    assert "opening sukarela: 750000" in out.getvalue()
    assert counts() == before


@pytest.mark.django_db
def test_the_command_imports_and_exits_zero(cooperative, sheet, monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    path = sheet(csv_bytes([row(1), row(2)]))
    out = io.StringIO()
    command = ImportMembersCommand(stdout=out)

    command.run_from_argv(["manage.py", "import_members", path, "--cooperative", cooperative.slug])

    assert "members: 2" in out.getvalue()
    assert Member.objects.filter(cooperative=cooperative).count() == 2
    assert JournalEntry.objects.filter(kind="opening").count() == 1
    assert ledger_violations() == []


@pytest.mark.django_db
def test_the_command_lists_problems_and_exits_non_zero(cooperative, sheet, monkeypatch, capsys):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    path = sheet(csv_bytes([row(1), row(2, telepon="12")]))
    before = counts()
    out = io.StringIO()
    command = ImportMembersCommand(stdout=out)

    with pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(
            ["manage.py", "import_members", path, "--cooperative", cooperative.slug]
        )

    assert exit_info.value.code == 1
    assert "row 3, telepon:" in out.getvalue()
    assert "1 problem(s)" in capsys.readouterr().err
    assert counts() == before


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_cooperative(sheet):
    with pytest.raises(CommandError):
        call_command("import_members", sheet(csv_bytes([row(1)])), "--cooperative", "nope")
