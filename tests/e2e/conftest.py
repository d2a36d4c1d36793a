"""Browser journeys in real Chromium: Debian's /usr/bin/chromium driven by Playwright.

`playwright install` cannot download browsers here, so the launch arguments point at the
system Chromium. If it is missing the journeys fail (never skip): `.ci/run` installs it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}, "locale": "id-ID"}


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def screenshot(request):
    """`screenshot(page, "step")` keeps the page as it looks on a phone (390 px) and on a
    desktop (1280 px) under artifacts/screenshots/<journey>/, and fails if the phone view
    scrolls sideways. The page goes back to the size it had."""
    folder = ARTIFACTS / request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> list[Path]:
        size = page.viewport_size
        paths = []
        for label, viewport in (("390", PHONE), ("1280", DESKTOP)):
            page.set_viewport_size(viewport)
            if viewport is PHONE:
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], f"{name}: {width} px wide on a phone"
            path = folder / f"{name}-{label}.png"
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
        page.set_viewport_size(size)
        return paths

    return take


def pytest_sessionfinish(session):
    """One page to look through every journey's screenshots: artifacts/screenshots/index.html.
    Under xdist each worker writes it as it ends, from what is on disk: the last one sees all."""
    if not ARTIFACTS.is_dir():
        return
    sections = []
    for folder in sorted(p for p in ARTIFACTS.iterdir() if p.is_dir()):
        shots = "".join(
            f'<figure><img src="{folder.name}/{shot.name}" alt="{shot.stem}" '
            f'width="{195 if shot.stem.endswith("-390") else 640}">'
            f"<figcaption>{shot.stem}</figcaption></figure>"
            for shot in sorted(folder.glob("*.png"))
        )
        sections.append(f"<h2>{folder.name}</h2>{shots}")
    (ARTIFACTS / "index.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>Journeys</title><h1>Journeys</h1>'
        + "".join(sections),
        encoding="utf-8",
    )


@pytest.fixture(autouse=True)
def _no_policy_violations(page):
    """Every journey fails if the browser blocked anything under the Content Security Policy
    (an inline script or style slipped into a template, an asset from elsewhere)."""
    violations: list[str] = []

    def watch(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", watch)
    yield
    assert not violations, violations
