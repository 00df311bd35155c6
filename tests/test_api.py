"""The Python API (compat/api.py, docs/api.md): each function does what its command does,
through the same code, and each result's `to_dict()` is what the command prints with
`--format json`. The comparisons below run both on the same inputs and options."""

from __future__ import annotations

import contextlib
import doctest
import gzip
import inspect
import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import compat
import compat.api
from compat.errors import CompatError
from tests.conftest import ROOT, STORE, invoke
from tests.diff.test_cases import CASES, resolve


@contextlib.contextmanager
def _inside(directory: Path) -> Iterator[None]:
    """The current directory for a block (hypothesis tests cannot use monkeypatch)."""
    previous = os.getcwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


def _error(result: Any) -> str:
    """The one-line error a command printed, without its prefix."""
    assert result.code == 2, (result.code, result.out, result.err)
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cws-compat: error: "), result.err
    return str(lines[0].removeprefix("cws-compat: error: "))


def _both_ways(
    old: Any, new: Any, directory: Path, flags: tuple[str, ...] = (), **options: Any
) -> tuple[Any, Any]:
    """`diff` on two documents through the command (files named `old` and `new`, the labels
    the API gives documents) and through the API: (JSON or error line, to_dict or error)."""
    with _inside(directory):
        Path("old").write_text(json.dumps(old), encoding="utf-8")
        Path("new").write_text(json.dumps(new), encoding="utf-8")
        printed = invoke("diff", "old", "new", "--format", "json", *flags)
        command = printed.json() if printed.code in (0, 1) else ("error", _error(printed))
        try:
            report = compat.diff(old, new, **options)
        except CompatError as exc:
            return command, ("error", str(exc))
        if printed.code in (0, 1):
            assert report.passed == (printed.code == 0)
        return command, report.to_dict()


# -- the package --------------------------------------------------------------------------------


def _modules_after(code: str) -> list[str]:
    script = f"import sys\n{code}\nprint(sorted(m for m in sys.modules if m.startswith('compat')))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    found: list[str] = json.loads(done.stdout.replace("'", '"'))
    return found


def test_import_compat_imports_nothing_of_the_engine() -> None:
    assert _modules_after("import compat") == ["compat"]
    # asking for a public name loads the API module, still not the engine
    touched = _modules_after("import compat\ncompat.diff, compat.Store, compat.CompatError")
    assert touched == ["compat", "compat.api", "compat.errors"]


def test_compat_diff_is_the_function_whatever_was_imported_first() -> None:
    # the engine imports the subpackage compat/diff, which is never bound over the function
    script = (
        "import compat.diff.walk, compat, compat.api, sys\n"
        "from compat import diff\n"
        "assert compat.diff is diff is compat.api.diff, compat.diff\n"
        "assert sys.modules['compat.diff'].__file__.endswith('__init__.py')\n"
        "print(compat.diff({'type': 'string'}, {'type': ['string', 'null']}).bump)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "minor\n"
    assert compat.diff is compat.api.diff  # here too, with the engine long imported


def test_the_public_names() -> None:
    assert set(compat.__all__) <= set(dir(compat))
    assert set(compat.__all__) <= set(compat.api.__all__)
    assert compat.CompatError is CompatError
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = compat.nothing  # type: ignore[attr-defined]


def _public_members(cls: type) -> list[tuple[str, Any]]:
    return [
        (name, value)
        for name, value in vars(cls).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    ]


def test_every_public_name_and_member_has_a_docstring() -> None:
    missing = []
    for name in compat.api.__all__:
        value = getattr(compat.api, name)
        if not (value.__doc__ or "").strip():
            missing.append(name)
        if inspect.isclass(value) and value.__module__ == "compat.api":
            for member, attribute in _public_members(value):
                if not (attribute.__doc__ or "").strip():
                    missing.append(f"{name}.{member}")
    assert missing == []


def test_results_are_read_only(in_repo_root: Path) -> None:
    report = compat.diff("v1", "v2")
    with pytest.raises(AttributeError):
        report.bump = "major"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        report.extra = 1  # type: ignore[attr-defined]
    data = report.to_dict()
    data["changes"].clear()  # type: ignore[union-attr]
    assert len(report.to_dict()["changes"]) == 2  # type: ignore[arg-type]


def _handed_out(value: Any, where: str) -> Iterator[tuple[str, Any]]:
    """`value`, reached at `where`, and every value reachable from it: each public property of
    a result (and each `to_dict()`), each item of a tuple, list or dict."""
    yield where, value
    if isinstance(
        value,
        (
            compat.api.Report,
            compat.api.Change,
            compat.api.Counterexample,
            compat.api.Edit,
            compat.api.Release,
            compat.api._View,
        ),
    ):
        for name, member in inspect.getmembers(type(value)):
            if isinstance(member, property) and not name.startswith("_"):
                yield from _handed_out(getattr(value, name), f"{where}.{name}")
        yield from _handed_out(value.to_dict(), f"{where}.to_dict()")
    elif isinstance(value, (tuple, list)):
        for number, item in enumerate(value):
            yield from _handed_out(item, f"{where}[{number}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _handed_out(item, f"{where}[{key!r}]")


_MUTATIONS = {
    "add": (lambda d: d.__setitem__("injected", True), lambda a: a.append("injected")),
    "clear": (dict.clear, list.clear),
    "replace": (
        lambda d: d.update(dict.fromkeys(d, "injected")),
        lambda a: a.__setitem__(slice(None), ["injected"] * len(a)),
    ),
    "remove-first": (
        lambda d: d.pop(next(iter(d)), None) if d else None,
        lambda a: a.pop(0) if a else None,
    ),
}


def _seen(result: Any) -> list[tuple[str, str]]:
    """Everything a result hands out, as text (mutable values changed in place show)."""
    return [(where, repr(value)) for where, value in _handed_out(result, "result")]


def _results(directory: Path) -> list[Any]:
    """Results that hold every kind of value: changes with old and new values, counterexamples
    and instance paths, textual edits; corpus results with error groups, explanations, malformed
    lines and files."""
    corpus = _corpus(directory / "events.jsonl.gz")
    events = directory / "events"
    events.mkdir(exist_ok=True)
    (events / "a.json").write_text('{"dd": {"span_id": 1}}')
    (events / "b.json").write_text("[1]")
    old = {"type": "object", "properties": {"pid": {"type": "integer", "enum": [1, 2]}}}
    new = {"type": "object", "properties": {"pid": {"enum": [2, 3]}}, "required": ["pid"]}
    with _inside(ROOT):
        return [
            compat.diff("v1", "v2", structural=True, mode="full"),
            compat.diff(old, new, structural=True),
            compat.validate_corpus([corpus, events], captured_under="v2", workers=1),
        ]


@given(mutations=st.lists(st.sampled_from(sorted(_MUTATIONS)), min_size=1, max_size=4))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_nothing_a_caller_does_to_a_result_changes_it(mutations: list[str]) -> None:
    """Every dict and list a result hands out (at any depth) is changed in place, in turns
    with each mutation drawn: the result, everything it hands out and its `to_dict()` are as
    they were (the documentation promises read-only results, and `to_dict()` = the output)."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        results = _results(Path(scratch))
        for result in results:
            before, printed = _seen(result), result.to_dict()
            reached = [v for _, v in _handed_out(result, "result")]
            containers = [v for v in reached if isinstance(v, (dict, list))]
            assert containers
            for number, value in enumerate(containers):
                on_dict, on_list = _MUTATIONS[mutations[number % len(mutations)]]
                (on_dict if isinstance(value, dict) else on_list)(value)
            assert result.to_dict() == printed
            assert _seen(result) == before


# -- diff ---------------------------------------------------------------------------------------

DIFF_OPTIONS = [
    ((), {}),
    (("--mode", "full"), {"mode": "full"}),
    (("--mode", "forward"), {"mode": "forward"}),
    (("--fail-on", "breaking"), {"fail_on": "breaking"}),
    (("--assert-formats",), {"assert_formats": True}),
    (("--structural",), {"structural": True}),
    (("--default-draft", "7", "--mode", "full"), {"default_draft": "7", "mode": "full"}),
]


@pytest.mark.parametrize(("old", "new"), [("v1", "v2"), ("v2", "v1")])
@pytest.mark.parametrize(("flags", "options"), DIFF_OPTIONS)
def test_a_diff_of_stored_versions_is_the_command_json(
    cli: Any, in_repo_root: Path, old: str, new: str, flags: tuple[str, ...], options: Any
) -> None:
    printed = cli("diff", old, new, "--format", "json", *flags)
    report = compat.diff(old, new, **options)
    assert report.to_dict() == printed.json()
    assert printed.code == (0 if report.passed else 1)


def test_the_fields_are_those_of_the_json(in_repo_root: Path) -> None:
    report = compat.diff("v2", "v1", mode="full", structural=True)
    data = report.to_dict()
    assert data["changes"] and data["structural"]
    for key, value in data.items():
        if key in ("report_version", "changes", "structural"):
            continue
        assert getattr(report, key) == value, key
    assert [c.to_dict() for c in report.changes] == data["changes"]
    assert [e.to_dict() for e in report.structural or ()] == data["structural"]
    for change, item in zip(report.changes, data["changes"], strict=True):
        assert isinstance(item, dict)
        for key, value in item.items():
            if key == "counterexample":
                assert change.counterexample is not None
                assert change.counterexample.to_dict() == value
            elif key == "counterexamples":
                assert [c.to_dict() for c in change.counterexamples] == value
            elif key == "instance_paths":
                assert list(change.instance_paths) == value
            else:
                assert getattr(change, key) == value, key
        for example, shown in zip(
            change.counterexamples, item.get("counterexamples", []), strict=True
        ):
            assert isinstance(shown, dict)
            assert {k: getattr(example, k) for k in shown} == shown


def test_breaking_failing_and_other_modes(in_repo_root: Path) -> None:
    backward = compat.diff("v1", "v2")
    assert backward.breaking == () and backward.failing == ()
    assert backward.compatible_under("backward") and not backward.compatible_under("full")
    full = compat.diff("v1", "v2", mode="full")
    assert [c.rule for c in full.breaking] == [c.rule for c in full.failing] == ["property-added"]
    unknown = compat.diff(
        {"type": "string", "pattern": "^[a-f]{64}$"}, {"type": "string", "pattern": "^[a-f]+$"}
    )
    assert unknown.backward == "unknown" and unknown.breaking == ()
    assert [c.backward for c in unknown.failing] == ["unknown"] and not unknown.passed
    assert compat.diff(
        {"type": "string", "pattern": "^[a-f]{64}$"},
        {"type": "string", "pattern": "^[a-f]+$"},
        fail_on="breaking",
    ).passed


def test_paths_and_yaml_files_are_read_as_the_command_reads_them(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("old.yaml").write_text("type: object\nproperties:\n  a: {type: string}\n")
    Path("new.json").write_text('{"type": "object", "properties": {"a": {"type": "integer"}}}')
    printed = cli("diff", "old.yaml", "new.json", "--format", "json").json()
    assert compat.diff(Path("old.yaml"), Path("new.json")).to_dict() == printed
    assert compat.diff("old.yaml", "new.json").to_dict() == printed
    assert printed["old"] == "old.yaml" and printed["changes"][0]["rule"] == "type-changed"


def test_store_names_are_looked_up_in_the_store_given(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no store found from here
    printed = cli("diff", "v1", "v2", "--store", str(STORE), "--format", "json").json()
    assert compat.diff("v1", "v2", store=STORE).to_dict() == printed
    assert compat.diff("v1", "v2", store=str(STORE)).to_dict() == printed
    assert compat.diff("v1", "v2", store=compat.Store(STORE)).to_dict() == printed
    assert _error(cli("diff", "v1", "v2")) == str(_raised(compat.diff, "v1", "v2"))


def test_the_settings_apply_where_options_are_left_out(
    cli: Any, store_copy: Path, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cws-compat]\nmode = "full-transitive"\nfail-on = "breaking"\n'
    )
    printed = cli("diff", "v1", "v2", "--format", "json")
    report = compat.diff("v1", "v2")
    assert report.to_dict() == printed.json()
    assert (report.mode, report.allow_unknown, report.passed) == ("full", True, False)
    assert compat.diff("v1", "v2", mode="backward").passed


@pytest.mark.parametrize("case", CASES)
def test_documents_diff_as_the_command_diffs_files(case: Any, tmp_path: Path) -> None:
    old, new = resolve(case["old"]), resolve(case["new"])
    flags = ("--assert-formats",) if case.get("options", {}).get("assert_formats") else ()
    command, api = _both_ways(old, new, tmp_path, flags, **case.get("options", {}))
    assert api == command


def _raised(function: Any, *args: Any, **options: Any) -> BaseException:
    with pytest.raises(CompatError) as caught:
        function(*args, **options)
    return caught.value


@given(index=st.integers(min_value=0, max_value=10**6), full=st.booleans())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_pairs_diff_as_the_command_diffs_them(index: int, full: bool) -> None:
    from bench.soundness import generate_pair

    pair = generate_pair(20261126, index)
    flags, options = (("--mode", "full"), {"mode": "full"}) if full else ((), {})
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        command, api = _both_ways(pair.old, pair.new, Path(directory), flags, **options)
    assert api == command, (pair.old, pair.new)


def test_input_errors_are_the_command_errors(cli: Any, in_repo_root: Path) -> None:
    assert str(_raised(compat.diff, "v9", "v2")) == _error(cli("diff", "v9", "v2"))
    assert str(_raised(compat.diff, Path("nope.json"), "v2")) == _error(
        cli("diff", "nope.json", "v2")
    )
    assert str(_raised(compat.diff, "v1", "v2", mode="sideways")) == (
        "unknown mode 'sideways' (known: backward, forward, full)"
    )
    assert "unknown fail-on level 'never'" in str(_raised(compat.diff, "v1", "v2", fail_on="never"))


@pytest.mark.parametrize(
    "document",
    [
        {"type": "integr"},
        {"properties": {"a": {"$ref": "#/definitions/Nope"}}},
        {"properties": {"a": {"$ref": "http://127.0.0.1:9/x.json"}}},
        {"allOf": [{"$ref": "#"}]},
        {"enum": ["\ud800"]},
        {"properties": {"\udc00": {}}},
    ],
)
def test_documents_that_are_no_schemas_fail_as_the_files_do(document: Any, tmp_path: Path) -> None:
    command, api = _both_ways(document, {"type": "object"}, tmp_path)
    assert command[0] == "error" and api == command


def _circular() -> dict[str, Any]:
    document: dict[str, Any] = {"type": "object"}
    document["properties"] = {"self": document}
    return document


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"properties": {"a": {1: "x"}}},
            "old: /properties/a: the key 1 is not a string (JSON object keys are strings)",
        ),
        ({"enum": [1, math.nan]}, "old: /enum/1: nan is not a JSON number"),
        ({"maximum": math.inf}, "old: /maximum: inf is not a JSON number"),
        ({"enum": [{1, 2}]}, "old: /enum/0: a value of type set is not JSON"),
        ({"a/b": {"~": object()}}, "old: /a~1b/~0: a value of type object is not JSON"),
        ({"maximum": 10**5000}, "old: /maximum: an integer longer than the 4,300 digits allowed"),
        (_circular(), "old: Circular reference detected"),
    ],
)
def test_python_values_json_cannot_hold_are_refused(document: Any, message: str) -> None:
    assert str(_raised(compat.diff, document, {})) == message


def test_tuples_and_mappings_are_json_arrays_and_objects() -> None:
    from types import MappingProxyType

    as_lists = compat.diff({"required": ["a"]}, {"enum": [1, 2]}).to_dict()
    as_tuples = compat.diff(MappingProxyType({"required": ("a",)}), {"enum": (1, 2)}).to_dict()
    assert as_tuples == as_lists
    assert compat.diff(True, False).backward == "breaking"


def test_other_inputs_are_type_errors() -> None:
    with pytest.raises(TypeError, match="expected a schema document"):
        compat.diff(1, {})  # type: ignore[arg-type]


@pytest.mark.parametrize("draft", [4, 6, 7, "4", "draft-07"])
def test_a_draft_is_given_as_the_command_line_gives_it(draft: Any, tmp_path: Path) -> None:
    """`default_draft=4` is `--default-draft 4`: the number, as an int or a string."""
    old = {"type": "object", "properties": {"n": {"type": "integer", "maximum": 5}}}
    new = {"type": "object", "properties": {"n": {"type": "integer", "maximum": 4}}}
    command, api = _both_ways(
        old, new, tmp_path, ("--default-draft", str(draft)), default_draft=draft
    )
    assert api == command
    number = str(draft).removeprefix("draft-").zfill(2)
    assert api["old_draft"] == f"draft-{number}"  # type: ignore[index]


def _store_in(directory: Path) -> compat.Store:
    shutil.copytree(STORE, directory / "versions", dirs_exist_ok=True)
    return compat.Store(directory / "versions")


# Each argument of each call, and a value of each wrong type it may be given
_ARGUMENTS: dict[str, tuple[Any, list[str]]] = {
    "diff": (
        lambda _, **given: compat.diff({}, {"type": "object"}, **given),
        ["mode", "default_draft", "assert_formats", "fail_on", "structural", "store"],
    ),
    "validate_corpus": (
        lambda directory, **given: compat.validate_corpus(
            given.pop("paths", _corpus(directory / "c.jsonl.gz")),
            **{"workers": 1, "store": STORE, **given},
        ),
        [
            "paths",
            "versions",
            "captured_under",
            "store",
            "workers",
            "fail_on",
            "assert_formats",
            "per_file",
            "errors",
        ],
    ),
    "Store": (lambda _, **given: compat.Store(**given), ["path"]),
    "Store.load": (lambda directory, **given: _store_in(directory).load(**given), ["name"]),
    "Store.release": (
        lambda directory, **given: _store_in(directory).release(
            {"type": "object"}, **{"changelog": directory / "CHANGES.md", **given}
        ),
        ["name", "mode", "acks", "allow_breaking", "assert_formats", "default_draft", "changelog"],
    ),
    "Report.compatible_under": (
        lambda _, **given: compat.diff({}, {}).compatible_under(**given),
        ["mode"],
    ),
    "Release.selector": (
        lambda directory, **given: _released(directory).selector(**given),
        ["change"],
    ),
}
_WRONG = [4, 2.5, True, b"v1", [1], {"a": 1}, {"x"}, object()]


def _released(directory: Path) -> compat.Release:
    try:
        _store_in(directory).release({"type": "string"}, changelog=directory / "CHANGES.md")
    except compat.ReleaseRefused as refused:
        return refused.release
    raise AssertionError("a release that changes the type is refused")


@pytest.mark.parametrize(
    ("call", "argument"), [(c, a) for c, (_, names) in _ARGUMENTS.items() for a in names]
)
def test_an_argument_of_a_wrong_type_is_a_type_error_naming_it(
    call: str, argument: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never an AttributeError (or another error) from deep inside: a TypeError that names
    the argument, or the CompatError the command gives for the same value."""
    monkeypatch.chdir(tmp_path)  # nothing found from here (a changelog) is the repository's
    function, _ = _ARGUMENTS[call]
    for number, value in enumerate(_WRONG):
        directory = tmp_path / str(number)
        directory.mkdir()
        try:
            function(directory, **{argument: value})
        except TypeError as exc:
            assert str(exc).startswith(f"{argument}: expected "), (value, exc)
        except CompatError:
            assert type(value) is not object, f"{call}({argument}=object())"
        else:
            assert type(value) is not object, f"{call}({argument}={value!r}) was accepted"


def test_the_command_and_the_api_run_one_implementation(
    cli: Any, in_repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    compare_schemas, run_corpora = compat.api.compare_schemas, compat.api.run_corpora

    def comparing(*args: Any) -> Any:
        calls.append("diff")
        return compare_schemas(*args)

    def validating(*args: Any) -> Any:
        calls.append("corpus")
        return run_corpora(*args)

    monkeypatch.setattr(compat.api, "compare_schemas", comparing)
    monkeypatch.setattr(compat.api, "run_corpora", validating)
    assert cli("diff", "v1", "v2").code == 0
    compat.diff("v1", "v2")
    assert cli("corpus", "validate", "-q", "--workers", "1").code == 0
    compat.validate_corpus(workers=1)
    assert calls == ["diff", "diff", "corpus", "corpus"]


# -- the store ----------------------------------------------------------------------------------


def test_store_versions_and_documents(cli: Any, in_repo_root: Path) -> None:
    store = compat.Store()
    assert store.path == STORE and store.names == ("v1", "v2") and "v2" in store
    printed = cli("versions", "--format", "json").json()["versions"]
    assert [v.to_dict() for v in store.versions] == printed
    for version, row in zip(store.versions, printed, strict=True):
        assert {key: getattr(version, key) for key in row} == row
    assert store.load("v1") == json.loads((STORE / "v1.json").read_text(encoding="utf-8"))
    assert str(_raised(store.load, "v9")) == _error(cli("docs", "v9"))


def test_store_refusals_are_the_command_errors(cli: Any, store_copy: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert str(_raised(compat.Store, empty)) == _error(cli("versions", "--store", str(empty)))
    (store_copy / "v1.json").write_text(
        (store_copy / "v1.json").read_text(encoding="utf-8") + " ", encoding="utf-8"
    )
    store = compat.Store()
    assert str(_raised(store.load, "v1")) == _error(cli("docs", "v1"))
    assert str(_raised(lambda: store.versions)) == _error(cli("versions"))


def _scratch(root: Path) -> Path:
    """A project holding a copy of the shipped store: its store directory."""
    shutil.copytree(STORE, root / "schemas" / "versions")
    return root / "schemas" / "versions"


def _relative(data: Any, root: Path) -> Any:
    return json.loads(json.dumps(data).replace(str(root), "ROOT"))


def _v3() -> dict[str, Any]:
    document = json.loads((STORE / "v2.json").read_text(encoding="utf-8"))
    del document["properties"]["dd"]
    document["properties"]["title"] = {"type": "string"}
    return document


def test_a_release_is_the_command_release(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_command, by_api = tmp_path / "command", tmp_path / "api"
    for root in (by_command, by_api):
        _scratch(root)
        (root / "v3.json").write_text(json.dumps(_v3()), encoding="utf-8")
    monkeypatch.chdir(by_command)
    refused = cli("release", "v3.json", "--format", "json")
    assert refused.code == 1
    reason = "dd moved to the traces"
    acked = cli(
        "release",
        "v3.json",
        "--format",
        "json",
        "--ack",
        f"property-removed@/properties/dd#dd={reason}",
    )
    assert acked.code == 0, acked.err
    monkeypatch.chdir(by_api)
    store = compat.Store()
    with pytest.raises(compat.ReleaseRefused) as caught:
        store.release("v3.json")
    assert caught.value.exit_code == 1
    assert caught.value.release.to_dict() == refused.json()
    assert not caught.value.release.released and store.names == ("v1", "v2")
    assert not (by_api / "schemas" / "versions" / "v3.json").exists()
    selectors = [caught.value.release.selector(c) for c in caught.value.release.refused]
    assert selectors == ["property-removed@/properties/dd#dd"]
    made = store.release("v3.json", acks={selectors[0]: reason})
    assert _relative(made.to_dict(), by_api) == _relative(acked.json(), by_command)
    assert made.released and made.name == "v3" and store.names == ("v1", "v2", "v3")
    for name in ("schemas/versions/v3.json", "schemas/versions/index.json", "CHANGELOG.md"):
        assert (by_api / name).read_bytes() == (by_command / name).read_bytes(), name
    assert [r.to_dict()["new"] for r in made.reports] == ["v3"]
    again = _raised(store.release, "v3.json")
    monkeypatch.chdir(by_command)
    assert str(again) == _error(cli("release", "v3.json"))


def test_a_document_is_released_as_its_json_file_would_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_file, from_document = tmp_path / "file", tmp_path / "document"
    _scratch(from_file)
    _scratch(from_document)
    (from_file / "v3.yaml").write_text(json.dumps(_v3()), encoding="utf-8")  # JSON is YAML
    monkeypatch.chdir(from_file)
    compat.Store().release(Path("v3.yaml"), allow_breaking="a test")
    monkeypatch.chdir(from_document)
    made = compat.Store().release(_v3(), allow_breaking="a test", mode="full-transitive")
    assert made.mode == "full-transitive" and len(made.reports) == 2
    versions = "schemas/versions/v3.json"
    assert (from_document / versions).read_bytes() == (from_file / versions).read_bytes()
    with pytest.raises(CompatError, match=r"^no change from v3: <document> is the same schema"):
        compat.Store().release(_v3())
    with pytest.raises(CompatError, match="version v3 already exists"):
        compat.Store().release({"type": "object"}, name="v3")
    with pytest.raises(TypeError):
        compat.Store().release(True)  # type: ignore[arg-type]


def test_the_changelog_of_a_release_can_be_named(tmp_path: Path) -> None:
    store = compat.Store(_scratch(tmp_path))
    store.release(_v3(), allow_breaking="a test", changelog=tmp_path / "notes.md")
    assert "## [v3] - " in (tmp_path / "notes.md").read_text(encoding="utf-8")


# -- corpora ------------------------------------------------------------------------------------


def test_the_stored_corpora_are_the_command_json(cli: Any, in_repo_root: Path) -> None:
    printed = cli("corpus", "validate", "--format", "json", "--workers", "1", "-q")
    report = compat.validate_corpus(workers=1)
    assert report.to_dict() == printed.json()
    assert printed.code == (1 if report.failed else 0)
    data = report.to_dict()
    for key, value in data.items():
        if key not in ("report_version", "failures", "corpora"):
            assert getattr(report, key) == (tuple(value) if isinstance(value, list) else value)
    for corpus, item in zip(report.corpora, data["corpora"], strict=True):  # type: ignore[arg-type]
        assert corpus.to_dict() == item
        assert [r.to_dict() for r in corpus.results] == item["results"]  # type: ignore[index]
    group = report.corpora[1].results[0].errors[0]
    assert (group.keyword, group.count, group.defect, group.unexplained) == (
        "additionalProperties",
        903,
        False,
        False,
    )
    assert [e.rule for e in group.explained_by or ()] == ["property-removed"]


def _corpus(path: Path) -> Path:
    events = [
        {"dd": {"span_id": 1, "trace_id": 2}},
        {"dd": {"span_id": "one"}},
        "not an object",
        {},
    ]
    lines = [json.dumps(e) for e in events] + ["{broken", ""]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    return path


@pytest.mark.parametrize(
    ("flags", "options"),
    [
        ((), {}),
        (("--against", "v1", "--fail-on", "never"), {"versions": ["v1"], "fail_on": "never"}),
        (("--errors", "1", "--fail-on", "rejected"), {"errors": 1, "fail_on": "rejected"}),
        (("--captured-under", "v2", "--errors", "0"), {"captured_under": "v2", "errors": 0}),
        (("--against", "v2,v1"), {"versions": "v2,v1"}),
    ],
)
def test_corpus_files_are_the_command_json(
    cli: Any, in_repo_root: Path, tmp_path: Path, flags: tuple[str, ...], options: Any
) -> None:
    path = _corpus(tmp_path / "events.jsonl.gz")
    printed = cli(
        "corpus", "validate", str(path), *flags, "--workers", "1", "-q", "--format", "json"
    )
    report = compat.validate_corpus(path, workers=1, **options)
    assert report.to_dict() == printed.json()
    assert printed.code == (1 if report.failed else 0)
    assert report.corpora[0].malformed_lines == (3, 5)


def test_all_error_groups_and_bad_options(cli: Any, in_repo_root: Path, tmp_path: Path) -> None:
    path = _corpus(tmp_path / "events.jsonl.gz")
    every = compat.validate_corpus([str(path)], workers=1, errors=None, captured_under="v2")
    none = compat.validate_corpus([path], workers=1, errors=0, captured_under="v2")
    for result in every.corpora[0].results:
        assert result.error_groups == len(result.errors)
    assert [r.error_groups for r in none.corpora[0].results] == [
        r.error_groups for r in every.corpora[0].results
    ]
    assert sum(r.error_groups for r in every.corpora[0].results) > 0
    assert all(r.errors == () for r in none.corpora[0].results)
    assert str(_raised(compat.validate_corpus, path, versions=["v9"])) == _error(
        cli("corpus", "validate", str(path), "--against", "v9")
    )
    assert str(_raised(compat.validate_corpus, tmp_path / "none.jsonl")) == _error(
        cli("corpus", "validate", str(tmp_path / "none.jsonl"))
    )
    assert "unknown fail-on level 'all'" in str(
        _raised(compat.validate_corpus, path, fail_on="all")
    )
    assert "workers must be at least 1" in str(_raised(compat.validate_corpus, path, workers=0))


# -- Ctrl-C -------------------------------------------------------------------------------------

# A script making one API call, run in its own process group and sent SIGINT as a terminal
# sends it. It records the shared memory the call creates, and reports what was left once the
# call stopped: the call must raise KeyboardInterrupt, with no worker process, no shared memory
# and nothing on standard error (no traceback, no "leaked shared_memory" warning) behind it.
_SCRIPT = """
import json, multiprocessing, os, signal, sys
from multiprocessing import shared_memory

created = []
opened = shared_memory.SharedMemory.__init__


def recording(self, name=None, create=False, size=0, **options):
    opened(self, name, create, size, **options)
    if create:
        created.append(self.name)


shared_memory.SharedMemory.__init__ = recording

import compat


def report(outcome):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a later Ctrl-C is not the call's
    left = [n for n in created if os.path.exists("/dev/shm/" + n.lstrip("/"))]
    workers = len(multiprocessing.active_children())
    print(json.dumps({"outcome": outcome, "shared_memory": left, "workers": workers}))


if __name__ == "__main__":
    try:
        try:
            CALL
        except KeyboardInterrupt:
            report("KeyboardInterrupt")
        else:
            report("finished")
    except KeyboardInterrupt:  # a second Ctrl-C while the first was reported
        report("KeyboardInterrupt")
"""


def _chain(count: int, extra: bool) -> dict[str, Any]:
    definitions: dict[str, Any] = {
        f"D{i}": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"x": {"type": "integer"}, "next": {"$ref": f"#/$defs/D{i + 1}"}},
        }
        for i in range(count)
    }
    definitions[f"D{count}"] = {"type": "object", "properties": {"y": {"type": "string"}}}
    if extra:
        definitions[f"D{count}"]["required"] = ["y"]
    return {"$ref": "#/$defs/D0", "$defs": definitions}


@pytest.fixture(scope="module")
def long_calls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Calls that take a second or more: a diff of schemas with thousands of chained `$defs`,
    and corpus validations of a large `.zst` corpus, in one process and with two workers."""
    import orjson
    import zstandard

    from compat.corpus.generate import generate_events
    from compat.versioning.sources import load

    directory = tmp_path_factory.mktemp("long-calls")
    for name, extra in (("old", False), ("new", True)):
        (directory / f"{name}.json").write_text(json.dumps(_chain(8000, extra)))
    events = [orjson.dumps(e) for e in generate_events(load("v2", STORE), 200, seed=3)]
    corpus = directory / "big.jsonl.zst"
    corpus.write_bytes(zstandard.ZstdCompressor().compress(b"\n".join(events * 80) + b"\n"))
    validate = f"compat.validate_corpus([{str(corpus)!r}], versions=['v1', 'v2'], workers={{}})"
    return {
        "diff": (
            f"compat.diff(json.load(open({str(directory / 'old.json')!r})), "
            f"json.load(open({str(directory / 'new.json')!r})))"
        ),
        "validate_corpus-1": validate.format(1),
        "validate_corpus-2": validate.format(2),
    }


@pytest.mark.parametrize("call", ["diff", "validate_corpus-1", "validate_corpus-2"])
def test_ctrl_c_stops_a_call_with_keyboard_interrupt_and_leaves_nothing_behind(
    long_calls: dict[str, str], tmp_path: Path, call: str
) -> None:
    from tests.corpus.test_interrupts import spread
    from tests.processes import before_our_code, interrupted_run, timed_run

    script = tmp_path / "call.py"
    script.write_text(_SCRIPT.replace("CALL", long_calls[call]))
    program = [sys.executable, str(script)]
    span = timed_run([], ROOT, program)
    seen: dict[str, int] = {}
    for delay, signals in spread(6, span):
        outcome = interrupted_run([], ROOT, delay, min(signals, 2), program=program)
        where = f"SIGINT x{signals} at {delay:.3f} s of {span:.2f}: {outcome}"
        assert not outcome.hung and outcome.seconds < 5, where
        if before_our_code(outcome):
            seen["before the call"] = seen.get("before the call", 0) + 1
            continue
        assert (outcome.code, outcome.err) == (0, ""), where
        result = json.loads(outcome.out)
        assert result["shared_memory"] == [] and result["workers"] == 0, where
        seen[result["outcome"]] = seen.get(result["outcome"], 0) + 1
    assert seen.get("KeyboardInterrupt", 0) >= 3, seen


def test_a_call_leaves_the_sigint_handler_as_it_found_it(in_repo_root: Path) -> None:
    import signal

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    compat.diff("v1", "v2")
    compat.validate_corpus(versions=["v2"], workers=1)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# -- types and documentation --------------------------------------------------------------------

TYPED_USE = """\
import compat
from compat.api import JSONValue

report: compat.Report = compat.diff({"type": "object"}, {"type": "string"}, mode="full")
verdict: str = report.changes[0].backward
example = report.changes[0].counterexample
instance: JSONValue = None if example is None else example.instance
data: dict[str, JSONValue] = report.to_dict()
store = compat.Store("schemas/versions")
names: tuple[str, ...] = store.names
released: list[str] = [version.released for version in store.versions]
document: dict[str, JSONValue] = store.load("v1")
corpus: compat.CorpusReport = compat.validate_corpus([], versions=["v1"], workers=1)
rejections: int = corpus.corpora[0].results[0].invalid
try:
    store.release({"type": "object"}, acks={"rule@/path": "why"})
except compat.ReleaseRefused as refused:
    selectors = [refused.release.selector(change) for change in refused.release.refused]
except compat.CompatError as error:
    code: int = error.exit_code
"""

MISUSE = """\
import compat

report = compat.diff("v1", "v2", mode="sideways")
report.bump = "major"
count: int = report.changes[0].old
"""


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mypy")
    (tmp_path / "use.py").write_text(source, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--disallow-any-expr",
            "--python-executable",
            sys.executable,
            "--cache-dir",
            str(tmp_path / "cache"),
            "use.py",
        ],
        cwd=tmp_path,  # outside the package: compat is read as an installed package
        capture_output=True,
        text=True,
        env=env,
    )


def test_code_using_the_api_type_checks_strictly(tmp_path: Path) -> None:
    checked = _mypy(tmp_path, TYPED_USE)
    assert checked.returncode == 0, checked.stdout
    assert "import-untyped" not in checked.stdout


def test_mypy_sees_the_types_of_the_api(tmp_path: Path) -> None:
    checked = _mypy(tmp_path, MISUSE)
    assert checked.returncode == 1
    assert 'Argument "mode" to "diff" has incompatible type' in checked.stdout
    assert 'Property "bump" defined in "Report" is read-only' in checked.stdout
    assert "Incompatible types in assignment" in checked.stdout
    assert checked.stdout.count("error:") == 3, checked.stdout


def test_the_typing_marker_is_shipped() -> None:
    from importlib import resources

    assert resources.files("compat").joinpath("py.typed").is_file()
    ignored = subprocess.run(["git", "check-ignore", "-q", "compat/py.typed"], cwd=ROOT)
    assert ignored.returncode == 1  # not ignored: the wheel (all of compat/) holds it
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'packages = ["compat"]' in pyproject


@pytest.mark.parametrize(("page", "examples"), [("docs/api.md", 40), ("README.md", 6)])
def test_the_documented_examples_run(in_repo_root: Path, page: str, examples: int) -> None:
    changelog = (ROOT / "CHANGELOG.md").read_bytes()
    outcome = doctest.testfile(
        str(ROOT / page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS,
        raise_on_error=False,
        verbose=False,
    )
    assert outcome.failed == 0
    assert outcome.attempted >= examples
    assert (ROOT / "CHANGELOG.md").read_bytes() == changelog  # the examples write elsewhere


def test_the_documentation_names_every_public_name() -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert [
        name for name in compat.__all__ if f"`{name}" not in text and f".{name}" not in text
    ] == []
