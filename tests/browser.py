"""A real headless Chromium for the page tests, driven by selenium.

``chromium()`` starts Debian's chromium with chromedriver (``.ci/run``
installs both) in a fresh profile, with the flags a closed network needs
(no background requests of its own), and with the browser console and the
network events logged, so that a test can assert that a page wrote no
error and asked for nothing outside ``file://``.  Tests skip when the
browser is not installed.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"   # screenshots (git-ignored)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--hide-scrollbars"]


def chromium():
    """A selenium driver, or a pytest skip when there is no browser."""
    webdriver = pytest.importorskip("selenium.webdriver")
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("chromium and chromedriver are not installed")
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="chainrule-chromium-")
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.profile_dir = profile
    return driver


def quit(driver) -> None:
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


def problems(driver) -> list[str]:
    """Console errors and warnings since the last call (a CSP refusal is one)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def requests(driver) -> list[str]:
    """Every URL asked for since the last call, except by the browser's own
    pages (its new-tab page loads chrome:// resources of its own)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            params = message["params"]
            if not params.get("documentURL", "").startswith(("chrome://", "chrome-untrusted://")):
                urls.append(params["request"]["url"])
    return urls


def screenshot(driver, name: str, width: int, height: int = 1000) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.set_window_size(width, height)
    path = ARTIFACTS / f"{name}-{width}.png"
    driver.save_screenshot(str(path))
    return path


def scrolls_sideways(driver, selector: str) -> list[str]:
    """The text of each element matched by ``selector`` whose content is wider
    than its box (it scrolls sideways, or spills out of the page)."""
    return driver.execute_script("""
        const vw = document.documentElement.clientWidth;
        return Array.from(document.querySelectorAll(arguments[0]))
          .filter(e => e.getClientRects().length &&
                       (e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > vw + 1))
          .map(e => e.textContent.slice(0, 80));""", selector)


def plain_number(text: str) -> str:
    """A number as the page writes it (−0.4, 1.5×10⁻⁷, (−0.4)) in derive's
    plain form (-0.4, 1.5e-07)."""
    text = text.strip().strip("()").replace("−", "-")
    if "×10" in text:
        mant, exp = text.split("×10")
        exp = int(exp.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")))
        return f"{mant}e{exp:+03d}"
    return text


def loaded(driver, timeout: float = 20.0) -> bool:
    """Wait for the page's load event: on a busy machine driver.get may return
    while the document is still loading (seen once under CI-like load)."""
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return True
