"""The models of member services, kept in one subpackage per subdomain."""

from services.jobs.models import Job
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
from services.participation.models import (
    Attendance,
    Ballot,
    Meeting,
    MeetingDocument,
    ParticipationWeights,
    ShuAllocation,
    ShuYear,
    Vote,
    VoteCast,
    VoteOption,
)
from services.savings.models import MonthEndRun, SavingsBill, SavingsProduct, WithdrawalRequest
from services.snapshots import PortfolioSnapshot

__all__ = [
    "Account",
    "Attendance",
    "Ballot",
    "Installment",
    "Job",
    "JournalEntry",
    "Loan",
    "LoanApproval",
    "LoanDailyRun",
    "LoanPolicy",
    "LoanProduct",
    "Meeting",
    "MeetingDocument",
    "MonthEndRun",
    "ParticipationWeights",
    "PortfolioSnapshot",
    "Posting",
    "Repayment",
    "SavingsBill",
    "SavingsKind",
    "SavingsProduct",
    "ShuAllocation",
    "ShuYear",
    "Vote",
    "VoteCast",
    "VoteOption",
    "WithdrawalRequest",
]
