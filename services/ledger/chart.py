"""The default chart of accounts (bagan akun) every cooperative starts with."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from koperasi.models import Cooperative
from services.ledger.models import Account, SavingsKind

CASH = "1101"
BANK = "1102"
LOANS_RECEIVABLE = "1201"
INTEREST_RECEIVABLE = "1202"
SAVINGS_CONTROL = {
    SavingsKind.POKOK: "3101",
    SavingsKind.WAJIB: "3102",
    SavingsKind.SUKARELA: "2101",
}
SHU_PAYABLE = "2201"
RESERVE = "3201"
OPENING_BALANCE = "3901"
LOAN_INTEREST_INCOME = "4101"
ADMIN_FEE_INCOME = "4102"
PENALTY_INCOME = "4103"
SAVINGS_INTEREST_EXPENSE = "5101"
OPERATING_EXPENSE = "5201"

T = Account.Type
DEFAULT_CHART = [
    (CASH, gettext_noop("Cash"), T.ASSET),
    (BANK, gettext_noop("Bank"), T.ASSET),
    (LOANS_RECEIVABLE, gettext_noop("Loans to members"), T.ASSET),
    (INTEREST_RECEIVABLE, gettext_noop("Interest receivable"), T.ASSET),
    (
        SAVINGS_CONTROL[SavingsKind.SUKARELA],
        gettext_noop("Voluntary savings (simpanan sukarela)"),
        T.LIABILITY,
    ),
    (SHU_PAYABLE, gettext_noop("SHU payable to members"), T.LIABILITY),
    (
        SAVINGS_CONTROL[SavingsKind.POKOK],
        gettext_noop("Principal savings (simpanan pokok)"),
        T.EQUITY,
    ),
    (
        SAVINGS_CONTROL[SavingsKind.WAJIB],
        gettext_noop("Mandatory savings (simpanan wajib)"),
        T.EQUITY,
    ),
    (RESERVE, gettext_noop("Reserve (cadangan)"), T.EQUITY),
    (OPENING_BALANCE, gettext_noop("Opening balances"), T.EQUITY),
    (LOAN_INTEREST_INCOME, gettext_noop("Loan interest income"), T.INCOME),
    (ADMIN_FEE_INCOME, gettext_noop("Loan admin fees"), T.INCOME),
    (PENALTY_INCOME, gettext_noop("Late penalties (denda)"), T.INCOME),
    (SAVINGS_INTEREST_EXPENSE, gettext_noop("Interest on savings (jasa simpanan)"), T.EXPENSE),
    (OPERATING_EXPENSE, gettext_noop("Operating expenses"), T.EXPENSE),
]
DEBIT_NORMAL = {T.ASSET, T.EXPENSE}


def normal_sign(account_type: str) -> int:
    return 1 if account_type in DEBIT_NORMAL else -1


def chart_install(*, cooperative: Cooperative) -> None:
    """Create the cooperative's general-ledger accounts; safe to call again."""
    Account.objects.bulk_create(
        [
            Account(
                cooperative=cooperative,
                code=code,
                name=name,
                type=account_type,
                normal_sign=normal_sign(account_type),
            )
            for code, name, account_type in DEFAULT_CHART
        ],
        ignore_conflicts=True,
    )


def gl_account(cooperative: Cooperative, code: str) -> Account:
    return Account.objects.get(cooperative=cooperative, code=code, member__isnull=True)


def member_account_code(member_number: int, kind: str) -> str:
    return f"{SAVINGS_CONTROL[kind]}-{member_number:07d}"
