"""The HTML reports as text: escaping, self-containment, and -o FILE. (What they look like and
do in a browser: test_html_browser.py.)"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compat.report.html import Markup, page, tag
from compat.report.registry import render
from tests.conftest import ROOT, invoke
from tests.helpers import compare_docs
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


class _Parsed(HTMLParser):
    """Every start tag with its attributes, and the text, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Parsed:
    parsed = _Parsed()
    parsed.feed(html)
    parsed.close()
    return parsed


# Text as a schema or an event may hold it: markup characters, quotes, character references.
_hostile = st.text(alphabet=st.sampled_from("<>&\"'/=; abc\n\t#x;!-`"), max_size=40) | st.text()


@given(text=_hostile, title=_hostile)
def test_tag_escapes_every_child_and_attribute(text: str, title: str) -> None:
    html = tag("p", text, tag("code", text), title=title)
    parsed = _parse(html)
    assert [name for name, _ in parsed.tags] == ["p", "code"]
    assert parsed.tags[0][1] == {"title": title}
    assert "".join(parsed.text) == text + text


def test_markup_is_inserted_as_it_is_and_nothing_else_is() -> None:
    assert tag("p", Markup("<br>"), "<br>") == "<p><br>&lt;br&gt;</p>"
    assert tag("meta", charset="utf-8") == '<meta charset="utf-8">'
    assert tag("details", "x", open=True, hidden=False, id=None) == "<details open>x</details>"
    assert tag("td", class_="a", http_equiv="b") == '<td class="a" http-equiv="b"></td>'


def test_a_page_fetches_nothing_and_runs_nothing() -> None:
    document = page("t <i>", [tag("p", "x")])
    assert document.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
    assert "<title>t &lt;i&gt;</title>" in document
    (policy,) = [
        attrs["content"]
        for name, attrs in _parse(document).tags
        if name == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policy is not None and "default-src 'none'" in policy
    assert "script-src" not in policy  # scripts fall under default-src: none
    _assert_self_contained(document)


def _assert_self_contained(document: str) -> None:
    """Nothing in the page would make a browser fetch anything or run anything."""
    names = {name for name, _ in _parse(document).tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "video", "audio"}
    for _, attrs in _parse(document).tags:
        assert not {"src", "srcset", "action", "formaction", "background"} & set(attrs)
        assert not any(key.startswith("on") for key in attrs)
        href = attrs.get("href")
        assert href is None or href.startswith("#"), href
    assert "url(" not in document and "@import" not in document


def test_a_hostile_schema_shows_as_text(tmp_path: Path) -> None:
    old, new = hostile_pair(tmp_path)
    document = diff_page(tmp_path / "report.html", str(old), str(new), "--structural").read_text()
    _assert_self_contained(document)
    text = "".join(_parse(document).text)
    for literal in (SCRIPT, IMG_NAME, CLOSING):
        assert literal in text  # shown, as text
        assert literal not in document  # never as markup
    # the counterexample event carries the hostile name and value, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in document
    assert "a&amp;amp;b" in document


def test_diff_page_holds_the_banner_groups_links_and_counterexamples(tmp_path: Path) -> None:
    document = diff_page(tmp_path / "v1-v2.html", "v1", "v2").read_text()
    _assert_self_contained(document)
    assert "<h1>Schema compatibility: v1 → v2</h1>" in document
    assert '<span class="verdict-text pass">compatible</span>' in document
    assert '<span class="badge v-breaking">breaking</span>' in document  # forward
    assert "<h2>Other changes (2)</h2>" in document
    assert '<a href="#rule-property-added" class="rule"' in document
    assert '<section id="rule-property-added" class="rule-doc">' in document
    assert '<details class="counterexample"><summary>forward counterexample' in document
    assert document == render("diff", "html", _v1_v2())  # the CLI renders the report, no more


def _v1_v2() -> Any:
    from compat.engine.compare import compare
    from compat.versioning.sources import load

    store = ROOT / "schemas/versions"
    return compare(load("v1", store, "2020-12"), load("v2", store, "2020-12"), mode="backward")


def test_pages_are_the_same_every_time() -> None:
    report = compare_docs({"type": "integer"}, {"type": "string"})
    assert render("diff", "html", report) == render("diff", "html", report)
    assert "changes (" not in render("diff", "html", compare_docs({}, {}))
    assert "No changes: the two schemas accept exactly the same documents." in render(
        "diff", "html", compare_docs({}, {})
    )


def test_html_without_o_goes_to_standard_output(in_repo_root: Path) -> None:
    result = invoke("diff", "v1", "v2", "--format", "html")
    assert result.code == 0 and result.out.startswith("<!DOCTYPE html>")
    assert result.out.endswith("</html>\n")


def test_o_writes_the_file_atomically_or_not_at_all(in_repo_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("before")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    failed = invoke("diff", "v1", str(bad), "--format", "html", "-o", str(target))
    assert failed.code == 2 and failed.err.count("\n") == 1
    assert target.read_text() == "before"
    missing = invoke("diff", "v1", "v2", "--format", "html", "-o", str(tmp_path / "no/r.html"))
    assert missing.code == 2 and "does not exist" in missing.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "report.html"]
    # a text report to a file is never coloured
    assert invoke("diff", "v1", "v2", "--color", "-o", str(target)).code == 0
    assert "\033[" not in target.read_text() and "[property-added] dd" in target.read_text()


def test_corpus_o_refuses_a_missing_directory_before_the_run(in_repo_root: Path) -> None:
    for command in ("validate", "matrix"):
        result = invoke("corpus", command, "-o", "/nonexistent/dir/report.html", "--format", "html")
        assert result.code == 2
        assert result.err == (
            "cws-compat: error: /nonexistent/dir/report.html: directory /nonexistent/dir does "
            "not exist\n"
        )


def test_corpus_pages(in_repo_root: Path, tmp_path: Path) -> None:
    validate, code = corpus_page(tmp_path / "validate.html", "validate")
    assert code == 0
    matrix, _ = corpus_page(tmp_path / "matrix.html", "matrix")
    for path, title in ((validate, "Corpus validation"), (matrix, "Corpus matrix")):
        document = path.read_text()
        _assert_self_contained(document)
        assert f"<h1>{title}</h1>" in document
        # v1 rejects 903 of C2's 1,500 events: its cell says so, and links to the groups
        cell = re.search(
            r'<td class="h-25" title="([^"]*)"><a href="#cell-2-1">39.8%</a></td>', document
        )
        assert cell is not None, document
        assert "C2 under v1: 597 of 1,500 lines valid (39.8%)" in cell.group(1)
        assert "903 rejected; top rejection groups:" in cell.group(1)
        assert "(explained by property-removed)" in cell.group(1)
        assert '<section id="cell-2-1" class="cell">' in document
        assert (
            '<td class="h-all" title="C1 under v1: 1,500 of 1,500 lines valid (100.0%)' in document
        )
        assert ">100.0%*</td>" in document  # the capture version's cell


def test_gate_page_with_o_format_equals_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = gate_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    add_breaking_v3(root)
    target = tmp_path / "gate.html"
    result = invoke("check", "--against", "main", "-o", f"html={target}")
    assert result.code == 1 and result.out.startswith("Gate: ")  # text on stdout, as before
    document = target.read_text()
    _assert_self_contained(document)
    assert "<h1>Schema gate: failed</h1>" in document
    assert '<span class="verdict-text fail">FAILED</span>' in document
    assert "<h3>Failing (1)</h3>" in document
    assert '<a href="#rule-required-added" class="rule"' in document
    assert "to accept it, add to &quot;acknowledged&quot; of v3" in document
    assert "<h3>Other changes (1)</h3>" in document  # auid declared: forward breaking only


def test_the_readme_shows_real_screenshots() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ("html-report.png", "html-matrix.png"):
        assert f"](docs/{name})" in readme
        data = (ROOT / "docs" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


def test_the_projects_own_prose_shows_code_spans_as_code() -> None:
    from compat.report.html import _prose

    assert _prose("a `default` <b>") == "a <code>default</code> &lt;b&gt;"
    assert _prose("an `unpaired <i> tick") == "an `unpaired &lt;i&gt; tick"


def test_structural_edits_show_every_value_whole(tmp_path: Path) -> None:
    """A long added value (v2's DDContext) is folded, not cut: its last field is on the page."""
    document = diff_page(tmp_path / "s.html", "v1", "v2", "--structural").read_text()
    text = "".join(_parse(document).text)
    assert "/definitions/DDContext" in text
    assert "trace_id" in text and "Trace ID used for APM correlation" in text
    assert "..." not in text.split("Structural edits", 1)[1]
