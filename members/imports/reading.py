"""Reading an uploaded CSV or XLSX into a table of cells, the header row found."""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from members.imports.spec import COLUMN_BY_HEADER, MAX_ROWS, FileRefusedError

logger = logging.getLogger(__name__)


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
