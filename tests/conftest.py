from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from compat.cli import run

# CI must be repeatable on shared, noisy machines: the same examples every run and no timing
# health checks there; locally, hypothesis explores (and remembers failures) as usual.
settings.register_profile(
    "ci", derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
STORE = ROOT / "schemas" / "versions"
DATA = Path(__file__).resolve().parent / "data"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def invoke(*args: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture(autouse=True)
def _no_ambient_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their own base and docs URL, also when the suite runs in a pull
    request's workflow (where GitHub sets these)."""
    for name in ("GITHUB_BASE_REF", "CWS_COMPAT_RULES_URL", "GIT_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli() -> Any:
    return invoke


@pytest.fixture
def in_repo_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture
def store_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scratch project holding a copy of the shipped store, as the current directory."""
    target = tmp_path / "schemas" / "versions"
    shutil.copytree(STORE, target)
    monkeypatch.chdir(tmp_path)
    yield target
