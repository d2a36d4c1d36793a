"""The models of member services, kept in one subpackage per subdomain."""

from services.ledger.models import Account, JournalEntry, Posting, SavingsKind
from services.loans.models import (
    Installment,
    Loan,
    LoanApproval,
    LoanDailyRun,
    LoanPolicy,
    LoanProduct,
    Repayment,
)
from services.savings.models import MonthEndRun, SavingsBill, SavingsProduct, WithdrawalRequest

__all__ = [
    "Account",
    "Installment",
    "JournalEntry",
    "Loan",
    "LoanApproval",
    "LoanDailyRun",
    "LoanPolicy",
    "LoanProduct",
    "MonthEndRun",
    "Posting",
    "Repayment",
    "SavingsBill",
    "SavingsKind",
    "SavingsProduct",
    "WithdrawalRequest",
]
