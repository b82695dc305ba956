#!/usr/bin/env python3
"""The web pages in Debian's Chromium, headless, driven by Selenium through /usr/bin/chromedriver, against a live
`intake serve` the calling test started (Tests/EndToEndTests/PagesEndToEndTests.swift). Exits non-zero on the first
failed check, and when Chromium cannot start: a browser test that cannot run fails, it never skips.

The applicant's page: a print-restricted PDF shows its Japanese message, then the English one after the switch; a
photo whose face is too small shows the drawn band; a bundle shows its items. The admin console: a dead job is
retried and seen to succeed; a dry run, a run, a trial report and the findings chart. Every request the browser
made went to the host that served the pages (its performance log), and the console shows no CSP violation.
"""
import argparse, io, json, os, sys, time, urllib.parse, urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--admin-token", required=True)
parser.add_argument("--application", required=True)
parser.add_argument("--noprint-pdf", required=True)
parser.add_argument("--bundle-pdf", required=True)
parser.add_argument("--small-face", required=True)
parser.add_argument("--dead-job", required=True)
parser.add_argument("--screenshots", required=True)
args = parser.parse_args()
host = urllib.parse.urlsplit(args.url).netloc


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def api(path, token=args.token):
    request = urllib.request.Request(args.url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,900",
             "--force-device-scale-factor=1", "--lang=ja", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-default-apps"]:
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
# The pages redraw what changes (the queue every 3 s): an element read just as it is replaced is read again.
wait = WebDriverWait(driver, 60, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException])
requested = []


def drain_logs():
    """Every URL the browser asked for so far, and the console's errors."""
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    # Chromium asks for /favicon.ico on its own, and the applicant's page asks whether its application exists
    # before anything is sent (404 until then): Chromium logs both 404s, and neither is a fault of the pages.
    expected = ["/favicon.ico - ", f"/v1/applications/{args.application} - "]
    errors = [error for error in errors if not (any(e in error for e in expected) and "404" in error)]
    check(not errors, f"console errors: {errors}")


def screenshot(name, width):
    """A full-page PNG, reduced to a palette so that it stays small enough to commit."""
    from PIL import Image
    driver.set_window_size(width, 900)
    for _ in range(3):
        # The window's own frame is not page: grow it until the viewport holds the whole page.
        frame, height = driver.execute_script(
            "return [window.outerHeight - window.innerHeight, document.documentElement.scrollHeight]")
        driver.set_window_size(width, min(height + frame, 4000))
        time.sleep(0.3)
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        os.path.join(args.screenshots, name), optimize=True)


def texts(parent, selector):
    """The text of every element under `parent` matching `selector`, read at once (see the photo's figure)."""
    return driver.execute_script(
        "return [...arguments[0].querySelectorAll(arguments[1])].map((e) => e.textContent.trim())", parent, selector)


def upload_row(slot, state_in):
    """The newest upload of `slot` once its state is one of `state_in`."""
    def ready(_):
        rows = driver.find_elements(By.CSS_SELECTOR, f"#list-{slot} > li")
        return rows[0] if rows and rows[0].get_attribute("data-state") in state_in else False
    return wait.until(ready, f"no {slot} upload reached {state_in}")


try:
    # The applicant's page, Japanese by default, token and application from the fragment.
    driver.get(f"{args.url}/#token={args.token}&application={args.application}")
    wait.until(lambda d: d.find_element(By.ID, "workspace").is_displayed())
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja", "Japanese by default")
    check("token" not in driver.current_url, f"the token left the address bar: {driver.current_url}")
    hint = driver.find_element(By.ID, "photo-hint")
    wait.until(lambda d: "55〜70 %" in hint.text, "the photo hint names the policy's head height")

    driver.find_element(By.ID, "input-attachment").send_keys(args.noprint_pdf)
    row = upload_row("attachment", ["rejected"])
    upload = api(f"/v1/uploads/{row.get_attribute('data-upload')}")
    finding = next(f for f in upload["items"][0]["findings"] if f["code"] == "pdf.print_restricted")
    shown = texts(row, "ul.findings li p")
    check(shown == [finding["message"]["ja"]], f"Japanese message: {shown!r}")
    check(texts(row, "code.code") == ["pdf.print_restricted"], "the code in small type")

    # The switch: the same finding in English, in place; the address says so and `lang` follows.
    toggle = driver.find_element(By.ID, "lang-toggle")
    check(toggle.text == "English", f"toggle reads {toggle.text!r}")
    toggle.click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    shown = texts(row, "ul.findings li p")
    check(shown == [finding["message"]["en"]], f"English message: {shown!r}")
    check("lang=en" in driver.current_url, driver.current_url)

    # A photo whose face is too small: the chin is drawn above the band where it should be.
    driver.find_element(By.ID, "input-photo").send_keys(args.small_face)
    row = upload_row("photo", ["rejected"])
    codes = texts(row, "code.code")
    check("photo.face_too_small" in codes, f"photo codes: {codes}")
    # Read in one script: a card is redrawn whenever its upload changes, so elements held across calls go stale.
    drawn = wait.until(lambda d: d.execute_script("""
        const svg = arguments[0].querySelector("svg.photo-figure");
        if (!svg) return null;
        const y = (selector, name) => parseFloat(svg.querySelector(selector).getAttribute(name));
        return {band: y("rect[data-band=chin]", "y"), chin: y("line[data-line=chin]", "y1"),
                lines: [...svg.querySelectorAll("line[data-line]")].map((l) => l.dataset.line),
                href: svg.querySelector("image").getAttribute("href")};""", row), "no photo figure")
    check(drawn["chin"] < drawn["band"], f"the chin is above the allowed band: {drawn}")
    check(sorted(drawn["lines"]) == ["center", "chin", "crown", "eyes"], f"lines: {drawn['lines']}")
    check(drawn["href"].startswith("blob:"), "the photo from a blob: URL")
    check(driver.execute_script(
        "const i = new Image(); i.src = arguments[0]; return i.decode().then(() => i.naturalWidth)",
        drawn["href"]) > 0, "the photo itself is drawn")

    # A bundle with three bookmarks: three items with their pages and titles.
    driver.find_element(By.ID, "input-bundle").send_keys(args.bundle_pdf)
    row = upload_row("bundle", ["accepted", "rejected"])
    wait.until(lambda d: len(texts(row, "tr[data-item] .item-title")) == 3, "no three items")
    seen = list(zip(texts(row, "tr[data-item] td.n"), texts(row, "tr[data-item] .item-title")))
    check(seen == [("1", "Passport copy"), ("2–3", "Employment contract"), ("4", "Tax certificate")], f"{seen}")
    # The bundle's items were accepted: the total and its bar follow.
    wait.until(lambda d: float(d.find_element(By.ID, "total-fill").value_of_css_property("width").rstrip("px")) > 0,
               "the total bar does not show the accepted bytes")
    check(driver.find_element(By.ID, "total-text").text.endswith(" 25 MB"), "the total against 25 MB")

    # Back to Japanese for the screenshot, then a phone-sized screen: nothing wider than the screen.
    driver.find_element(By.ID, "lang-toggle").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja")
    screenshot("applicant.png", 1200)
    screenshot("applicant-phone.png", 390)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check(overflow <= 0, f"the applicant's page is {overflow}px wider than a phone")
    drain_logs()

    # Keyboard: Tab reaches the toggle and every file input.
    driver.set_window_size(1200, 900)
    driver.get(f"{args.url}/")
    wait.until(lambda d: d.find_element(By.ID, "workspace").is_displayed())
    reached = set()
    body = driver.find_element(By.TAG_NAME, "body")
    for _ in range(12):
        body.send_keys("\ue004")  # Tab
        reached.add(driver.execute_script("return document.activeElement.id"))
    for wanted in ["lang-toggle", "input-photo", "input-attachment", "input-bundle"]:
        check(wanted in reached, f"Tab never reaches #{wanted}: {reached}")

    # A fresh tab (its own sessionStorage) opened without the fragment: the form asks for the token and the
    # application, and the page rebuilds every upload from the events stream, each in its slot.
    applicant_tab = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(f"{args.url}/?lang=en")
    wait.until(lambda d: d.find_element(By.ID, "signin").is_displayed())
    driver.find_element(By.ID, "signin-token").send_keys(args.token)
    driver.find_element(By.ID, "signin-application").send_keys(args.application + "\n")
    wait.until(lambda d: d.find_element(By.ID, "workspace").is_displayed())
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#list-bundle tr[data-item]")) == 3, "bundle items")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#list-photo svg rect[data-band=chin]"), "photo figure")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#list-attachment > li")) == 1, "one attachment")
    drain_logs()
    driver.close()
    driver.switch_to.window(applicant_tab)

    # The admin console, in English, with the dead job the calling test made.
    driver.get(f"{args.url}/admin?lang=en#token={args.admin_token}")
    wait.until(lambda d: d.find_element(By.ID, "console").is_displayed())
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "admin in English")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"button[data-retry='{args.dead_job}']"),
               "the dead job is not listed")

    # Reprocess: a dry run's table, then a run to its end.
    driver.find_element(By.ID, "dry-run").click()
    wait.until(lambda d: "examined" in d.find_element(By.ID, "dry-summary").text)
    driver.find_element(By.ID, "run").click()
    wait.until(lambda d: "applications reprocessed" in d.find_element(By.ID, "run-label").text and
               d.find_element(By.ID, "run-bar").get_attribute("value") == d.find_element(By.ID, "run-bar").get_attribute("max"))

    # The trial's HTML report in its sandboxed frame, its own style sheet applied (allowed by hash).
    driver.find_element(By.CSS_SELECTOR, "#trial-form button").click()
    frame = wait.until(lambda d: d.find_element(By.ID, "trial-report").is_displayed() and
                       d.find_element(By.ID, "trial-report"))
    driver.switch_to.frame(frame)
    heading = wait.until(lambda d: d.find_element(By.TAG_NAME, "h1"))
    check(heading.text == "Size-limit trial", heading.text)
    check(heading.value_of_css_property("font-size") == "25.6px", "the report's style sheet applies")
    driver.switch_to.default_content()

    # Recent findings by code, as bars.
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#findings-bars li[data-code='pdf.print_restricted']"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#findings-bars li[data-code='photo.face_too_small']"))
    screenshot("admin.png", 1200)
    screenshot("admin-phone.png", 390)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check(overflow <= 0, f"the admin page is {overflow}px wider than a phone")
    driver.set_window_size(1200, 900)

    # The dead job with its last error: retry it and see it succeed.
    button = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"button[data-retry='{args.dead_job}']"),
                        "the dead job is not listed")[0]
    last_error = texts(driver.find_element(By.ID, "dead-rows"), f"tr[data-job='{args.dead_job}'] td.error-text")
    check(last_error and "500" in last_error[0], f"its last error is shown: {last_error}")
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".tile.dead b").text == "1")
    button.click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"li[data-retried='{args.dead_job}'][data-state=succeeded]"),
               "the retried job did not succeed")
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".tile.dead b").text == "0")
    check(api(f"/v1/admin/jobs/{args.dead_job}", args.admin_token)["state"] == "succeeded", "succeeded in the API")
    drain_logs()

    # Nothing but the host that served the pages (blob: is the photo, already fetched from it).
    foreign = [url for url in requested
               if not url.startswith(("blob:", "data:", "about:")) and urllib.parse.urlsplit(url).netloc != host]
    check(requested, "the performance log recorded no request")
    check(not foreign, f"requests to other hosts: {foreign}")
    print(f"ok: {len(requested)} requests, all to {host}")
except BaseException:
    driver.save_screenshot(os.path.join(args.screenshots, "failure.png"))
    print(f"failure.png in {args.screenshots}", file=sys.stderr)
    raise
finally:
    driver.quit()
