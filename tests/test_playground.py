"""The playground (`garant serve` at /) in a real headless Chromium.

Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them);
without them these tests fail, saying how to install them. The test types
a mistake into the editor, sees the error marker on its line, fixes it,
evaluates a claim and reads the figure.

Worked figure: a GP consultation in secteur 1, 30 € on 2025-01-15: base
30.00 (consultation_G from 2024-12-22, Convention médicale 2024), AMO
70 % = 21.00; the contract's 100 % BRSS (Sécu incluse) pays 30.00 − 21.00
= 9.00; RAC 30.00 − (21.00 − 2.00 participation forfaitaire) − 9.00 = 2.00.

`GARANT_SCREENSHOT=docs/images/playground.png pytest tests/test_playground.py`
rewrites the screenshot docs/serve.md shows.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CONTRACT = """contract "Petit"
  insurer "Test"
  regime secu
  effective 2025-01-01

guarantees
  all: TM
  consultation generaliste secteur1: 100% BRSS
"""

CLAIM = '{"id": "c1", "date": "2025-01-15", "beneficiary": "B1", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"}'
INSTALL = "install them with: apt-get install chromium chromium-driver (as root; .ci/run does it)"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--window-size=1400,900")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from garant.cli import main; main()", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(url + "/openapi.json", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.poll() is not None else ""
                    pytest.fail(f"garant serve did not start on {url}: {out}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        missing = " and ".join(n for n, p in (("chromium", chromium), ("chromedriver", driver_path)) if p is None)
        pytest.fail(f"the playground tests need a headless Chromium: {missing} not found on PATH; {INSTALL}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.binary_location = chromium
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, condition, what: str, timeout: float = 60):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: condition(d))
    except TimeoutException:
        status = driver.find_element("id", "status").text
        pytest.fail(f"timed out waiting for {what} (status: {status!r}; browser log: {driver.get_log('browser')})")


def _line_of(driver, element) -> int:
    """The 1-based editor line a lint range sits in."""
    return driver.execute_script(
        "const line = arguments[0].closest('.cm-line');"
        "return [...document.querySelectorAll('.cm-content .cm-line')].indexOf(line) + 1;", element)


def test_mistake_marked_on_its_line_fixed_then_evaluated(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = browser
    d.get(server + "/")
    _wait(d, lambda d: d.execute_script("return !!window.garantView"), "the editor")
    _wait(d, lambda d: "Essentiel 2025" in d.execute_script("return garantView.state.doc.toString()"), "the bundled product to load")
    d.execute_script("GarantEditor.setText(garantView, arguments[0]);", CONTRACT)
    _wait(d, lambda d: d.find_element(By.ID, "status").text == "0 errors, 0 warnings", "the small contract to check")

    # highlighted: the keyword `guarantees` and the amount `100%` have colours of their own
    colours = d.execute_script(
        "const lines = document.querySelectorAll('.cm-content .cm-line');"
        "const colour = (n) => getComputedStyle(n).color;"
        "const span = (line, text) => [...lines[line - 1].querySelectorAll('span')].find((s) => s.textContent.trim() === text);"
        "return [colour(lines[5]), colour(span(6, 'guarantees')), colour(span(8, '100%'))];")
    plain, keyword, amount = colours
    assert keyword != plain and amount != plain and keyword != amount

    # the caret after `secteur1` on line 8, then a mistake typed with the keyboard
    d.execute_script("const v = garantView; v.focus(); v.dispatch({selection: {anchor: v.state.doc.line(8).from + 35}});")  # after `secteur1`
    d.find_element(By.CSS_SELECTOR, ".cm-content").send_keys(" optm")
    assert d.execute_script("return garantView.state.doc.line(8).text") == "  consultation generaliste secteur1 optm: 100% BRSS"
    marker = _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, ".cm-lintRange-error"), "the error marker")[0]
    assert _line_of(d, marker) == 8
    assert marker.text == "optm"
    gutter = d.find_elements(By.CSS_SELECTOR, ".cm-gutter-lint .cm-lint-marker-error")
    assert len(gutter) == 1
    line8 = d.find_elements(By.CSS_SELECTOR, ".cm-content .cm-line")[7]
    assert abs(gutter[0].rect["y"] - line8.rect["y"]) < line8.rect["height"]
    listed = d.find_element(By.CSS_SELECTOR, "#diagnostics li.error")
    assert listed.get_attribute("data-line") == "8" and "optm" in listed.text and "optam" in listed.text
    assert d.find_element(By.ID, "status").text.startswith("1 error")
    if os.environ.get("GARANT_SCREENSHOT"):
        d.save_screenshot(os.environ["GARANT_SCREENSHOT"].replace(".png", "-error.png"))

    # fixed: the marker goes
    d.find_element(By.CSS_SELECTOR, ".cm-content").send_keys(Keys.BACKSPACE * 5)
    _wait(d, lambda d: d.find_element(By.ID, "status").text == "0 errors, 0 warnings", "the fix to check")
    assert d.find_elements(By.CSS_SELECTOR, ".cm-lintRange-error") == []

    # a claim evaluated: the figures of the décompte, and its trace
    claims = d.find_element(By.ID, "claims")
    claims.clear()
    claims.send_keys(CLAIM)
    d.find_element(By.ID, "eval-button").click()
    amc = _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, '#results .result[data-id="c1"] td[data-field="amc"]'), "the décompte")[0]
    assert amc.text == "9.00"
    assert d.find_element(By.CSS_SELECTOR, '#results td[data-field="rac"]').text == "2.00"
    assert d.find_element(By.CSS_SELECTOR, '#results td[data-field="amo_net"]').text == "19.00"
    trace = [li.text for li in d.find_elements(By.CSS_SELECTOR, "#results .trace li")]
    assert trace[0].startswith("base de remboursement") and "= 30.00" in trace[0]
    assert any(step.startswith("contract: consultation generaliste secteur1: 100% BRSS = 9.00") for step in trace)

    # the tableau, from the source being edited
    d.find_element(By.CSS_SELECTOR, '.tabs button[data-tab="tableau"]').click()
    cell = _wait(d, lambda d: [td for td in d.find_elements(By.CSS_SELECTOR, "#tableau td") if td.text.replace("\u00a0", " ") == "100 % BRSS"], "the tableau")
    assert cell
    # the standard examples on this contract: the GP consultation of the published list (30 €, adult, secteur 1)
    # pays 9.00 and leaves 2.00, as worked above
    d.find_element(By.CSS_SELECTOR, '.tabs button[data-tab="examples"]').click()
    gp = "Consultation du médecin traitant généraliste, secteur 1, plus de 18 ans"
    row = _wait(d, lambda d: [tr for tr in d.find_elements(By.CSS_SELECTOR, "#examples tr") if tr.text.startswith(gp)], "the examples")[0]
    assert [td.text for td in row.find_elements(By.TAG_NAME, "td")][1:] == ["30.00", "9.00 / 2.00"]
    d.find_element(By.CSS_SELECTOR, '.tabs button[data-tab="claims"]').click()
    if os.environ.get("GARANT_SCREENSHOT"):
        d.save_screenshot(os.environ["GARANT_SCREENSHOT"])
    d.save_screenshot(str(tmp_path / "playground.png"))


def test_a_claim_that_cannot_be_evaluated_says_why(server, browser):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(server + "/?product=essentiel_2025")
    _wait(d, lambda d: d.find_element(By.ID, "status").text.startswith("0 errors"), "the bundled product to check")
    claims = d.find_element(By.ID, "claims")
    claims.clear()
    claims.send_keys(CLAIM.replace("generaliste", "generalist"))
    d.find_element(By.ID, "eval-button").click()
    reason = _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#results .reason"), "the rejection")[0]
    assert "generaliste" in reason.text and "[act]" in reason.text


def test_levels_offered_for_a_product_with_levels(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    d = browser
    d.get(server + "/?product=sante_mix_proximite")
    _wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#level option")) == 6, "the levels")
    Select(d.find_element(By.ID, "level")).select_by_value("N4")
    claims = d.find_element(By.ID, "claims")
    claims.clear()
    claims.send_keys(CLAIM.replace('"secteur1", "price": "30.00"', '"secteur2 optam", "price": "60.00"'))
    d.find_element(By.ID, "eval-button").click()
    # contracts/sante_mix_proximite.garant:49, N4: 200% BRSS = 60.00, Sécu 21.00 included: 39.00
    amc = _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, '#results td[data-field="amc"]'), "the décompte")[0]
    assert amc.text == "39.00"
