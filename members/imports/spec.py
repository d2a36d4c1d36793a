"""The file's format: its columns, limits, the template, and the problems a check reports."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from members.models import Member
from services.ledger.models import SavingsKind

logger = logging.getLogger(__name__)


MAX_ROWS = 100_000
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_MEMBER_NUMBER = 9_999_999  # member account codes carry the number in seven digits
MAX_PROBLEMS = 1_000  # stored and shown; the count covers them all
PROGRESS_EVERY = 500
POKOK_BILL_DUE_DAYS = 30
SEQUENCE_NAME = "member_number"
LIVE_STATUSES = (Member.Status.APPLICANT, Member.Status.ACTIVE)
BALANCE_KINDS = (SavingsKind.POKOK, SavingsKind.WAJIB, SavingsKind.SUKARELA)


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy: shown on the page in the reader's language
    headers: tuple[str, ...]  # accepted names, normalised; the first is the template's
    required: bool = False

    @property
    def name(self) -> str:
        return self.headers[0]


COLUMNS: tuple[Column, ...] = (
    Column(
        "number",
        gettext_lazy("Member number (empty: numbered for you)"),
        ("no_anggota", "nomor_anggota", "member_number", "member_no"),
    ),
    Column(
        "full_name",
        gettext_lazy("Full name"),
        ("nama", "nama_lengkap", "full_name", "name"),
        required=True,
    ),
    Column(
        "nik",
        gettext_lazy("NIK (16-digit KTP number)"),
        ("nik", "no_ktp", "nomor_ktp", "nik_ktp", "ktp"),
        required=True,
    ),
    Column(
        "birth_date",
        gettext_lazy("Date of birth (YYYY-MM-DD or DD/MM/YYYY)"),
        ("tanggal_lahir", "tgl_lahir", "date_of_birth", "birth_date", "dob"),
        required=True,
    ),
    Column(
        "gender",
        gettext_lazy("Gender (L/P or M/F)"),
        ("jenis_kelamin", "jk", "gender", "sex"),
        required=True,
    ),
    Column(
        "phone",
        gettext_lazy("Phone"),
        ("telepon", "no_hp", "nomor_hp", "hp", "telp", "no_telp", "phone", "phone_number"),
        required=True,
    ),
    Column("email", gettext_lazy("Email (optional)"), ("email", "e_mail", "surel")),
    Column("address", gettext_lazy("Address"), ("alamat", "address"), required=True),
    Column(
        "heir_name",
        gettext_lazy("Heir (optional)"),
        ("ahli_waris", "nama_ahli_waris", "heir_name", "heir"),
    ),
    Column(
        "joined_on",
        gettext_lazy("Join date (empty: today)"),
        ("tanggal_masuk", "tgl_masuk", "tanggal_bergabung", "join_date", "joined_on"),
    ),
    Column(
        SavingsKind.POKOK,
        gettext_lazy("Opening simpanan pokok (whole Rupiah)"),
        ("simpanan_pokok", "pokok", "opening_pokok", "principal_savings"),
    ),
    Column(
        SavingsKind.WAJIB,
        gettext_lazy("Opening simpanan wajib (whole Rupiah)"),
        ("simpanan_wajib", "wajib", "opening_wajib", "mandatory_savings"),
    ),
    Column(
        SavingsKind.SUKARELA,
        gettext_lazy("Opening simpanan sukarela (whole Rupiah)"),
        ("simpanan_sukarela", "sukarela", "opening_sukarela", "voluntary_savings"),
    ),
)
COLUMN_BY_HEADER = {header: column for column in COLUMNS for header in column.headers}

TEMPLATE_ROWS = (
    (
        "",
        "Budi Santoso",
        "3273011403850001",
        "1985-03-14",
        "L",
        "0812 3456 7890",
        "budi@example.com",
        "Jl. Asia Afrika No. 1, Bandung",
        "Siti Aminah",
        "2019-01-15",
        "100000",
        "1.250.000",
        "500000",
    ),
    (
        "",
        "Sri Wahyuni",
        "3273016107900002",
        "21/07/1990",
        "P",
        "081298765432",
        "",
        "Jl. Cihampelas No. 5, Bandung",
        "",
        "",
        "50000",
        "0",
        "0",
    ),
)


def template_csv() -> str:
    """The sample file offered for download: the header row and two example members."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in COLUMNS])
    writer.writerows(TEMPLATE_ROWS)
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8


@dataclass(frozen=True)
class Problem:
    row: int | None  # as the spreadsheet shows it; None for the file as a whole
    column: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


class FileRefusedError(Exception):
    """The file as a whole cannot be read as a member list."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.problem = Problem(row=None, column="", code=code, message=message)


class CellError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
