"""Importing a cooperative's existing member list (CSV or XLSX) with opening balances.

Policy, shown on the import page as well:

- **All or nothing.** A file with ANY bad row is refused WHOLE. Every problem is listed with the
  row number as the spreadsheet shows it (the header is row 1), the column and a message; the
  board fixes the file and uploads it again. Nothing is written while a file has problems.
- **Preview first.** A clean file gives a preview: how many members, and the opening balances
  per savings kind (pokok, wajib, sukarela). Nothing is written until the board accepts it.
- **One transaction.** On acceptance the file is checked again (the member list may have changed
  since the preview) and then written at once, set-based: the members (active, numbered), their
  savings accounts, a pokok bill for whatever part of the simpanan pokok is still unpaid (due 30
  days after the import), a member role for those whose email already has a login (no login is
  created), and ONE opening-balance journal entry dated the import day that credits each member
  account with its opening balance and debits "Opening balances" for the total. Its postings are
  one INSERT (PostgreSQL checks that they sum to zero) and the stored balances move with one
  set-based UPDATE derived from those postings, so `manage.py ledger_check` holds.

Columns (header row; case, spaces and punctuation ignored; Indonesian or English names) are in
`COLUMNS`. Member numbers given in the file are kept (unique in the cooperative and the file);
the others come from the cooperative's member-number sequence, which never hands out a number
the file used.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, Role, Sequence, User
from koperasi.sequences import sequence_take
from koperasi.validators import normalize_phone, parse_nik, validate_nik_matches, validate_phone
from members.models import ImportJob, Member
from services.ledger import chart
from services.ledger.models import Account, JournalEntry, Posting, SavingsKind
from services.savings.actions import member_accounts_open, month_start, product_for
from services.savings.models import MAX_AMOUNT, SavingsBill

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


# --- Problems ---------------------------------------------------------------------------


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


# --- Reading CSV and XLSX ---------------------------------------------------------------


@dataclass
class Table:
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cell values)
    is_xlsx: bool


def normalize_header(value: Any) -> str:
    """`"Simpanan Pokok (Rp)"` -> `"simpanan_pokok"`: case, notes in brackets, spaces and
    punctuation do not matter."""
    text = re.sub(r"\(.*?\)", "", str(value or "")).strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _too_many() -> FileRefusedError:
    return FileRefusedError(
        "too_many_rows",
        _("The file has more than %(max)s members. Split it into several files.")
        % {"max": number_format(MAX_ROWS, force_grouping=True)},
    )


HEADER_SEARCH_ROWS = 10  # a title or a note may sit above the header row


def _header_score(values: list[Any]) -> int:
    return sum(1 for value in values if normalize_header(value) in COLUMN_BY_HEADER)


def _collect(records: Iterable[tuple[int, list[Any]]], *, is_xlsx: bool) -> Table:
    """Blank records are skipped but still counted, so row numbers stay those the spreadsheet
    shows. The header is the first of the first few non-blank records that names at least two
    known columns (a title line may sit above it), else the first non-blank record."""
    kept: list[tuple[int, list[Any]]] = []
    for number, values in records:
        if all(_blank(value) for value in values):
            continue
        if len(kept) > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise _too_many()
        kept.append((number, values))
    if not kept:
        raise FileRefusedError("empty", _("The file is empty."))
    at = next(
        (
            i
            for i, (_n, values) in enumerate(kept[:HEADER_SEARCH_ROWS])
            if _header_score(values) >= 2
        ),
        0,
    )
    header_row, values = kept[at]
    headers = ["" if value is None else str(value).strip() for value in values]
    while headers and not headers[-1]:
        headers.pop()
    rows = kept[at + 1 :]
    if len(rows) > MAX_ROWS:
        raise _too_many()
    return Table(header_row=header_row, headers=headers, rows=rows, is_xlsx=is_xlsx)


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        raise FileRefusedError(
            "unreadable", _("This is not a text CSV file. Save the sheet as CSV or XLSX.")
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefusedError(
        "unreadable", _("The file's characters cannot be read. Save it as CSV UTF-8 or XLSX.")
    )


def _read_csv(content: bytes) -> Table:
    text = _decode(content)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Excel set to Indonesian writes ";" between cells (the comma is the decimal separator).
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _collect(((n, row) for n, row in enumerate(reader, start=1)), is_xlsx=False)
    except csv.Error as error:
        raise FileRefusedError(
            "malformed",
            _("The CSV file is malformed near row %(row)s: check its quotes.")
            % {"row": reader.line_num},
        ) from error


def _read_xlsx(content: bytes) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise FileRefusedError(
            "unreadable", _("The Excel file cannot be read. Open it in Excel and save it again.")
        ) from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record wrong dimensions; read every row
        records = ((n, list(row)) for n, row in enumerate(sheet.iter_rows(values_only=True), 1))
        return _collect(records, is_xlsx=True)
    except FileRefusedError:
        raise
    except Exception as error:
        raise FileRefusedError(
            "unreadable", _("The Excel file cannot be read. Open it in Excel and save it again.")
        ) from error
    finally:
        workbook.close()


def read_table(*, content: bytes, filename: str) -> Table:
    """Read an uploaded file into rows, refusing what is not a readable CSV or XLSX file."""
    name = filename.lower()
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefusedError(
            "file_type", _("This is an old Excel (.xls) file. Save it as .xlsx or .csv.")
        )
    if content.startswith(b"PK\x03\x04") or name.endswith(".xlsx"):
        if not zipfile.is_zipfile(io.BytesIO(content)):
            raise FileRefusedError(
                "unreadable",
                _("The Excel file cannot be read. Open it in Excel and save it again."),
            )
        return _read_xlsx(content)
    if name.endswith(".csv"):
        return _read_csv(content)
    raise FileRefusedError("file_type", _("Upload a .csv or .xlsx file."))


# --- Cells ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split())


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_DMY_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    message = _("Write the date as YYYY-MM-DD or DD/MM/YYYY.")
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date cell Excel lost its format for: the serial number of days since 1899-12-30.
        if 1 <= value < 2958466:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        raise CellError("date_invalid", message)
    text = _text(value)
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DMY_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise CellError("date_invalid", message)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError("date_invalid", message) from None


_GENDERS = {
    "l": "m",
    "lk": "m",
    "laki_laki": "m",
    "lakilaki": "m",
    "pria": "m",
    "m": "m",
    "male": "m",
    "p": "f",
    "pr": "f",
    "perempuan": "f",
    "wanita": "f",
    "w": "f",
    "f": "f",
    "female": "f",
}


def _gender(value: Any) -> str:
    gender = _GENDERS.get(normalize_header(value))
    if gender is None:
        raise CellError("gender_invalid", _("Write L or P (or M or F)."))
    return gender


_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+")
_DECIMAL = re.compile(r"\d+([.,]\d+)+")


def _amount(value: Any) -> int:
    """Whole Rupiah, zero or more: 1250000 or 1.250.000 (Indonesian grouping), "Rp" allowed."""
    if _blank(value):
        return 0
    message = _("Write a whole Rupiah amount, like 1250000 or 1.250.000.")
    if isinstance(value, bool):
        raise CellError("amount_invalid", message)
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError("amount_decimal", _("Whole Rupiah only: no decimals."))
        value = int(value)
    if isinstance(value, int):
        amount = value
    else:
        text = re.sub(r"^rp\.?", "", str(value).strip(), flags=re.IGNORECASE)
        text = re.sub(r"\s", "", text)
        negative = text.startswith("-")
        text = text.lstrip("-")
        if text.isascii() and text.isdigit():
            amount = int(text)
        elif _GROUPED.fullmatch(text):
            amount = int(text.replace(".", ""))
        elif _DECIMAL.fullmatch(text):
            raise CellError("amount_decimal", _("Whole Rupiah only: no decimals."))
        else:
            raise CellError("amount_invalid", message)
        amount = -amount if negative else amount
    if amount < 0:
        raise CellError("amount_negative", _("An opening balance cannot be negative."))
    if amount > MAX_AMOUNT:
        raise CellError("amount_too_large", _("This amount is too large."))
    return amount


def _number(value: Any) -> int | None:
    if _blank(value):
        return None
    text = _text(value)
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_MEMBER_NUMBER:
        raise CellError(
            "number_invalid",
            _("A member number is a whole number from 1 to %(max)s.")
            % {"max": number_format(MAX_MEMBER_NUMBER, force_grouping=True)},
        )
    return int(text)


def _nik(value: Any, *, numeric_cell: bool) -> tuple[str, dt.date, str]:
    text = re.sub(r"[\s.\-']", "", _text(value))
    try:
        born, gender = parse_nik(text)
    except ValidationError as error:
        message = str(error.messages[0])
        if numeric_cell:
            message += " " + _(
                "Excel stored this NIK as a number and may have changed its last digits: "
                "format the column as Text and type it again."
            )
        raise CellError("nik_invalid", message) from None
    return text, born, gender


def _phone(value: Any) -> str:
    text = _text(value).lstrip("'")
    if text.startswith("8"):  # Excel dropped the leading zero of 0812...
        text = "0" + text
    phone = normalize_phone(text)
    try:
        validate_phone(phone)
    except ValidationError as error:
        raise CellError("phone_invalid", str(error.messages[0])) from None
    return phone


def _email(value: Any) -> str:
    email = _text(value).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise CellError("email_invalid", _("This is not an email address.")) from None
    return email


def _max_length(name: str) -> int:
    return Member._meta.get_field(name).max_length


# --- Checking a file --------------------------------------------------------------------


@dataclass(slots=True)
class MemberRow:
    row: int
    number: int | None
    full_name: str
    nik: str
    birth_date: dt.date
    gender: str
    phone: str
    email: str
    address: str
    heir_name: str
    joined_on: dt.date
    pokok: int
    wajib: int
    sukarela: int

    def balance(self, kind: str) -> int:
        return getattr(self, kind)


@dataclass
class CheckResult:
    rows: list[MemberRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    total_rows: int = 0
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def problem_dicts(self) -> list[dict[str, Any]]:
        return [problem.as_dict() for problem in self.problems]


Progress = Callable[[int, int], None]


def _map_headers(table: Table, result: CheckResult) -> dict[str, int]:
    """Column key -> index in the row; header problems go into `result`."""
    index: dict[str, int] = {}
    for position, header in enumerate(table.headers):
        column = COLUMN_BY_HEADER.get(normalize_header(header))
        if column is None:
            continue  # extra columns (a "No." counter, notes) are ignored
        if column.key in index:
            result.add(
                Problem(
                    table.header_row,
                    header,
                    "duplicate_column",
                    _("Two columns mean %(column)s: keep one.") % {"column": column.name},
                )
            )
            continue
        index[column.key] = position
    for column in COLUMNS:
        if column.required and column.key not in index:
            result.add(
                Problem(
                    table.header_row,
                    column.name,
                    "missing_column",
                    _("The column %(column)s is missing (other accepted names: %(names)s).")
                    % {"column": column.name, "names": ", ".join(column.headers[1:])},
                )
            )
    return index


def _check_row(
    number: int,
    values: list[Any],
    index: dict[str, int],
    headers: list[str],
    *,
    is_xlsx: bool,
    today: dt.date,
    result: CheckResult,
) -> MemberRow | None:
    """One row to a MemberRow, or its problems into `result` and None."""
    before = result.problem_count
    cells = {key: values[i] if i < len(values) else None for key, i in index.items()}

    def problem(key: str, code: str, message: str) -> None:
        column = headers[index[key]] if key in index else key
        result.add(Problem(number, column, code, message))

    def parse(key: str, parser: Callable[[Any], Any], default: Any = None) -> Any:
        try:
            return parser(cells.get(key))
        except CellError as error:
            problem(key, error.code, error.message)
            return default

    def text(key: str, *, required: bool) -> str:
        value = _text(cells.get(key))
        if required and not value:
            problem(key, "required", _("This cell is empty; it is required."))
        limit = _max_length(key)
        if len(value) > limit:
            problem(
                key,
                "too_long",
                _("At most %(max)s characters (this has %(length)s).")
                % {"max": limit, "length": len(value)},
            )
        return value

    def present(key: str) -> bool:
        if _blank(cells.get(key)):
            problem(key, "required", _("This cell is empty; it is required."))
            return False
        return True

    full_name = text("full_name", required=True)
    address = text("address", required=True)
    heir_name = text("heir_name", required=False)
    member_number = parse("number", _number)
    email = parse("email", _email, "")
    if len(email) > _max_length("email"):
        problem("email", "too_long", _("This email address is too long."))
    phone = parse("phone", _phone, "") if present("phone") else ""
    gender = parse("gender", _gender) if present("gender") else None
    birth_date = parse("birth_date", _date) if present("birth_date") else None
    if birth_date is not None and birth_date > today:
        problem("birth_date", "date_future", _("The date of birth is in the future."))
        birth_date = None
    nik, nik_gender = "", None
    if present("nik"):
        numeric = is_xlsx and isinstance(cells["nik"], int | float)
        try:
            nik, _born, nik_gender = _nik(cells["nik"], numeric_cell=numeric)
        except CellError as error:
            problem("nik", error.code, error.message)
        else:
            if birth_date is not None:
                try:
                    validate_nik_matches(nik, birth_date)
                except ValidationError as error:
                    problem("nik", "nik_mismatch", str(error.messages[0]))
            if gender is not None and gender != nik_gender:
                problem(
                    "gender",
                    "gender_mismatch",
                    _(
                        "The gender does not agree with the NIK (women have 40 added to the "
                        "day of birth in digits 7 and 8)."
                    ),
                )
    joined_on = today
    if not _blank(cells.get("joined_on")):
        joined_on = parse("joined_on", _date, today)
        if joined_on > today:
            problem("joined_on", "date_future", _("The join date is in the future."))
        elif birth_date is not None and joined_on < birth_date:
            problem("joined_on", "date_invalid", _("The join date is before the date of birth."))
    balances = {kind: parse(kind, _amount, 0) for kind in BALANCE_KINDS}
    if result.problem_count > before:
        return None
    return MemberRow(
        row=number,
        number=member_number,
        full_name=full_name,
        nik=nik,
        birth_date=birth_date,
        gender=gender,
        phone=phone,
        email=email,
        address=address,
        heir_name=heir_name,
        joined_on=joined_on,
        **balances,
    )


def import_check(
    *,
    cooperative: Cooperative,
    content: bytes,
    filename: str,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> CheckResult:
    """Read and check a whole file; the result lists every problem, or the rows and a preview."""
    today = today or timezone.localdate()
    result = CheckResult()
    try:
        table = read_table(content=content, filename=filename)
    except FileRefusedError as refused:
        result.add(refused.problem)
        return result
    index = _map_headers(table, result)
    if not result.ok:
        return result
    if not table.rows:
        result.add(
            Problem(None, "", "no_rows", _("The file has a header row but no members under it."))
        )
        return result
    result.total_rows = total = len(table.rows)
    if progress:
        progress(0, total)
    live_niks = set(
        Member.objects.filter(cooperative=cooperative, status__in=LIVE_STATUSES).values_list(
            "nik", flat=True
        )
    )
    taken_numbers = set(
        Member.objects.filter(cooperative=cooperative, number__isnull=False).values_list(
            "number", flat=True
        )
    )
    nik_rows: dict[str, int] = {}
    number_rows: dict[int, int] = {}
    for done, (number, values) in enumerate(table.rows, start=1):
        row = _check_row(
            number,
            values,
            index,
            table.headers,
            is_xlsx=table.is_xlsx,
            today=today,
            result=result,
        )
        if row is not None:
            nik_column = table.headers[index["nik"]]
            if row.nik in nik_rows:
                result.add(
                    Problem(
                        number,
                        nik_column,
                        "nik_duplicate",
                        _("The same NIK is on row %(row)s.") % {"row": nik_rows[row.nik]},
                    )
                )
            elif row.nik in live_niks:
                result.add(
                    Problem(
                        number,
                        nik_column,
                        "nik_exists",
                        _("Someone with this NIK is already a member or applicant here."),
                    )
                )
            nik_rows.setdefault(row.nik, number)
            if row.number is not None:
                number_column = table.headers[index["number"]]
                if row.number in number_rows:
                    result.add(
                        Problem(
                            number,
                            number_column,
                            "number_duplicate",
                            _("The same member number is on row %(row)s.")
                            % {"row": number_rows[row.number]},
                        )
                    )
                elif row.number in taken_numbers:
                    result.add(
                        Problem(
                            number,
                            number_column,
                            "number_exists",
                            _("Member number %(number)s is already used in this cooperative.")
                            % {"number": row.number},
                        )
                    )
                number_rows.setdefault(row.number, number)
            result.rows.append(row)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
    if progress:
        progress(total, total)
    if not result.ok:
        result.rows = []
        return result
    result.summary = preview_summary(cooperative=cooperative, rows=result.rows)
    return result


def preview_summary(*, cooperative: Cooperative, rows: list[MemberRow]) -> dict[str, Any]:
    """What the board sees before accepting: counts and opening-balance totals per kind."""
    pokok_amount = product_for(cooperative).pokok_amount
    totals = {kind: sum(row.balance(kind) for row in rows) for kind in BALANCE_KINDS}
    return {
        "members": len(rows),
        "totals": {str(kind): amount for kind, amount in totals.items()},
        "total": sum(totals.values()),
        "given_numbers": sum(1 for row in rows if row.number is not None),
        "pokok_amount": pokok_amount,
        "pokok_bills": sum(1 for row in rows if row.pokok < pokok_amount),
        "with_email": sum(1 for row in rows if row.email),
    }


# --- Writing ----------------------------------------------------------------------------

BALANCES_SQL = """
UPDATE {account}
   SET balance = {account}.balance + {account}.normal_sign * moved.total
  FROM (SELECT account_id, SUM(amount) AS total FROM {posting}
         WHERE entry_id = %s GROUP BY account_id) moved
 WHERE {account}.id = moved.account_id
"""


def _numbers_assign(*, cooperative: Cooperative, rows: list[MemberRow]) -> list[int]:
    """The given numbers, and the sequence's next ones for the rest. The sequence first moves
    past the highest given number, so it never hands out a number the file used."""
    Sequence.objects.get_or_create(cooperative=cooperative, name=SEQUENCE_NAME)
    sequence = Sequence.objects.select_for_update().get(cooperative=cooperative, name=SEQUENCE_NAME)
    highest_given = max((row.number for row in rows if row.number is not None), default=0)
    if highest_given > sequence.last_value:
        sequence.last_value = highest_given
        sequence.save(update_fields=["last_value"])
    missing = sum(1 for row in rows if row.number is None)
    fresh = iter(
        sequence_take(cooperative=cooperative, name=SEQUENCE_NAME, count=missing) if missing else ()
    )
    return [row.number if row.number is not None else next(fresh) for row in rows]


def _logins(*, cooperative: Cooperative, rows: list[MemberRow]) -> dict[str, int]:
    """Email -> user id, for emails that already have a login, appear once in the file and
    belong to nobody who is already a live member here (no login is created)."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.email:
            seen[row.email] = seen.get(row.email, 0) + 1
    emails = [email for email, count in seen.items() if count == 1]
    if not emails:
        return {}
    users = dict(User.objects.filter(email__in=emails).values_list("email", "id"))
    members_already = set(
        Member.objects.filter(
            cooperative=cooperative, status__in=LIVE_STATUSES, user_id__in=users.values()
        ).values_list("user_id", flat=True)
    )
    return {email: uid for email, uid in users.items() if uid not in members_already}


def _fingerprint(*, date: dt.date, legs: list[tuple[int, int]]) -> str:
    digest = hashlib.sha256(f"{JournalEntry.Kind.OPENING}|{date.isoformat()}".encode())
    for account_id, amount in sorted(legs):
        digest.update(f"|{account_id}:{amount}".encode())
    return digest.hexdigest()


@transaction.atomic
def members_import(
    *,
    cooperative: Cooperative,
    rows: list[MemberRow],
    acting_user: User | None,
    idempotency_key: str | None = None,
    job: ImportJob | None = None,
) -> dict[str, Any]:
    """Write checked rows at once: active members, accounts, pokok bills, roles and ONE
    opening-balance entry. Set-based: the number of queries does not grow with the rows."""
    if not cooperative.is_verified:
        raise DomainError(_("This cooperative is not accepting members yet."))
    if not rows:
        raise DomainError(_("There is nobody to import."))
    today = timezone.localdate()
    now = timezone.now()
    numbers = _numbers_assign(cooperative=cooperative, rows=rows)
    logins = _logins(cooperative=cooperative, rows=rows)
    members = Member.objects.bulk_create(
        [
            Member(
                cooperative=cooperative,
                user_id=logins.get(row.email),
                number=number,
                full_name=row.full_name,
                nik=row.nik,
                birth_date=row.birth_date,
                gender=row.gender,
                phone=row.phone,
                email=row.email,
                address=row.address,
                heir_name=row.heir_name,
                status=Member.Status.ACTIVE,
                applied_at=now,
                joined_on=row.joined_on,
                decided_by=acting_user,
            )
            for row, number in zip(rows, numbers, strict=True)
        ]
    )
    member_accounts_open(members=members)
    member_ids = [member.pk for member in members]
    account_of = {
        (member_id, kind): account_id
        for account_id, member_id, kind in Account.objects.filter(
            cooperative=cooperative, member_id__in=member_ids
        ).values_list("id", "member_id", "savings_kind")
    }
    if len(account_of) != len(members) * len(BALANCE_KINDS):
        raise DomainError(_("Savings accounts could not be opened for every member."))

    legs = [
        (account_of[(member.pk, kind)], -row.balance(kind))
        for member, row in zip(members, rows, strict=True)
        for kind in BALANCE_KINDS
        if row.balance(kind)
    ]
    total = -sum(amount for _account, amount in legs)
    entry = None
    if total:
        opening = chart.gl_account(cooperative, chart.OPENING_BALANCE)
        legs.append((opening.pk, total))
        entry = JournalEntry.objects.create(
            cooperative=cooperative,
            date=today,
            kind=JournalEntry.Kind.OPENING,
            memo=_("Opening balances of %(count)s imported members") % {"count": len(members)},
            idempotency_key=idempotency_key,
            fingerprint=_fingerprint(date=today, legs=legs),
            created_by=acting_user,
            created_at=now,
        )
        # One INSERT: PostgreSQL's trigger checks that the entry's postings sum to zero.
        Posting.objects.bulk_create(
            [
                Posting(
                    entry=entry,
                    cooperative=cooperative,
                    account_id=account_id,
                    amount=amount,
                    date=today,
                )
                for account_id, amount in legs
            ]
        )
        sql = BALANCES_SQL.format(
            account=connection.ops.quote_name(Account._meta.db_table),
            posting=connection.ops.quote_name(Posting._meta.db_table),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])

    pokok_amount = product_for(cooperative).pokok_amount
    bills = SavingsBill.objects.bulk_create(
        [
            SavingsBill(
                cooperative=cooperative,
                member=member,
                kind=SavingsKind.POKOK,
                period=month_start(member.joined_on),
                due_date=today + dt.timedelta(days=POKOK_BILL_DUE_DAYS),
                amount=pokok_amount - row.pokok,
            )
            for member, row in zip(members, rows, strict=True)
            if row.pokok < pokok_amount
        ]
    )
    Role.objects.bulk_create(
        [
            Role(
                cooperative=cooperative,
                user_id=member.user_id,
                kind=Role.Kind.MEMBER,
                granted_by=acting_user,
                granted_at=now,
            )
            for member in members
            if member.user_id
        ],
        ignore_conflicts=True,
    )
    Sequence.objects.filter(
        cooperative=cooperative, name=SEQUENCE_NAME, last_value__lt=max(numbers)
    ).update(last_value=max(numbers))
    summary = preview_summary(cooperative=cooperative, rows=rows)
    summary.update(
        {
            "entry_id": entry.pk if entry else None,
            "first_number": min(numbers),
            "last_number": max(numbers),
            "pokok_bills": len(bills),
            "logins_linked": sum(1 for member in members if member.user_id),
        }
    )
    events.event_record(
        kind="members.imported",
        actor=acting_user,
        cooperative=cooperative,
        data={
            "job_id": job.pk if job else None,
            "members": len(members),
            "entry_id": summary["entry_id"],
            "totals": summary["totals"],
        },
    )
    return summary


# --- Jobs: upload, check in the background, accept, import in the background -----------


def _dispatch(task_name: str, job_id: int) -> None:
    """Queue a job's task once the transaction commits; a broker that is down fails the job
    instead of the request."""
    from members import tasks

    def send() -> None:
        try:
            getattr(tasks, task_name).delay(job_id)
        except Exception:
            logger.exception("could not queue %s for import job %s", task_name, job_id)
            _finish(
                job_id,
                status=ImportJob.Status.FAILED,
                problems=[
                    Problem(
                        None,
                        "",
                        "not_started",
                        _("The work could not be started. Upload the file again later."),
                    ).as_dict()
                ],
            )

    transaction.on_commit(send)


@transaction.atomic
def import_job_create(*, cooperative: Cooperative, acting_user: User, upload) -> ImportJob:
    """The board uploads a member list; it is checked in the background, nothing is written."""
    if not cooperative.is_verified:
        raise DomainError(_("This cooperative is not accepting members yet."), field="file")
    job = ImportJob.objects.create(
        cooperative=cooperative,
        created_by=acting_user,
        file=upload,
        filename=upload.name[:200],
        status=ImportJob.Status.VALIDATING,
    )
    events.event_record(
        kind="members.import_uploaded",
        actor=acting_user,
        cooperative=cooperative,
        data={"job_id": job.pk, "filename": job.filename},
    )
    _dispatch("import_validate", job.pk)
    return job


@transaction.atomic
def import_job_accept(*, job: ImportJob, acting_user: User) -> ImportJob:
    """The board accepts a clean preview; a second acceptance changes nothing."""
    moved = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
        status=ImportJob.Status.IMPORTING, processed_rows=0
    )
    if not moved:
        raise DomainError(_("This import was already accepted, or is not ready."))
    job.refresh_from_db()
    events.event_record(
        kind="members.import_accepted",
        actor=acting_user,
        cooperative=job.cooperative,
        data={"job_id": job.pk},
    )
    _dispatch("import_run", job.pk)
    return job


def _finish(job_id: int, *, status: str, **fields: Any) -> None:
    fields.setdefault("finished_at", timezone.now())
    ImportJob.objects.filter(pk=job_id).update(status=status, **fields)


def _progress_for(job_id: int) -> Progress:
    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)

    return progress


def _content(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


def _forget_file(job: ImportJob) -> None:
    """The upload holds NIKs and phone numbers: keep it no longer than the job needs it."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def _language(job: ImportJob) -> str:
    return getattr(job.created_by, "language", "") or translation.get_language() or "id"


def _refuse(job: ImportJob, result: CheckResult) -> ImportJob:
    _finish(
        job.pk,
        status=ImportJob.Status.INVALID,
        problems=result.problem_dicts(),
        summary={"problem_count": result.problem_count},
        total_rows=result.total_rows,
    )
    _forget_file(job)
    job.refresh_from_db()
    return job


def _unexpected(job: ImportJob, message: str) -> ImportJob:
    logger.exception("member import job %s failed", job.pk)
    _finish(
        job.pk,
        status=ImportJob.Status.FAILED,
        problems=[Problem(None, "", "failed", message).as_dict()],
    )
    _forget_file(job)
    job.refresh_from_db()
    return job


def import_job_validate(*, job_id: int) -> ImportJob:
    """Check an uploaded file (the background task): READY with a preview, or INVALID."""
    job = ImportJob.objects.select_related("cooperative", "created_by").get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job
    with translation.override(_language(job)):
        try:
            result = import_check(
                cooperative=job.cooperative,
                content=_content(job),
                filename=job.filename,
                progress=_progress_for(job.pk),
            )
        except Exception:
            return _unexpected(job, _("The file could not be checked. Upload it again."))
        if not result.ok:
            return _refuse(job, result)
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
            status=ImportJob.Status.READY,
            problems=[],
            summary=result.summary,
            total_rows=result.total_rows,
            processed_rows=result.total_rows,
        )
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Import an accepted job (the background task): checked again, then written at once."""
    job = ImportJob.objects.select_related("cooperative", "created_by").get(pk=job_id)
    if job.status != ImportJob.Status.IMPORTING:
        return job
    with translation.override(_language(job)):
        try:
            result = import_check(
                cooperative=job.cooperative,
                content=_content(job),
                filename=job.filename,
                progress=_progress_for(job.pk),
            )
        except Exception:
            return _unexpected(job, _("The import failed; nothing was written. Try again."))
        if not result.ok:
            # The member list changed since the preview (someone joined meanwhile).
            return _refuse(job, result)
        try:
            with transaction.atomic():
                locked = ImportJob.objects.select_for_update().get(pk=job.pk)
                if locked.status != ImportJob.Status.IMPORTING:
                    return locked  # another worker got here first
                summary = members_import(
                    cooperative=job.cooperative,
                    rows=result.rows,
                    acting_user=job.created_by,
                    idempotency_key=f"members-import-{job.pk}",
                    job=job,
                )
                _finish(job.pk, status=ImportJob.Status.DONE, summary=summary)
        except (IntegrityError, DomainError) as error:
            message = (
                error.message
                if isinstance(error, DomainError)
                else _(
                    "The member list changed while importing; nothing was written. "
                    "Upload the file again."
                )
            )
            return _unexpected(job, message)
        except Exception:
            return _unexpected(job, _("The import failed; nothing was written. Try again."))
    _forget_file(job)
    job.refresh_from_db()
    return job
