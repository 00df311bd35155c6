"""A scratch store whose versions exercise every kind of field event, and what its history must
say. Each version changes one thing (or nothing, in meaning) so the expected events are known:

- v1 (draft-04, `definitions`): `process` with `pid` and `kind` (enum ["exec"]), its
  `credentials` (`uid`), `tags` (strings), a recursive `tree` and `labels` (patternProperties);
- v2: `process.credentials.auid` added (integer, optional);
- v3: `auid` made required;
- v4: `definitions` moved to `$defs`, draft 2020-12 with an `$id`: no field event;
- v5: `auid` an integer -> a string; `kind` widened to ["exec", "fork"]; `pid` gets a
  description;
- v6: `Credentials` renamed `Creds` (with its references): no event; `auid` optional again;
- v7: `tags` removed (with its items), `tree.name` gets `maxLength` 64.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

DATES = {
    "v1": "2021-01-12",
    "v2": "2021-02-01",
    "v3": "2021-03-01",
    "v4": "2021-04-01",
    "v5": "2021-05-01",
    "v6": "2021-06-01",
    "v7": "2021-07-01",
}


def _closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


def _v1() -> dict[str, Any]:
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "properties": {
            "process": {"$ref": "#/definitions/Process"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "tree": {"$ref": "#/definitions/Tree"},
            "labels": {
                "type": "object",
                "patternProperties": {"^l_": {"type": "string"}},
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
        "definitions": {
            "Process": _closed(
                {
                    "pid": {"type": "integer"},
                    "kind": {"enum": ["exec"]},
                    "credentials": {"$ref": "#/definitions/Credentials"},
                },
                ["pid"],
            ),
            "Credentials": _closed({"uid": {"type": "integer", "description": "User ID"}}),
            "Tree": _closed(
                {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/definitions/Tree"}},
                }
            ),
        },
    }


def _to_defs(document: dict[str, Any]) -> dict[str, Any]:
    """The same schema in draft 2020-12 with `$defs` (refs rewritten)."""
    text = json.dumps(document).replace("#/definitions/", "#/$defs/")
    out = json.loads(text)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["$id"] = "https://example.invalid/event.schema.json"
    out["$defs"] = out.pop("definitions")
    return out


def _rename(document: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    text = json.dumps(document).replace(f"#/$defs/{old}", f"#/$defs/{new}")
    out = json.loads(text)
    out["$defs"] = {(new if k == old else k): v for k, v in out["$defs"].items()}
    return out


def versions() -> list[tuple[str, dict[str, Any]]]:
    out = []
    doc = _v1()
    out.append(("v1", copy.deepcopy(doc)))
    credentials = doc["definitions"]["Credentials"]
    credentials["properties"]["auid"] = {"type": "integer", "description": "Audit user ID"}
    out.append(("v2", copy.deepcopy(doc)))
    credentials["required"] = ["auid"]
    out.append(("v3", copy.deepcopy(doc)))
    doc = _to_defs(doc)
    out.append(("v4", copy.deepcopy(doc)))
    doc["$defs"]["Credentials"]["properties"]["auid"]["type"] = "string"
    doc["$defs"]["Process"]["properties"]["kind"]["enum"] = ["exec", "fork"]
    doc["$defs"]["Process"]["properties"]["pid"]["description"] = "Process ID"
    out.append(("v5", copy.deepcopy(doc)))
    doc = _rename(doc, "Credentials", "Creds")
    del doc["$defs"]["Creds"]["required"]
    out.append(("v6", copy.deepcopy(doc)))
    del doc["properties"]["tags"]
    doc["$defs"]["Tree"]["properties"]["name"]["maxLength"] = 64
    out.append(("v7", copy.deepcopy(doc)))
    return out


def write_store(root: Path, docs: list[tuple[str, dict[str, Any]]] | None = None) -> Path:
    """The versions as a store under `root` (schemas/versions): files and index."""
    store = root / "schemas" / "versions"
    store.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, document in versions() if docs is None else docs:
        data = (json.dumps(document, indent=4) + "\n").encode()
        (store / f"{name}.json").write_bytes(data)
        entries.append(
            {
                "name": name,
                "file": f"{name}.json",
                "sha256": hashlib.sha256(data).hexdigest(),
                "released": DATES.get(name, "2022-01-01"),
            }
        )
    (store / "index.json").write_text(json.dumps({"versions": entries}, indent=4) + "\n")
    return store


# instance path -> its events as (version, kind, keyword or None)
EXPECTED: dict[str, list[tuple[str, str, str | None]]] = {
    "(root)": [("v1", "added", None)],
    "labels": [("v1", "added", None)],
    "labels.{^l_}": [("v1", "added", None)],
    "process": [("v1", "added", None)],
    "process.credentials": [("v1", "added", None)],
    "process.credentials.auid": [
        ("v2", "added", None),
        ("v3", "became-required", None),
        ("v5", "type-changed", None),
        ("v6", "became-optional", None),
    ],
    "process.credentials.uid": [("v1", "added", None)],
    "process.kind": [("v1", "added", None), ("v5", "constraint-changed", "enum")],
    "process.pid": [("v1", "added", None), ("v5", "description-changed", None)],
    "tags": [("v1", "added", None), ("v7", "removed", None)],
    "tags[]": [("v1", "added", None), ("v7", "removed", None)],
    "tree": [("v1", "added", None)],
    "tree.children": [("v1", "added", None)],
    "tree.children[]": [("v1", "added", None)],
    "tree.name": [("v1", "added", None), ("v7", "constraint-changed", "maxLength")],
}
