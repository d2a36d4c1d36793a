"""Each member's participation score for a fiscal year, 0 to 100, in one aggregate query.

What counts (DOMAIN.md, "Participation and governance"), weighted by the cooperative's
ParticipationWeights (30 / 20 / 30 / 20 by default):
- attendance: meetings attended (present at the door or online) / meetings held in the year;
- votes: votes cast / votes closed in the year that the member could vote in (had joined by
  the day the vote opened);
- wajib on time: wajib bills due in the year (so far) paid in full by their due date / bills due;
- services: used the cooperative's services in the year: paid loan interest (a repayment with
  interest, by its journal entry's date) or bought at a partner (a `partners.Purchase`, by the
  local date of `occurred_at`): all or nothing.
A part the member had no chance at (no meeting held, no vote, no bill due) is left out and the
other weights count in proportion. The score is rounded half up to a whole number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils import timezone

from koperasi.models import Cooperative
from services.participation.models import ParticipationWeights
from services.participation.shu import fiscal_year_bounds, local_date_params, local_date_sql


@dataclass(frozen=True)
class ParticipationScore:
    member_id: int
    number: int | None
    full_name: str
    meetings_held: int
    meetings_attended: int
    votes_open_to_member: int
    votes_cast: int
    wajib_due: int
    wajib_on_time: int
    used_services: bool
    score: int


SCORES_SQL = """
WITH held AS (
    SELECT id FROM services_meeting
     WHERE cooperative_id = %(coop)s AND starts_at >= %(start)s AND starts_at < %(end)s
       AND starts_at <= %(now)s
),
att AS (
    SELECT a.member_id, COUNT(*) AS n
      FROM services_attendance a JOIN held ON held.id = a.meeting_id
     WHERE a.present_at IS NOT NULL
     GROUP BY a.member_id
),
v AS (
    SELECT id, {opened} AS opened
      FROM services_vote
     WHERE cooperative_id = %(coop)s AND closes_at >= %(start)s AND closes_at < %(end)s
       AND closes_at <= %(now)s
),
casts AS (
    SELECT c.member_id, COUNT(*) AS n
      FROM services_votecast c JOIN v ON v.id = c.vote_id
     GROUP BY c.member_id
),
bills AS (
    SELECT member_id, COUNT(*) AS due,
           COUNT(*) FILTER (WHERE status = 'paid'
                            AND {paid_on} <= due_date) AS on_time
      FROM services_savingsbill
     WHERE cooperative_id = %(coop)s AND kind = 'wajib' AND status <> 'cancelled'
       AND due_date BETWEEN %(first)s AND %(until)s
     GROUP BY member_id
),
used AS (
    SELECT DISTINCT l.member_id
      FROM services_repayment r
      JOIN services_loan l ON l.id = r.loan_id
      JOIN services_journalentry e ON e.id = r.entry_id
     WHERE l.cooperative_id = %(coop)s AND e.date BETWEEN %(first)s AND %(until)s
       AND r.interest > 0
    UNION
    SELECT pu.member_id
      FROM partners_purchase pu
     WHERE pu.cooperative_id = %(coop)s AND {bought_on} BETWEEN %(first)s AND %(until)s
)
SELECT m.id, m.number, m.full_name,
       (SELECT COUNT(*) FROM held), COALESCE(att.n, 0),
       (SELECT COUNT(*) FROM v WHERE v.opened >= m.joined_on), COALESCE(casts.n, 0),
       COALESCE(bills.due, 0), COALESCE(bills.on_time, 0),
       used.member_id IS NOT NULL
  FROM members_member m
  LEFT JOIN att ON att.member_id = m.id
  LEFT JOIN casts ON casts.member_id = m.id
  LEFT JOIN bills ON bills.member_id = m.id
  LEFT JOIN used ON used.member_id = m.id
 WHERE m.cooperative_id = %(coop)s AND m.status = 'active' AND m.joined_on <= %(until)s
 ORDER BY m.number, m.id
"""


def _scores_sql() -> str:
    return (
        SCORES_SQL.replace("{opened}", local_date_sql("opens_at"))
        .replace("{paid_on}", local_date_sql("paid_at"))
        .replace("{bought_on}", local_date_sql("pu.occurred_at"))
    )


def _weights(cooperative: Cooperative) -> ParticipationWeights:
    found = ParticipationWeights.objects.filter(cooperative=cooperative).first()
    return found or ParticipationWeights(cooperative=cooperative)


def score_of(weights: ParticipationWeights, parts: list[tuple[int, int, int]]) -> int:
    """(weight, done, chances) per part; parts without chances are left out."""
    counted = [(w, done, chances) for w, done, chances in parts if chances > 0]
    total_weight = sum(w for w, _done, _chances in counted)
    if not total_weight:
        return 0
    points = sum(
        (Decimal(w) * min(done, chances) / chances for w, done, chances in counted), Decimal(0)
    )
    return int((points * 100 / total_weight).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def participation_scores(
    *, cooperative: Cooperative, year: int, now: dt.datetime | None = None
) -> list[ParticipationScore]:
    """Every active member's score for the fiscal year, so far (one query)."""
    now = now or timezone.now()
    first, last = fiscal_year_bounds(cooperative, year)
    today = timezone.localdate(now)
    until = min(last, today)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    weights = _weights(cooperative)
    with connection.cursor() as cursor:
        cursor.execute(
            _scores_sql(),
            {
                "coop": cooperative.pk,
                "start": start,
                "end": end,
                "now": now,
                "first": first,
                "until": until,
                **local_date_params(now),
            },
        )
        rows = cursor.fetchall()
    scores = []
    for member_id, number, name, held, attended, votes, cast, due, on_time, used in rows:
        parts = [
            (weights.attendance, attended, held),
            (weights.votes, cast, votes),
            (weights.wajib_on_time, on_time, due),
            (weights.services, 1 if used else 0, 1),
        ]
        scores.append(
            ParticipationScore(
                member_id=member_id,
                number=number,
                full_name=name,
                meetings_held=held,
                meetings_attended=attended,
                votes_open_to_member=votes,
                votes_cast=cast,
                wajib_due=due,
                wajib_on_time=on_time,
                used_services=bool(used),
                score=score_of(weights, parts),
            )
        )
    return scores
