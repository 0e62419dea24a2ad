"""In real Chromium: every kind of page works under the Content-Security-Policy without one violation — the
console case page, the one map, statistics, the hotline desk, the portal, the inspector app, the admin and the
API docs — and the policy is really sent (an inline script without the nonce is blocked)."""

from __future__ import annotations

from tests.browser_support import BROWSER_MARKS, log_in
from tests.cases.workflow_cast import *  # noqa: F403 (the cast and its fixtures)
from tests.cases.workflow_cast import report

pytestmark = BROWSER_MARKS

# Recorded in every document before its own scripts run; read back after the page settled.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


# Chromium's console reports of a refused resource and of a header it cannot read.
REPORTED = ("Content Security Policy", "Permissions-Policy")


def watched(page) -> list[str]:
    """Start collecting CSP violations (events and console reports) of every page this tab opens."""
    page.context.add_init_script(WATCH)
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if any(h in msg.text for h in REPORTED) else None)
    return seen


def violations(page, console: list[str], path: str, base_url: str, *, ready: str = "body") -> list[str]:
    page.goto(base_url + path)
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    return [f"{path}: {v}" for v in page.evaluate("window.__cspViolations") + console]


def test_no_page_breaks_the_content_security_policy(live_server, browser, cast):
    case = report(cast)
    base = live_server.url
    found: list[str] = []

    page = log_in(browser, base, "admin", "/console/")
    console = watched(page)
    for path, ready in [(f"/console/cases/{case.number}/", "body"), ("/console/command/", "#command-map[data-loaded='1']"),
                        ("/console/command/?screen=1", "#command-map[data-loaded='1']"),
                        ("/console/analytics/", "body"), ("/console/analytics/highs/", "body"),
                        ("/console/evaluation/", "body"), ("/admin/", "#content"), ("/admin/org/user/", "#result_list"),
                        (f"/admin/org/user/{cast['dispatcher'].pk}/change/", "#content"),
                        ("/api/v1/docs", ".swagger-ui .info")]:
        found += violations(page, console, path, base, ready=ready)
    page.context.close()

    page = log_in(browser, base, "acceptor", "/hotline/")
    console = watched(page)
    found += violations(page, console, "/hotline/", base)
    page.context.close()

    page = log_in(browser, base, "inspector", "/m/")
    console = watched(page)
    for path in ["/m/", "/m/report/"]:
        found += violations(page, console, path, base)
    page.context.close()

    context = browser.new_context()
    page = context.new_page()
    console = watched(page)
    for path in ["/portal/", "/portal/report/", "/portal/nearby/", "/accounts/login/"]:
        found += violations(page, console, path, base)
    # The language menu still switches without its inline handler (static/cityops/base.js).
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    assert page.get_attribute("html", "lang") == "zh-hans"
    context.close()
    assert found == []


def test_an_inline_script_without_the_nonce_is_blocked(live_server, browser, db):
    context = browser.new_context()
    page = context.new_page()
    watched(page)
    page.goto(live_server.url + "/portal/")
    page.wait_for_load_state("networkidle")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__ran = 1";
                            document.body.appendChild(s); }""")
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in page.evaluate("window.__cspViolations"))
    context.close()
