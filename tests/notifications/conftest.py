"""Real services for the notification tests: the project's Celery app on the Redis broker, each
test publishing to a queue of its own (other tests' leftovers never reach it), a worker thread
consuming that queue when a test asks for one, and a real HTTP server as the SMS gateway."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from koperasi.celery import app
from tests.notifications.helpers import Gateway, forget_queue, running_worker


@pytest.fixture(autouse=True)
def celery_queue() -> Iterator[str]:
    """Everything the test publishes lands in a fresh queue, deleted afterwards."""
    name = f"test-notifications-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = name
    try:
        yield name
    finally:
        app.conf.task_default_queue = previous
        forget_queue(name)


@pytest.fixture
def celery_worker(celery_queue, transactional_db):
    """A real worker on this test's queue; yields the tasks it ran (see `running_worker`)."""
    with running_worker(celery_queue) as ran:
        yield ran


@pytest.fixture
def gateway(settings) -> Iterator[Gateway]:
    """A real HTTP server on 127.0.0.1 standing in for the SMS/WhatsApp provider."""
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.requests.append(
                {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "authorization": self.headers.get("Authorization"),
                    "idempotency_key": self.headers.get("Idempotency-Key"),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            if state.hang:  # a provider that never answers in time
                state.release.wait(10)
                return
            payload = json.dumps(state.answer).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    settings.NOTIFY_GATEWAY_URL = state.url
    settings.NOTIFY_GATEWAY_TOKEN = "gateway-token-123"
    settings.NOTIFY_GATEWAY_TIMEOUT = 0.5
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_BACKOFF_SECONDS = 60
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
