"""The models of member services, kept in one subpackage per subdomain."""

from services.ledger.models import Account, JournalEntry, Posting, SavingsKind
from services.savings.models import MonthEndRun, SavingsBill, SavingsProduct, WithdrawalRequest

__all__ = [
    "Account",
    "JournalEntry",
    "MonthEndRun",
    "Posting",
    "SavingsBill",
    "SavingsKind",
    "SavingsProduct",
    "WithdrawalRequest",
]
