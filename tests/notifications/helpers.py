"""Helpers for the notification tests: the broker's queue, a dead broker, bounded waits."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from koperasi.celery import app
from koperasi.models import User
from koperasi.notifications.models import Delivery, Notification
from services.savings.actions import savings_deposit
from tests.factories import UserFactory, make_member

#: A dead broker: nothing listens on port 1.
DEAD_BROKER = "redis://127.0.0.1:1/0"


def forget_queue(queue: str) -> None:
    """Delete a test's queue from Redis: its messages (every priority) and its bindings."""
    client = redis.Redis.from_url(app.conf.broker_url)
    try:
        keys = [*client.scan_iter(match=f"{queue}*"), *client.scan_iter(f"_kombu.binding*.{queue}")]
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def queued(queue: str) -> list[dict]:
    """Take every message off `queue`: the task name, its arguments and its ETA."""
    messages = []
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            args, _kwargs, _embed = message.decode()
            headers = message.headers
            messages.append({"task": headers["task"], "args": args, "eta": headers.get("eta")})
    return messages


@contextlib.contextmanager
def broker_down() -> Iterator[None]:
    """Point the Celery app at a port where nothing listens, then back at the real broker.

    The app keeps its connections in pools made on first use; they are set aside and new ones
    made for the dead broker, the way Celery itself resets them in a forked child."""
    conf, amqp = app.conf, app.amqp
    saved = conf.broker_url, conf.broker_connection_timeout, app._pool, amqp._producer_pool
    app._pool = amqp._producer_pool = None
    conf.broker_url, conf.broker_connection_timeout = DEAD_BROKER, 1
    try:
        yield
    finally:
        for pool in (amqp._producer_pool, app._pool):
            if pool is not None:
                pool.force_close_all()
        conf.broker_url, conf.broker_connection_timeout, app._pool, amqp._producer_pool = saved


@contextlib.contextmanager
def running_worker(queue: str) -> Iterator[list[tuple[str, list, object]]]:
    """A real worker (solo pool, in a thread) on the real broker, consuming `queue`; yields the
    tasks it ran as (name, args, return value), in order.

    Its database connection is its own: it sees only committed rows, so the tests that use it
    are transactional."""
    ran: list[tuple[str, list, object]] = []

    def record(sender=None, args=None, retval=None, **kwargs) -> None:
        ran.append((sender.name, list(args or ()), retval))

    saved = os.environ.get("CELERY_SKIP_CHECKS"), app.conf.worker_hijack_root_logger
    os.environ["CELERY_SKIP_CHECKS"] = "true"  # Django's checks ran at session start
    app.conf.worker_hijack_root_logger = False  # leave pytest's log capture alone
    task_postrun.connect(record, weak=False)
    try:
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            queues=[queue],
            loglevel="WARNING",
            shutdown_timeout=15,
        ):
            yield ran
    finally:
        task_postrun.disconnect(record)
        if saved[0] is None:
            os.environ.pop("CELERY_SKIP_CHECKS", None)
        else:
            os.environ["CELERY_SKIP_CHECKS"] = saved[0]
        app.conf.worker_hijack_root_logger = saved[1]


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll until `condition()` holds, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def email_deliveries(**filters):
    return Delivery.objects.filter(channel="email", **filters)


def member_with_login(cooperative, *, language: str = "id", **overrides):
    """An active member who has a login (so an inbox), admitted through the real actions."""
    user: User = UserFactory(language=language)
    return make_member(cooperative, user=user, **overrides)


def deposit(member, amount: int = 1_250_000, kind: str = "sukarela"):
    return savings_deposit(
        member=member, kind=kind, amount=amount, channel="cash", acting_user=None
    )


def deposit_notification(member) -> Notification:
    return Notification.objects.get(kind="savings.deposited", recipient=member.user)


@dataclass
class Gateway:
    """What the fake SMS/WhatsApp provider was sent, and how it answers."""

    url: str = ""
    status: int = 200
    answer: dict = field(default_factory=lambda: {"id": "msg-1"})
    hang: bool = False
    requests: list[dict] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
