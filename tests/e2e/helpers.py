"""Steps shared by the browser journeys."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, TOTP_SECRET, totp_code


def log_in(
    page: Page, base: str, email: str, password: str = PASSWORD, totp_secret: str = TOTP_SECRET
) -> None:
    """Sign in through the login page; answer the authenticator step when it comes."""
    page.goto(f"{base}/akun/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("main button[type=submit]").click()
    expect(page.locator("#id_password")).to_have_count(0)
    if page.locator("#id_code").count():
        _answer_code(page, totp_secret)


def _answer_code(page: Page, secret: str) -> None:
    """Type the app's current code. A code works once (allauth remembers used codes), so when
    this journey already used the current one, wait for the app's next code, as a person would."""
    page.locator("#id_code").fill(totp_code(secret))
    page.locator("#id_code").press("Enter")
    page.wait_for_load_state()
    if page.locator("#id_code").count():
        time.sleep(30 - time.time() % 30 + 1)
        page.locator("#id_code").fill(totp_code(secret))
        page.locator("#id_code").press("Enter")
    expect(page.locator("#id_code")).to_have_count(0)


def set_up_authenticator(page: Page, password: str = PASSWORD) -> str:
    """On the authenticator set-up page: read the secret as an app would, answer its code.
    Setting up a factor asks for the password again unless the person signed in just now."""
    page.wait_for_load_state()
    if page.locator("#id_password").count():
        page.locator("#id_password").fill(password)
        page.locator("#id_password").press("Enter")
    expect(page.locator("#authenticator_secret")).to_be_visible()
    secret = page.locator("#authenticator_secret").input_value()
    _answer_code(page, secret)
    return secret
