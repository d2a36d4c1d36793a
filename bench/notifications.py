"""Notifications at scale, on PostgreSQL: one announcement to 50,000 members, and how fast
one worker delivers email.

    .venv/bin/python -m bench.notifications     # on its own database (koperasi_bench_inbox)

`run()` expects Django set up on a migrated PostgreSQL database (`make bench` calls it after
its own preparation). It keeps a cooperative of its own, `bench-pengumuman`, with 50,000
active members who all have logins (a fifth read English, every tenth turned announcement
emails off), inserted with `INSERT ... SELECT` the first time and reused after. Then:

a. the board's `announcement_create` (the request's part: a row, an event, the queueing);
b. the fan-out (`announcement_send`): every Notification and Delivery row, in chunks of 2,000,
   without sending; target <= 10 s;
c. one worker delivering 2,000 pending emails to Django's locmem backend through
   `tasks.deliver` (claim, render, send, record), in deliveries per second;
d. whether the header's unread count uses the partial index notification_unread_idx.

The announcement's rows are deleted at the end, so the bench can run again.
"""

from __future__ import annotations

import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

MEMBERS = 50_000
SLUG = "bench-pengumuman"
FAN_OUT_LIMIT_S = 10.0
DELIVERIES = 2_000
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/koperasi_bench_inbox"

Rows = list[tuple[str, str, str, str]]


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("yes" if ok else "NO")


def _cooperative():
    """The bench cooperative with MEMBERS members with logins, created once (set-based)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from koperasi.models import Cooperative, Role, User
    from members.models import Member

    with transaction.atomic():
        chair, _ = User.objects.get_or_create(
            email="ketua@bench-pengumuman.test", defaults={"full_name": "Ketua Pengumuman"}
        )
        cooperative, _ = Cooperative.objects.get_or_create(
            slug=SLUG,
            defaults={
                "name": "Koperasi Bench Pengumuman",
                "legal_entity_number": "AHU-0009998.AH.01.26.TAHUN 2024",
                "nik_koperasi": "3273019999990020",
                "type": Cooperative.Type.KSP,
                "province_id": "32",
                "regency_id": "32.73",
                "address": "Jl. Braga No. 2, Bandung",
                "phone": "+62225550020",
                "email": "pengumuman@bench.test",
                "status": Cooperative.Status.VERIFIED,
                "decided_at": timezone.now(),
                "created_by": chair,
            },
        )
        Role.objects.get_or_create(
            cooperative=cooperative,
            user=chair,
            kind=Role.Kind.BOARD,
            defaults={"title": Role.Title.CHAIR},
        )
        members = Member.objects.filter(cooperative=cooperative, status="active").count()
        if members == MEMBERS:
            return cooperative, chair, 0.0
        if members:
            raise RuntimeError(f"{SLUG} has {members} members, not {MEMBERS}: drop the database")
        started = time.perf_counter()
        params = {"coop": cooperative.pk, "n": MEMBERS, "prefix": f"{SLUG}-"}
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO koperasi_user
                       (password, is_superuser, email, full_name, phone, language, is_active,
                        is_staff, is_platform_staff, date_joined)
                   SELECT '!', FALSE, %(prefix)s || n || '@bench.test', 'Anggota ' || n,
                          '+62812' || LPAD(CAST(n AS TEXT), 7, '0'),
                          CASE WHEN n %% 5 = 0 THEN 'en' ELSE 'id' END,
                          TRUE, FALSE, FALSE, NOW()
                     FROM generate_series(1, %(n)s) AS n""",
                params,
            )
            cursor.execute(
                """INSERT INTO members_member
                       (cooperative_id, user_id, number, full_name, nik, birth_date, gender,
                        phone, email, address, heir_name, heir_relationship, status,
                        applied_at, joined_on, decision_reason)
                   SELECT %(coop)s, u.id, u.n, u.full_name,
                          '3273' || LPAD(CAST(u.n AS TEXT), 12, '0'),
                          DATE '1990-01-01', 'm', u.phone, '', 'Bandung', '', '', 'active',
                          NOW(), DATE '2025-01-01', ''
                     FROM (SELECT id, full_name, phone, ROW_NUMBER() OVER (ORDER BY id) AS n
                             FROM koperasi_user WHERE email LIKE %(like)s) u""",
                {**params, "like": f"{SLUG}-%@bench.test"},
            )
            cursor.execute(
                """INSERT INTO koperasi_role (cooperative_id, user_id, kind, title, granted_at)
                   SELECT m.cooperative_id, m.user_id, 'member', '', NOW()
                     FROM members_member m WHERE m.cooperative_id = %(coop)s""",
                params,
            )
            cursor.execute(
                """INSERT INTO notifications_preference (user_id, kind, inapp, email, sms)
                   SELECT m.user_id, 'announcement', TRUE, FALSE, FALSE
                     FROM members_member m
                    WHERE m.cooperative_id = %(coop)s AND m.number %% 10 = 0""",
                params,
            )
            cursor.execute(
                "ANALYZE koperasi_user, members_member, koperasi_role, notifications_preference"
            )
        return cooperative, chair, time.perf_counter() - started


def _cleanup(announcement_id: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        like = f"announcement-{announcement_id}-%"
        cursor.execute(
            """DELETE FROM notifications_delivery d USING notifications_notification n
                WHERE d.notification_id = n.id AND n.dedupe_key LIKE %s""",
            [like],
        )
        cursor.execute("DELETE FROM notifications_notification WHERE dedupe_key LIKE %s", [like])
        cursor.execute("DELETE FROM notifications_announcement WHERE id = %s", [announcement_id])
    with connection.cursor() as cursor:  # what autovacuum does in production
        cursor.execute("VACUUM (ANALYZE) notifications_notification, notifications_delivery")


def _unread_count_plan(user, announcement_id: int) -> tuple[bool, float]:
    """(uses notification_unread_idx, milliseconds) of the header's count in a steady state,
    rolled back: nine members in ten have read the announcement, and the person has a
    history of 30 notifications, 5 of them unread."""
    from django.db import connection, transaction
    from django.utils import timezone

    from koperasi.notifications.inbox import UNREAD_CAP, inbox_for, unread_count
    from koperasi.notifications.models import Delivery, Notification

    with transaction.atomic():
        now = timezone.now()
        history = Notification.objects.bulk_create(
            Notification(
                recipient=user,
                kind="announcement",
                title="x",
                body="y",
                read_at=None if i < 5 else now,
                created_at=now,
            )
            for i in range(30)
        )
        Delivery.objects.bulk_create(
            Delivery(notification=n, channel="inapp", status="sent") for n in history
        )
        query = inbox_for(user=user).filter(read_at__isnull=True).order_by()[:UNREAD_CAP]
        sql, params = query.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                """UPDATE notifications_notification SET read_at = NOW()
                    WHERE dedupe_key LIKE %s AND id %% 10 <> 0""",
                [f"announcement-{announcement_id}-%"],
            )
            cursor.execute("ANALYZE notifications_notification, notifications_delivery")
            cursor.execute(f"EXPLAIN SELECT COUNT(*) FROM ({sql}) q", params)  # noqa: S608
            plan = "\n".join(row[0] for row in cursor.fetchall())
        started = time.perf_counter()
        unread_count(user=user)
        ms = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    if os.environ.get("BENCH_VERBOSE"):
        print(plan)  # noqa: T201
    return "notification_unread_idx" in plan, ms


def run() -> Rows:
    """The notification figures, as (what, value, target, ok) rows."""
    from django.test.utils import override_settings

    from koperasi.models import User
    from koperasi.notifications import announcements
    from koperasi.notifications.models import Announcement, Delivery, Notification
    from koperasi.notifications.tasks import deliver

    rows: Rows = []
    cooperative, chair, seed_s = _cooperative()
    rows.append(
        (
            f"notifications: {MEMBERS:,} members with logins",
            f"inserted in {seed_s:.1f} s" if seed_s else "reused",
            "",
            "",
        )
    )

    queued: list[int] = []
    original_delay = announcements.announcement_fan_out.delay
    announcements.announcement_fan_out.delay = queued.append  # the bench runs it below
    try:
        started = time.perf_counter()
        announcement = announcements.announcement_create(
            cooperative=cooperative,
            author=chair,
            audience=Announcement.Audience.ACTIVE,
            title="Rapat Anggota Tahunan",
            body="RAT diadakan Sabtu, 14 Maret, pukul 09.00 di aula koperasi.",
        )
        create_ms = (time.perf_counter() - started) * 1000
    finally:
        announcements.announcement_fan_out.delay = original_delay
    try:
        started = time.perf_counter()
        result = announcements.announcement_send(announcement_id=announcement.pk, publish=False)
        fan_out_s = time.perf_counter() - started
        notifications = Notification.objects.filter(
            dedupe_key__startswith=f"announcement-{announcement.pk}-"
        ).count()
        rows += [
            ("announcement_create (the board's request)", f"{create_ms:.0f} ms", "", ""),
            (
                f"announcement fan-out, {MEMBERS:,} members",
                f"{fan_out_s:.2f} s",
                f"<= {FAN_OUT_LIMIT_S:.0f} s",
                _verdict(fan_out_s <= FAN_OUT_LIMIT_S and notifications == MEMBERS),
            ),
            (
                "  rows written",
                f"{result.notifications:,} notifications, {result.deliveries:,} deliveries "
                f"({len(result.pending):,} emails pending)",
                f"{MEMBERS:,} notifications",
                _verdict(result.notifications == MEMBERS),
            ),
        ]

        ids = list(
            Delivery.objects.filter(pk__in=result.pending[:DELIVERIES]).values_list("pk", flat=True)
        )
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            from django.core import mail

            mail.outbox = []
            started = time.perf_counter()
            outcomes = [deliver(pk) for pk in ids]
            seconds = time.perf_counter() - started
            sent = len(mail.outbox)
        rate = len(ids) / seconds if seconds else 0.0
        rows.append(
            (
                f"one worker, {len(ids):,} emails to locmem",
                f"{rate:,.0f} deliveries/s ({seconds:.1f} s)",
                "",
                _verdict(sent == len(ids) and set(outcomes) == {"sent"}),
            )
        )
        member_user = Notification.objects.filter(
            dedupe_key__startswith=f"announcement-{announcement.pk}-"
        ).values_list("recipient", flat=True)[0]
        uses, ms = _unread_count_plan(User.objects.get(pk=member_user), announcement.pk)
        rows.append(
            (
                "header unread count",
                f"{ms:.1f} ms, {'notification_unread_idx' if uses else 'another plan'}",
                "the partial index",
                _verdict(uses),
            )
        )
    finally:
        _cleanup(announcement.pk)
    return rows


# --- Standalone ----------------------------------------------------------------------------


def _prepare_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def main() -> int:
    from bench.run import _configure_environment

    url = _configure_environment("BENCH_NOTIFICATIONS_DATABASE_URL", DEFAULT_URL)
    _prepare_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows = run()
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))  # noqa: T201
    return 1 if any(row[3] == "NO" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
