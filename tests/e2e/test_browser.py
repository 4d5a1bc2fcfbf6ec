"""Pages in headless Chromium: the demo's chat, served by uvicorn (a message goes out over the WebSocket and
comes back), and the documentation site built by `scripts/docs`, served by `StaticFiles`.

Uses the system Chromium and chromedriver (Debian: `apt-get install chromium chromium-driver`) through
selenium, told exactly where both are so that it never tries to download a driver. Skipped, with the
reason, when either is missing.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from starlette.staticfiles import StaticFiles
from tests.e2e.servers import REPO, Server

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Wide enough for the docs site's desktop layout (navigation and search box shown).
    "--window-size=1280,1000",
)
WAIT_SECONDS = 10.0


def _find(names: tuple[str, ...], env_var: str) -> str | None:
    """The first executable among `$env_var` and `names` (on PATH or absolute), if any."""
    candidates = (os.environ.get(env_var, ""), *names)
    for candidate in filter(None, candidates):
        found = shutil.which(candidate)
        if found is not None:
            return found
    return None


def _refuse_driver_manager(*args: object, **kwargs: object) -> NoReturn:
    raise AssertionError("selenium tried to run its driver manager")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """A headless Chromium driven by the system chromedriver, with a fresh profile."""
    pytest.importorskip("selenium", reason="selenium is not installed: no browser test")
    chromium = _find(("/usr/bin/chromium", "chromium", "chromium-browser"), "CHROMIUM_BINARY")
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium): no browser test")
    chromedriver = _find(("/usr/bin/chromedriver", "chromedriver"), "CHROMEDRIVER")
    if chromedriver is None:
        pytest.skip("chromedriver is not installed (apt-get install chromium-driver): no browser test")

    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.chrome.webdriver import WebDriver
    from selenium.webdriver.common.selenium_manager import SeleniumManager

    profile: Path = tmp_path_factory.mktemp("chromium-profile")
    options = Options()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    # With an explicit driver and browser, selenium has no reason to run its driver manager (which
    # may download drivers): make sure it does not.
    service = Service(executable_path=chromedriver, log_output=os.devnull)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SeleniumManager, "binary_paths", _refuse_driver_manager)
        driver = WebDriver(options=options, service=service)
    try:
        driver.set_page_load_timeout(WAIT_SECONDS)
        yield driver
    finally:
        driver.quit()


@pytest.mark.parametrize("server", ["uvicorn"], indirect=True)
def test_chat_message_round_trip_in_a_browser(server: Server, browser: WebDriver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    wait = WebDriverWait(browser, WAIT_SECONDS)
    browser.get(f"{server.url}/chat")
    assert browser.title == "Chat · Starlette demo"
    wait.until(lambda driver: driver.find_element(By.ID, "chat-status").text == "connected")

    text = f"hello from chromium {secrets.token_hex(4)}"
    browser.find_element(By.ID, "chat-input").send_keys(text)
    browser.find_element(By.ID, "chat-send").click()

    echoed = (By.XPATH, f'//ul[@id="chat-messages"]/li/span[@class="chat-text" and text()="{text}"]')
    wait.until(expected_conditions.presence_of_element_located(echoed))
    assert browser.find_element(By.ID, "chat-input").get_attribute("value") == ""
    assert browser.find_element(By.ID, "chat-status").text == "connected"
    author = browser.find_element(*echoed).find_element(By.XPATH, "preceding-sibling::strong").text
    assert author.startswith("guest-")


def _newest_source_change() -> float:
    """When a file the documentation site is built from last changed."""
    sources = [REPO / "mkdocs.yml", *(REPO / "docs").rglob("*"), *(REPO / "src" / "starlette").rglob("*.py")]
    return max(path.stat().st_mtime for path in sources)


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built documentation site: `site/` when `scripts/docs` built it after the last change, else a fresh build."""
    built = REPO / "site" / "index.html"
    if built.is_file() and built.stat().st_mtime >= _newest_source_change():
        return built.parent
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed and site/ is not up to date: run scripts/docs")
    directory = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(directory)]
    subprocess.run(command, cwd=REPO, check=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    return directory


@pytest.fixture(scope="module")
def docs_url(docs_site: Path) -> Iterator[str]:
    """The site served by `StaticFiles(html=True)` under uvicorn, in a thread, on a free port of 127.0.0.1."""
    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port: int = listener.getsockname()[1]
    config = uvicorn.Config(StaticFiles(directory=docs_site, html=True), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(WAIT_SECONDS)
        listener.close()
    assert not thread.is_alive()


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/", "The typed Starlette guide"), ("/api/starlette.routing/", "starlette.routing")],
)
def test_docs_site_page_in_a_browser(
    docs_url: str, browser: WebDriver, tmp_path_factory: pytest.TempPathFactory, path: str, heading: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(docs_url + path)
    WebDriverWait(browser, WAIT_SECONDS).until(lambda driver: driver.find_element(By.TAG_NAME, "h1").text == heading)
    shot = tmp_path_factory.mktemp("docs-screenshots") / f"{path.strip('/').replace('/', '_') or 'index'}.png"
    shot.write_bytes(browser.get_screenshot_as_png())

    navigation = browser.find_element(By.CSS_SELECTOR, "nav.md-nav--primary")
    titles = {(link.get_attribute("textContent") or "").strip() for link in navigation.find_elements(By.TAG_NAME, "a")}
    assert {"Getting started", "Routing", "Typing", "Differences from upstream", "API reference"} <= titles
    assert browser.find_element(By.CSS_SELECTOR, "input[data-md-component=search-query]").is_displayed()
    if path.startswith("/api/"):
        signatures = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".doc-signature")]
        assert any(text.startswith("Route(\n    path: str,") for text in signatures), signatures


@pytest.mark.parametrize("server", ["uvicorn"], indirect=True)
def test_clock_events_arrive_in_a_browser(server: Server, browser: WebDriver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    # The clock ticks once a second: three events within the wait, with room to spare.
    wait = WebDriverWait(browser, WAIT_SECONDS)
    browser.get(f"{server.url}/clock/")
    assert browser.title == "Clock · Starlette demo"
    wait.until(lambda driver: len(driver.find_elements(By.CLASS_NAME, "clock-event")) >= 3)
    ids = [int(element.text.split()[0].lstrip("#")) for element in browser.find_elements(By.CLASS_NAME, "clock-event")]
    assert ids[:3] == sorted(ids[:3], reverse=True)  # the newest first, ids counting up
    assert browser.find_element(By.ID, "clock-status").text == "connected"
    browser.get("about:blank")  # closes the EventSource, so the server can shut down
