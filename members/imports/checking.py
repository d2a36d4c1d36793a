"""Checking a file row by row, all problems listed, and the preview of a clean one."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi.models import Cooperative
from koperasi.validators import validate_nik_matches
from members.imports.cells import (
    _amount,
    _date,
    _email,
    _gender,
    _max_length,
    _nik,
    _number,
    _phone,
    _text,
)
from members.imports.reading import Table, _blank, normalize_header, read_table
from members.imports.spec import (
    BALANCE_KINDS,
    COLUMN_BY_HEADER,
    COLUMNS,
    LIVE_STATUSES,
    MAX_PROBLEMS,
    PROGRESS_EVERY,
    CellError,
    FileRefusedError,
    Problem,
)
from members.models import Member
from services.savings.actions import product_for

logger = logging.getLogger(__name__)


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
