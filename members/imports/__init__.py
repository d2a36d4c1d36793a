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

from members.imports.checking import CheckResult, MemberRow, Progress, import_check, preview_summary
from members.imports.jobs import (
    import_job_accept,
    import_job_create,
    import_job_run,
    import_job_validate,
)
from members.imports.reading import HEADER_SEARCH_ROWS, Table, normalize_header, read_table
from members.imports.spec import (
    BALANCE_KINDS,
    COLUMN_BY_HEADER,
    COLUMNS,
    LIVE_STATUSES,
    MAX_MEMBER_NUMBER,
    MAX_PROBLEMS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    POKOK_BILL_DUE_DAYS,
    PROGRESS_EVERY,
    SEQUENCE_NAME,
    TEMPLATE_ROWS,
    CellError,
    Column,
    FileRefusedError,
    Problem,
    template_csv,
)
from members.imports.writing import BALANCES_SQL, members_import

__all__ = [
    "BALANCES_SQL",
    "BALANCE_KINDS",
    "COLUMNS",
    "COLUMN_BY_HEADER",
    "HEADER_SEARCH_ROWS",
    "LIVE_STATUSES",
    "MAX_MEMBER_NUMBER",
    "MAX_PROBLEMS",
    "MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "POKOK_BILL_DUE_DAYS",
    "PROGRESS_EVERY",
    "SEQUENCE_NAME",
    "TEMPLATE_ROWS",
    "CellError",
    "CheckResult",
    "Column",
    "FileRefusedError",
    "MemberRow",
    "Problem",
    "Progress",
    "Table",
    "import_check",
    "import_job_accept",
    "import_job_create",
    "import_job_run",
    "import_job_validate",
    "members_import",
    "normalize_header",
    "preview_summary",
    "read_table",
    "template_csv",
]
