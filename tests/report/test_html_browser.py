"""The HTML reports in a real browser: headless Chromium (Debian's `chromium`), driven by
Playwright's Python API. Every page is opened from its file with every request that is not
the file itself recorded and refused, and every console message and page error recorded:
none is allowed. Screenshots go to $CWS_COMPAT_SCREENSHOTS, else to a `screenshots`
directory under pytest's temporary directory (the test output names it).

Without Playwright or Chromium these tests are skipped, saying which is missing; `.ci/run`
installs both and sets CWS_COMPAT_REQUIRE_BROWSER=1, which turns a skip into a failure."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from compat.report.html import Markup, page, tag
from tests.report.pages import (
    CLOSING,
    IMG_NAME,
    SCRIPT,
    add_breaking_v3,
    corpus_page,
    diff_page,
    gate_repo,
    hostile_pair,
)

CHROMIUM = os.environ.get("CWS_COMPAT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return (
            f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CWS_COMPAT_CHROMIUM "
            "to a Chromium binary)"
        )
    return None


MISSING = _missing()
REQUIRED = os.environ.get("CWS_COMPAT_REQUIRE_BROWSER") == "1"

pytestmark = [pytest.mark.browser]
if MISSING and not REQUIRED:
    pytestmark.append(pytest.mark.skip(reason=f"HTML reports not opened in a browser: {MISSING}"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if MISSING:
        pytest.fail(f"CWS_COMPAT_REQUIRE_BROWSER=1, but {MISSING}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        # Playwright's own browser download is never used: the system's Chromium is
        launched = driver.chromium.launch(
            executable_path=CHROMIUM, args=["--disable-dev-shm-usage", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def screenshots(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Path]:
    chosen = os.environ.get("CWS_COMPAT_SCREENSHOTS")
    if chosen:
        directory = Path(chosen).resolve()
        directory.mkdir(parents=True, exist_ok=True)
    else:
        directory = tmp_path_factory.mktemp("screenshots", numbered=False)
    yield directory
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # said on the terminal, not captured
            reporter.write_line(f"\nscreenshots of the HTML reports: {directory}")


@dataclass
class Watched:
    """What a page did besides showing itself."""

    page: Any
    requests: list[str] = field(default_factory=list)  # anything but the page's own file
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_quiet(self) -> None:
        assert self.requests == [], f"the page asked for {self.requests}"
        assert self.console == [], f"the console said {self.console}"
        assert self.errors == [], f"the page failed: {self.errors}"


def watch(browser: Any, path: Path, width: int = 1280, height: int = 900) -> Watched:
    context = browser.new_context(viewport={"width": width, "height": height})
    opened = context.new_page()
    watched = Watched(opened)
    own = path.resolve().as_uri()

    def route(handled: Any) -> None:
        if handled.request.url.split("#")[0] == own:
            handled.continue_()
        else:
            watched.requests.append(handled.request.url)
            handled.abort()

    opened.route("**/*", route)
    opened.on("console", lambda message: watched.console.append(f"{message.type}: {message.text}"))
    opened.on("pageerror", lambda error: watched.errors.append(str(error)))
    opened.goto(own, wait_until="load")
    return watched


@contextlib.contextmanager
def visit(browser: Any, path: Path, width: int = 1280, height: int = 900) -> Iterator[Any]:
    """The page at `path`, which must make no request and log nothing, to the end."""
    watched = watch(browser, path, width, height)
    try:
        yield watched.page
        watched.page.wait_for_load_state("networkidle")
        watched.assert_quiet()
    finally:
        watched.page.context.close()


def shoot(shown: Any, path: Path, full_page: bool = False) -> None:
    """A screenshot for a reviewer to open."""
    shown.screenshot(path=str(path), full_page=full_page)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def _in_view(locator: Any) -> bool:
    box = locator.bounding_box()
    size = locator.page.viewport_size
    return bool(box) and 0 <= box["y"] < size["height"] and box["height"] > 0


def _texts(page: Any, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def test_the_watch_sees_requests_console_messages_and_errors(browser: Any, tmp_path: Path) -> None:
    """The checks below can fail: a page that fetches and logs is caught."""
    noisy = tmp_path / "noisy.html"
    noisy.write_text(
        '<!DOCTYPE html><img src="http://example.invalid/a.png"><img src="b.png">'
        "<script>console.error('boom'); undefinedFunction()</script>"
    )
    watched = watch(browser, noisy)
    watched.page.wait_for_load_state("networkidle")
    assert sorted(watched.requests) == [
        (tmp_path / "b.png").as_uri(),
        "http://example.invalid/a.png",
    ]
    assert "error: boom" in watched.console
    assert any("undefinedFunction" in error for error in watched.errors)
    with pytest.raises(AssertionError):
        watched.assert_quiet()
    watched.page.context.close()


def test_the_pages_policy_refuses_what_an_escaping_bug_would_let_in(
    browser: Any, tmp_path: Path
) -> None:
    """Defence in depth: markup that slipped through could neither fetch nor run."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        page(
            "leaky",
            [
                Markup('<img src="http://example.invalid/a.png">'),
                Markup("<script>document.title = 'ran'</script>"),
                tag("p", "still here"),
            ],
        )
    )
    watched = watch(browser, leaky)
    watched.page.wait_for_load_state("networkidle")
    assert watched.requests == []  # refused before any request was made
    assert watched.page.title() == "leaky"  # the script never ran
    assert any("Content Security Policy" in line for line in watched.console)
    watched.page.context.close()


def test_diff_v1_v2(browser: Any, tmp_path: Path, screenshots: Path) -> None:
    report = diff_page(tmp_path / "diff.html", "v1", "v2")
    with visit(browser, report) as shown:
        assert shown.title() == "Schema compatibility: v1 → v2"
        assert shown.inner_text(".banner .verdict .value") == "compatible"
        assert shown.inner_text(".banner .dir-backward .badge") == "compatible"
        assert shown.inner_text(".banner .dir-forward .badge") == "breaking"
        assert shown.inner_text(".banner .bump .value") == "minor"
        assert _texts(shown, "section.group > h2") == ["Other changes (2)"]
        added = shown.locator(
            "article.change", has=shown.locator("a.rule", has_text="property-added")
        )
        assert _texts(added, "header .badge") == ["backward compatible", "forward breaking"]
        assert _texts(added, "ul.paths code") == ["dd"]
        # the counterexample is folded; a click shows the event
        example = added.locator("details.counterexample")
        assert example.get_attribute("open") is None
        assert not example.locator("pre").is_visible()
        example.locator("summary").click()
        assert example.get_attribute("open") == ""
        assert json.loads(example.locator("pre").inner_text()) == {"dd": {}}
        assert "valid under v2, rejected by v1" in example.locator("summary").inner_text()
        shoot(shown, screenshots / "diff-v1-v2.png", full_page=True)
        # a rule id leads to its explanation, in the page
        added.locator("a.rule").click()
        assert shown.url.endswith("#rule-property-added")
        explained = shown.locator("#rule-property-added")
        assert _in_view(explained)
        assert "A property is declared in an object that rejected undeclared names." in (
            explained.inner_text()
        )


def test_a_hostile_schema_shows_as_text(browser: Any, tmp_path: Path, screenshots: Path) -> None:
    old, new = hostile_pair(tmp_path)
    report = diff_page(tmp_path / "hostile.html", str(old), str(new), "--structural")
    with visit(browser, report) as shown:
        assert shown.evaluate("document.querySelectorAll('script, img, b').length") == 0
        assert shown.title().startswith("Schema compatibility:")  # no script ran
        for opened in shown.locator("details").all():
            opened.locator("summary").first.click()
        text = shown.inner_text("main")
        for literal in (SCRIPT, IMG_NAME, CLOSING):
            assert literal in text
        events = [json.loads(pre) for pre in _texts(shown, "details.counterexample pre.instance")]
        assert {IMG_NAME: CLOSING} in events  # valid under old, rejected by new
        shoot(shown, screenshots / "hostile.png", full_page=True)


def test_gate(
    browser: Any, tmp_path: Path, screenshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import invoke

    root = gate_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    add_breaking_v3(root)
    report = tmp_path / "gate.html"
    gated = invoke("check", "--against", "main", "--corpora", "--format", "html", "-o", str(report))
    assert gated.code == 1
    with visit(browser, report) as shown:
        assert shown.inner_text(".banner .verdict .value") == "FAILED"
        assert _texts(shown, "section.check > h2") == ["FAIL v2 → v3"]
        assert _texts(shown, "section.group > h3") == ["Failing (1)", "Other changes (1)"]
        failing = shown.locator("section.group-failing article.change")
        assert failing.locator("a.rule").inner_text() == "required-added"
        assert "process.credentials.auid" in _texts(failing, "ul.paths code")
        assert failing.locator(".fix pre").is_visible()
        assert '"subject": "auid"' in failing.locator(".fix pre").inner_text()
        failing.locator("details.counterexample summary").click()
        event = json.loads(failing.locator("details.counterexample pre").inner_text())
        assert "auid" not in event["process"]["credentials"]
        # --corpora: each corpus under its capture version and the new one
        assert _texts(shown, "table.heat tbody th") == ["v1", "v2", "v3"]
        cells = [_texts(row, "td") for row in shown.locator("table.heat tbody tr").all()]
        assert cells[:2] == [["100.0%*", "—"], ["—", "100.0%*"]]
        v3 = shown.locator("table.heat tbody tr").nth(2).locator("td").first
        assert "(explained by required-added)" in v3.get_attribute("title")
        shoot(shown, screenshots / "gate.png", full_page=True)


def test_corpus_validate_and_matrix_of_the_stored_corpora(
    browser: Any, tmp_path: Path, screenshots: Path, in_repo_root: Path
) -> None:
    validate, _ = corpus_page(tmp_path / "validate.html", "validate")
    with visit(browser, validate) as shown:
        assert shown.inner_text(".banner .verdict .value") == "passed"
        stats = dict(
            zip(
                [label.lower() for label in _texts(shown, ".banner .label")],
                _texts(shown, ".banner .value"),
                strict=True,
            )
        )
        assert stats["events"] == "3,000" and stats["rejected"] == "903"
        assert stats["unexplained"] == "0"
    matrix, _ = corpus_page(tmp_path / "matrix.html", "matrix")
    with visit(browser, matrix) as shown:
        assert shown.title() == "Corpus matrix"
        assert _texts(shown, "table.heat thead th") == ["version", "C1", "C2"]
        assert _texts(shown, "table.heat tbody th") == ["v1", "v2"]
        cells = [_texts(row, "td") for row in shown.locator("table.heat tbody tr").all()]
        assert cells == [["100.0%*", "39.8%"], ["100.0%", "100.0%*"]]
        rejected = shown.locator("table.heat tbody tr").first.locator("td").nth(1)
        title = rejected.get_attribute("title")
        assert "C2 under v1: 597 of 1,500 lines valid (39.8%)" in title
        assert "903 \u00d7 (root): Additional properties are not allowed" in title
        assert "(explained by property-removed)" in title
        shoot(shown, screenshots / "matrix.png", full_page=True)
        rejected.locator("a").click()
        assert shown.url.endswith("#cell-2-1")
        groups = shown.locator("#cell-2-1")
        assert _in_view(groups)
        assert (
            groups.locator("h4").inner_text()
            == "C2 under v1: 597 valid, 903 rejected (39.8% of its events valid)"
        )
        row = _texts(groups, "table.groups tbody td")
        assert row[0] == "903" and row[-1].startswith("property-removed")


def test_a_matrix_of_100_versions_stays_readable(
    browser: Any, tmp_path: Path, screenshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli.test_corpus import _many_versions

    _many_versions(tmp_path, 100, 12)
    monkeypatch.chdir(tmp_path)
    matrix, _ = corpus_page(tmp_path / "matrix.html", "matrix", "--fail-on", "never")
    with visit(browser, matrix, 1280, 800) as shown:
        labels = _texts(shown, "table.heat tbody th")
        assert labels == [f"v{k}" for k in range(1, 101)]
        assert _texts(shown, "table.heat thead th") == ["version", *(f"C{j}" for j in range(1, 13))]
        # the page never grows wider than the window, and no label is cut
        assert shown.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert shown.evaluate(
            "[...document.querySelectorAll('table.heat th')].every("
            "th => th.scrollWidth <= th.clientWidth)"
        )
        # 100 rows scroll inside a box of at most 70% of the window, the header row on top
        wrap = shown.locator(".heat-wrap")
        height = wrap.evaluate("e => [e.clientHeight, e.scrollHeight]")
        assert height[0] <= 0.7 * 800 + 2 < height[1]
        wrap.scroll_into_view_if_needed()
        wrap.evaluate("e => { e.scrollTop = e.scrollHeight }")
        top = wrap.bounding_box()["y"]
        assert abs(shown.locator("table.heat thead th.corner").bounding_box()["y"] - top) <= 2
        last = shown.locator("table.heat tbody th", has_text="v100")
        assert _in_view(last) and last.bounding_box()["y"] < top + height[0]
        shoot(shown, screenshots / "matrix-100-versions.png")
        # v50: C5 (n = 40..49) all valid, C6 (n = 48..57) 3 of 10, C7 (56..65) none
        v50 = shown.locator("table.heat tbody tr").nth(49)
        assert _texts(v50, "td")[4:7] == ["100.0%", "30.0%", "0.0%"]
        assert v50.locator("td").nth(4).get_attribute("class") == "h-all"
        assert v50.locator("td").nth(5).get_attribute("class") == "h-25"
        # each corpus's rejection groups are folded, and a cell opens its own
        assert (
            shown.evaluate("[...document.querySelectorAll('details.versions')].some(d => d.open)")
            is False
        )
        v50.locator("td").nth(5).locator("a").click()
        cell = shown.locator("#cell-6-50")
        assert _in_view(cell)
        assert (
            cell.locator("h4").inner_text()
            == "C6 under v50: 3 valid, 7 rejected (30.0% of its events valid)"
        )
        assert (
            shown.evaluate(
                "[...document.querySelectorAll('details.versions')].filter(d => d.open).length"
            )
            == 1
        )
    with visit(browser, matrix, 520, 800) as narrow:
        # in a narrow window the columns scroll sideways, the version column stays
        wrap = narrow.locator(".heat-wrap")
        assert narrow.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
        wrap.evaluate("e => { e.scrollLeft = e.scrollWidth }")
        left = wrap.bounding_box()["x"]
        first = narrow.locator("table.heat tbody th").first
        assert abs(first.bounding_box()["x"] - left) <= 2
        assert _texts(narrow, "table.heat tbody th")[0] == "v1"
        shoot(narrow, screenshots / "matrix-100-versions-narrow.png")


def test_field_history(browser: Any, tmp_path: Path, screenshots: Path) -> None:
    """`history --format html` on the shipped store: the listing, a field's timeline folded
    under its name, and one field's own page; the shared page's policy and escaping."""
    from tests.conftest import ROOT, invoke

    store = str(ROOT / "schemas/versions")
    listing = tmp_path / "history.html"
    result = invoke("history", "--store", store, "--format", "html", "-o", str(listing))
    assert result.code == 0, result.err
    with visit(browser, listing) as shown:
        assert shown.locator("h1").inner_text() == "Field history"
        names = _texts(shown, "table.fields summary code")
        assert "dd.span_id" in names and "process.credentials.uid" in names
        row = shown.locator("table.fields tr", has_text="dd.span_id").first
        assert row.locator(":scope > td").nth(1).inner_text().strip() == "v2"
        timeline = row.locator("table.timeline")
        assert not timeline.is_visible()
        row.locator("summary").click()
        assert timeline.is_visible()
        assert "added: integer, optional" in timeline.inner_text()
        shoot(shown, screenshots / "history.png")
    one = tmp_path / "field.html"
    result = invoke("history", "dd.span_id", "--store", store, "--format", "html", "-o", str(one))
    assert result.code == 0, result.err
    with visit(browser, one) as shown:
        assert shown.locator("h1").inner_text() == "Field history: dd.span_id"
        cells = _texts(shown, "table.timeline tr.added td")
        assert cells == ["v2", "2021-04-27", "added: integer, optional"]
