"""The generator's SQL: portable between PostgreSQL and SQLite, built from constants only.

Pseudo-randomness is `_h(member number, month, salt)`, integer arithmetic giving 0..999; every
statement runs with a parameter dict, so `%%` is a literal %.
"""

from __future__ import annotations

from django.db import connection


def _h(number: str, month: str, salt: int) -> str:
    """A pseudo-random integer 0..999 from a member number and a month, in portable SQL.

    Two rounds of multiplicative hashing; every intermediate stays far inside 64 bits.
    """
    return (
        f"(((({number}) * 2654435761 + ({month}) * 40503 + {salt * 7919}) %% 1000003)"
        f" * 2246822519 %% 1000)"
    )


def _pad(expr: str, width: int) -> str:
    """Zero-pad a non-negative integer expression to `width` digits (PostgreSQL and SQLite)."""
    return f"substr(CAST({10**width} + ({expr}) AS TEXT), 2)"


def vendor() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {
            "timestamp": "timestamptz",
            "make_date": "make_date(CAST({y} AS INT), CAST({m} AS INT), CAST({d} AS INT))",
        }
    return {
        "timestamp": "datetime",
        "make_date": "printf('%%04d-%%02d-%%02d', {y}, {m}, {d})",
    }


MEMBERS_SQL = """
WITH RECURSIVE seq(n) AS (
    SELECT %(first_number)s UNION ALL SELECT n + 1 FROM seq WHERE n < %(last_number)s
),
base AS (
    SELECT n,
           CASE WHEN {h_gender} < 500 THEN 'f' ELSE 'm' END AS g,
           1960 + {h_year} %% 43 AS byear, 1 + {h_month} %% 12 AS bmonth, 1 + {h_day} %% 28 AS bday,
           CASE WHEN %(months)s = 1 OR {h_join} < 600 THEN 0
                ELSE 1 + {h_join_month} %% (%(months)s - 1) END AS m0,
           1 + {h_join_day} %% 5 AS jd
      FROM seq
)
INSERT INTO members_member
    (cooperative_id, user_id, number, full_name, nik, birth_date, gender, phone, email,
     address, heir_name, heir_relationship, status, applied_at, joined_on, left_on,
     decision_reason, decided_by_id)
SELECT %(coop)s, NULL, b.n, fn.name || ' ' || ln.name,
       '3273' || {district} || {nik_day} || {nik_month} || {nik_year} || {serial},
       {birth_date}, b.g,
       '+62812' || {phone}, '', 'Jl. ' || st.name || ' No. ' || CAST(1 + {h_house} %% 150 AS TEXT)
           || ', Bandung',
       hn.name || ' ' || ln.name,
       CASE {h_relation} %% 4 WHEN 0 THEN (CASE WHEN b.g = 'f' THEN 'Suami' ELSE 'Istri' END)
            WHEN 1 THEN 'Anak' WHEN 2 THEN 'Orang tua' ELSE 'Saudara kandung' END,
       'active', dd.stamp, dd.on_day, NULL, '', %(acting_user)s
  FROM base b
  JOIN demo_names fn ON fn.kind = b.g AND fn.i = {h_first} %% %(first_names)s
  JOIN demo_names ln ON ln.kind = 'l' AND ln.i = {h_last} %% %(last_names)s
  JOIN demo_names st ON st.kind = 's' AND st.i = {h_street} %% %(streets)s
  JOIN demo_names hn ON hn.kind = (CASE WHEN b.g = 'f' THEN 'm' ELSE 'f' END)
                    AND hn.i = {h_heir} %% %(first_names)s
  JOIN demo_days dd ON dd.m = b.m0 AND dd.d = b.jd
"""


def members_sql(v: dict[str, str]) -> str:
    idx = "(b.n - 1)"
    return MEMBERS_SQL.format(
        h_gender=_h("n", "0", 41),
        h_year=_h("n", "0", 43),
        h_month=_h("n", "0", 44),
        h_day=_h("n", "0", 45),
        h_join=_h("n", "0", 46),
        h_join_month=_h("n", "0", 47),
        h_join_day=_h("n", "0", 48),
        h_house=_h("b.n", "0", 49),
        h_first=_h("b.n", "0", 42),
        h_last=_h("b.n", "0", 50),
        h_street=_h("b.n", "0", 51),
        h_heir=_h("b.n", "0", 52),
        h_relation=_h("b.n", "0", 53),
        district=_pad(f"1 + ({idx} / 9999) %% 99", 2),
        nik_day=_pad("b.bday + CASE WHEN b.g = 'f' THEN 40 ELSE 0 END", 2),
        nik_month=_pad("b.bmonth", 2),
        nik_year=_pad("b.byear %% 100", 2),
        serial=_pad(f"1 + {idx} %% 9999", 4),
        birth_date=v["make_date"].format(y="b.byear", m="b.bmonth", d="b.bday"),
        phone=_pad("b.n * 7919 %% 100000000", 8),
    )


ACCOUNTS_SQL = """
INSERT INTO services_account
    (cooperative_id, code, name, type, normal_sign, parent_id, member_id, savings_kind,
     balance, may_go_negative)
SELECT %(coop)s, k.code || '-' || {number}, substr(k.label || ' · ' || CAST(m.number AS TEXT)
       || ' ' || m.full_name, 1, 150), k.type, k.normal_sign, k.control_id, m.id, k.kind, 0,
       %(false)s
  FROM members_member m CROSS JOIN demo_kinds k
 WHERE m.cooperative_id = %(coop)s AND m.number BETWEEN %(first_number)s AND %(last_number)s
""".format(number=_pad("m.number", 7))

MEMBER_PLAN_SQL = """
CREATE TEMPORARY TABLE demo_mem AS
SELECT m.id AS member_id, m.number, dd.m AS m0, dd.d AS jd,
       CASE WHEN {h_saver} < %(savers)s THEN 1 ELSE 0 END AS saver,
       CASE WHEN {h_profile} < %(regular)s THEN 20 WHEN {h_profile} < %(irregular)s THEN 200
            ELSE 100 END AS skip_rate,
       CASE WHEN {h_profile} < %(regular)s THEN 800 WHEN {h_profile} < %(irregular)s THEN 400
            ELSE 0 END AS catch_rate,
       CASE WHEN {h_profile} < %(irregular)s THEN %(months)s
            ELSE %(months)s - 1 - {h_profile} %% 4 END AS stop_from,
       CASE WHEN {h_channel} < 700 THEN %(cash)s ELSE %(bank)s END AS pay_acc,
       CASE WHEN {h_channel} < 700 THEN 'cash' ELSE 'transfer' END AS channel,
       p.id AS pokok_acc, w.id AS wajib_acc, s.id AS sukarela_acc
  FROM members_member m
  JOIN demo_days dd ON dd.on_day = m.joined_on
  JOIN services_account p ON p.member_id = m.id AND p.savings_kind = 'pokok'
  JOIN services_account w ON w.member_id = m.id AND w.savings_kind = 'wajib'
  JOIN services_account s ON s.member_id = m.id AND s.savings_kind = 'sukarela'
 WHERE m.cooperative_id = %(coop)s AND m.status = 'active'
""".format(
    h_saver=_h("m.number", "0", 11),
    h_profile=_h("m.number", "0", 12),
    h_channel=_h("m.number", "0", 13),
)


def _month_exprs(src: str, month: str, opening: str, paid: str) -> dict[str, str]:
    """The SQL for one member-month: deposits, withdrawal, wajib months paid, interest.

    `src` names the row holding the member's constants; `opening` and `paid` are the sukarela
    balance at the start of the month and the wajib bills paid before it.
    """
    number = f"{src}.number"
    dep = (
        f"(CASE WHEN {src}.saver = 1 AND ({month} = {src}.m0 OR {_h(number, month, 22)} < 300)"
        f" THEN 50000 + ({_h(number, month, 23)} %% 20) * 25000 ELSE 0 END)"
    )
    avail = f"({opening} + {dep} - %(min_balance)s)"
    wd = (
        f"(CASE WHEN {src}.saver = 1 AND {month} > {src}.m0 AND {_h(number, month, 24)} < 150"
        f" AND {avail} >= 50000"
        f" THEN {avail} * (20 + {_h(number, month, 25)} %% 60) / 100 / 10000 * 10000"
        " ELSE 0 END)"
    )
    lowest = f"(CASE WHEN {wd} > {dep} THEN {opening} + {dep} - {wd} ELSE {opening} END)"
    interest = (
        f"(CASE WHEN %(rate_bp)s > 0 AND {lowest} >= %(min_interest)s"
        f" THEN {lowest} * %(rate_bp)s / 120000 ELSE 0 END)"
    )
    k = (
        f"(CASE WHEN %(wajib)s <= 0 THEN 0 WHEN {month} = {src}.m0 THEN 1"
        f" WHEN {month} >= {src}.stop_from OR {_h(number, month, 21)} < {src}.skip_rate THEN 0"
        f" WHEN {month} - {src}.m0 + 1 - {paid} >= 2 AND {_h(number, month, 27)} < {src}.catch_rate"
        " THEN 2 ELSE 1 END)"
    )
    return {
        "dep": f"CAST({dep} AS BIGINT)",
        "wd": f"CAST({wd} AS BIGINT)",
        "k": f"CAST({k} AS BIGINT)",
        "interest": f"CAST({interest} AS BIGINT)",
    }


CARRIED = "member_id, number, m0, jd, saver, skip_rate, catch_rate, stop_from"


def plan_sql() -> str:
    anchor = _month_exprs("x", "x.m0", "CAST(0 AS BIGINT)", "CAST(0 AS BIGINT)")
    opening = "(p.opening + p.dep - p.wd + p.interest)"
    paid = "(p.paid + p.k)"
    step = _month_exprs("p", "(p.m + 1)", opening, paid)
    carried_p = ", ".join(f"p.{column}" for column in CARRIED.split(", "))
    carried_x = ", ".join(f"x.{column}" for column in CARRIED.split(", "))
    return f"""
CREATE TEMPORARY TABLE demo_plan AS
WITH RECURSIVE plan({CARRIED}, m, opening, paid, dep, wd, k, interest) AS (
    SELECT {carried_x}, x.m0, CAST(0 AS BIGINT), CAST(0 AS BIGINT),
           {anchor["dep"]}, {anchor["wd"]}, {anchor["k"]}, {anchor["interest"]}
      FROM demo_mem x
    UNION ALL
    SELECT {carried_p}, p.m + 1, {opening}, {paid},
           {step["dep"]}, {step["wd"]}, {step["k"]}, {step["interest"]}
      FROM plan p
     WHERE p.m + 1 < %(months)s
)
SELECT p.member_id, p.m0, p.m, p.opening, p.paid, p.dep, p.wd, p.k, p.interest,
       p.jd + {_h("p.number", "p.m", 26)} %% 8 AS wday,
       p.jd + {_h("p.number", "p.m", 28)} %% 10 AS dday,
       20 + {_h("p.number", "p.m", 29)} %% 8 AS xday,
       x.pay_acc, x.channel, x.wajib_acc, x.sukarela_acc
  FROM plan p JOIN demo_mem x ON x.member_id = p.member_id
"""  # noqa: S608 - built from constants only


# One row per journal entry (pokok, wajib and sukarela deposits, withdrawals) with its id
# decided here, so the entries and both legs of their postings are plain INSERT ... SELECTs.
# `amount` is the cash leg: positive for a deposit, negative for a withdrawal.
MOVES_SQL = """
CREATE TEMPORARY TABLE demo_moves AS
SELECT %(base_id)s - 1 + ROW_NUMBER() OVER (ORDER BY dd.on_day, mv.member_id, mv.slot) AS id,
       mv.member_id, mv.slot, mv.account_id, mv.cash_id, mv.channel, mv.amount,
       dd.on_day, dd.stamp
  FROM (
    SELECT x.member_id, 0 AS slot, x.m0 AS m, x.jd AS d, x.pokok_acc AS account_id,
           x.pay_acc AS cash_id, x.channel, CAST(%(pokok)s AS BIGINT) AS amount
      FROM demo_mem x
     WHERE %(pokok)s > 0
    UNION ALL
    SELECT member_id, 1, m, wday, wajib_acc, pay_acc, channel, k * %(wajib)s
      FROM demo_plan WHERE k > 0
    UNION ALL
    SELECT member_id, 2, m, dday, sukarela_acc, pay_acc, channel, dep
      FROM demo_plan WHERE dep > 0
    UNION ALL
    SELECT member_id, 3, m, xday, sukarela_acc, %(cash)s, 'cash', -wd
      FROM demo_plan WHERE wd > 0
  ) mv
  JOIN demo_days dd ON dd.m = mv.m AND dd.d = mv.d
"""

ENTRIES_SQL = """
INSERT INTO services_journalentry
    (id, cooperative_id, date, kind, memo, member_id, channel, idempotency_key, fingerprint,
     reverses_id, created_by_id, created_at)
SELECT id, %(coop)s, on_day, CASE WHEN slot = 3 THEN 'withdrawal' ELSE 'deposit' END, '',
       member_id, channel, NULL, 'demo-history-' || CAST(id AS TEXT), NULL, %(teller)s, stamp
  FROM demo_moves
 ORDER BY id
"""

# Both legs of every entry in one statement: the cash (or bank) leg, then the member's account.
POSTINGS_SQL = """
INSERT INTO services_posting (entry_id, cooperative_id, account_id, amount, date)
SELECT mv.id, %(coop)s, CASE WHEN leg.n = 1 THEN mv.cash_id ELSE mv.account_id END,
       CASE WHEN leg.n = 1 THEN mv.amount ELSE -mv.amount END, mv.on_day
  FROM demo_moves mv CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2) leg
 ORDER BY mv.id, leg.n
"""

INTEREST_SQL = """
CREATE TEMPORARY TABLE demo_interest AS
SELECT t.m, %(interest_base_id)s - 1 + ROW_NUMBER() OVER (ORDER BY t.m) AS entry_id,
       t.total, t.members
  FROM (SELECT m, SUM(interest) AS total, COUNT(*) AS members
          FROM demo_plan WHERE interest > 0 GROUP BY m) t
"""

INTEREST_ENTRIES_SQL = """
INSERT INTO services_journalentry
    (id, cooperative_id, date, kind, memo, member_id, channel, idempotency_key, fingerprint,
     reverses_id, created_by_id, created_at)
SELECT i.entry_id, %(coop)s, mo.month_last, 'interest', '', NULL,
       '', 'month-end-interest-' || mo.label, 'month-end-interest-' || mo.label, NULL, NULL,
       mo.closed_at
  FROM demo_interest i JOIN demo_months mo ON mo.m = i.m
"""

# Each month's interest entry whole: every member's leg and the expense leg, one statement.
INTEREST_POSTINGS_SQL = """
INSERT INTO services_posting (entry_id, cooperative_id, account_id, amount, date)
SELECT i.entry_id, %(coop)s, p.sukarela_acc, -p.interest, mo.month_last
  FROM demo_plan p
  JOIN demo_interest i ON i.m = p.m
  JOIN demo_months mo ON mo.m = p.m
 WHERE p.interest > 0
UNION ALL
SELECT i.entry_id, %(coop)s, %(expense)s, i.total, mo.month_last
  FROM demo_interest i JOIN demo_months mo ON mo.m = i.m
"""

POKOK_BILLS_SQL = """
INSERT INTO services_savingsbill
    (cooperative_id, member_id, kind, period, due_date, amount, paid_amount, status, paid_at)
SELECT %(coop)s, x.member_id, 'pokok', mo.month_first, dd.plus30, %(pokok)s, %(pokok)s, 'paid',
       dd.stamp
  FROM demo_mem x
  JOIN demo_months mo ON mo.m = x.m0
  JOIN demo_days dd ON dd.m = x.m0 AND dd.d = x.jd
 WHERE %(pokok)s > 0
   AND NOT EXISTS (SELECT 1 FROM services_savingsbill b
                    WHERE b.member_id = x.member_id AND b.kind = 'pokok')
"""

# The demo logins' pokok bills came from member_approve; their pokok was paid on joining.
POKOK_SETTLE_SQL = """
UPDATE services_savingsbill
   SET paid_amount = amount, status = 'paid',
       paid_at = (SELECT dd.stamp FROM demo_mem x JOIN demo_days dd ON dd.m = x.m0 AND dd.d = x.jd
                   WHERE x.member_id = services_savingsbill.member_id)
 WHERE cooperative_id = %(coop)s AND kind = 'pokok' AND status = 'open'
   AND member_id IN (SELECT member_id FROM demo_mem)
"""

# Bill number s (0 = the joining month) is settled by the payment that took the member's count
# of paid bills past s: oldest first, as a teller's deposit does.
WAJIB_BILLS_SQL = """
INSERT INTO services_savingsbill
    (cooperative_id, member_id, kind, period, due_date, amount, paid_amount, status, paid_at)
SELECT %(coop)s, p.member_id, 'wajib', mo.month_first, mo.due, %(wajib)s,
       CASE WHEN c.member_id IS NULL THEN 0 ELSE %(wajib)s END,
       CASE WHEN c.member_id IS NULL THEN 'open' ELSE 'paid' END, dd.stamp
  FROM demo_plan p
  JOIN demo_months mo ON mo.m = p.m
  LEFT JOIN (SELECT member_id, paid AS s, m, wday FROM demo_plan WHERE k >= 1
             UNION ALL
             SELECT member_id, paid + 1, m, wday FROM demo_plan WHERE k = 2) c
         ON c.member_id = p.member_id AND c.s = p.m - p.m0
  LEFT JOIN demo_days dd ON dd.m = c.m AND dd.d = c.wday
 WHERE %(wajib)s > 0
"""

MONTH_END_RUNS_SQL = """
INSERT INTO services_monthendrun
    (cooperative_id, month, bills_created, interest_total, interest_members, interest_entry_id,
     created_at)
SELECT %(coop)s, mo.month_first, COALESCE(b.bills, 0), COALESCE(i.total, 0), COALESCE(i.members, 0),
       i.entry_id, mo.closed_at
  FROM demo_months mo
  LEFT JOIN (SELECT m, COUNT(*) AS bills FROM demo_plan WHERE %(wajib)s > 0 GROUP BY m) b
         ON b.m = mo.m
  LEFT JOIN demo_interest i ON i.m = mo.m
 WHERE NOT EXISTS (SELECT 1 FROM services_monthendrun r
                    WHERE r.cooperative_id = %(coop)s AND r.month = mo.month_first)
"""

# Stored balances from the postings, in each account's normal sign: one statement.
BALANCES_SQL = """
UPDATE services_account
   SET balance = services_account.normal_sign * s.total
  FROM (SELECT account_id, SUM(amount) AS total FROM services_posting
         WHERE cooperative_id = %(coop)s GROUP BY account_id) s
 WHERE services_account.id = s.account_id AND services_account.cooperative_id = %(coop)s
"""


#: Tables loaded in bulk; on PostgreSQL their foreign keys are checked once, at the end.
