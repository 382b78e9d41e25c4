"""A headless Debian chromium for the companion's browser tests (skipped, with the reason, when it is missing)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE = (390, 844)


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return "needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs selenium (pip install -e '.[test]')"
    return None


def start_browser(size: tuple[int, int] = PHONE) -> Any:
    """A headless chromium the size of a phone, driven through Debian's chromedriver (nothing downloaded)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"):
        options.add_argument(flag)
    options.add_argument(f"--window-size={size[0]},{size[1]}")
    options.add_argument(f"--user-data-dir={_profile()}")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    return driver


def _profile() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="picker-kiosk-chromium-")


@pytest.fixture
def browsers() -> Iterator[Callable[[], Any]]:
    """Start phones (each its own browser profile, so its own cookies); all are closed after the test."""
    reason = missing()
    if reason is not None:
        print(f"skipped: {reason}")
        pytest.skip(reason)
    started: list[Any] = []

    def start() -> Any:
        driver = start_browser()
        started.append(driver)
        return driver

    yield start
    for driver in started:
        profile = driver.capabilities.get("chrome", {}).get("userDataDir")
        driver.quit()
        if profile:
            shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: Any, condition: Callable[[Any], Any], timeout: float = 30) -> Any:
    """Wait on something the page shows (a selenium WebDriverWait, no fixed sleep).

    A form post reloads the page, so an element found just before the new page arrives goes stale: that is "not
    shown yet", like an element not found, and the condition is asked again. Chromium sometimes reports that
    stale element as an "unknown error" (its node "does not belong to the document"): the same, and the same
    answer; any other error still ends the wait."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def asked(d: Any) -> Any:
        try:
            return condition(d)
        except WebDriverException as exc:
            if "does not belong to the document" in (exc.msg or ""):
                raise StaleElementReferenceException(exc.msg) from exc
            raise

    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=ignored).until(asked)
