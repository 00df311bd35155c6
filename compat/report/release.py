"""Rendering of `cws-compat release`: what was written, or why nothing was."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from compat.report.diff import render_text as diff_text

if TYPE_CHECKING:
    from compat.versioning.release import ReleaseResult


def render_json(result: ReleaseResult) -> str:
    return json.dumps(to_json_data(result), indent=2) + "\n"


def to_json_data(result: ReleaseResult) -> dict[str, Any]:
    """The result as `release --format json` prints it (and `compat.Release.to_dict`)."""
    from compat.versioning.acknowledge import fingerprint

    named = result.selectors()
    return {
        "name": result.name,
        "released": not result.refused,
        "refused": [
            {
                "rule": c.rule,
                "schema_path": c.schema_path,
                "subject": c.subject,
                "fingerprint": fingerprint(c),
                "ack": f"{named[fingerprint(c)]}=REASON",
                "message": c.message,
            }
            for c in result.refused
        ],
        "written": [str(p) for p in result.written],
    }


def render_text(result: ReleaseResult, mode: str) -> str:
    out = [diff_text(report) for report in result.reports]
    if result.refused:
        import shlex

        from compat.versioning.acknowledge import PLACEHOLDER, fingerprint

        named = result.selectors()
        schema = shlex.quote(result.schema or "SCHEMA")
        acks = [
            f"  --ack {shlex.quote(named[fingerprint(c)] + '=' + PLACEHOLDER)}"
            for c in result.refused
        ]
        out.append(
            f"refused: {len(result.refused)} breaking or unknown change(s) under {mode} mode "
            "without a reason; nothing was written. To release anyway, give each change its "
            "reason (recorded as its acknowledgement):\n"
            f"cws-compat release {schema} \\\n" + " \\\n".join(acks) + "\n"
            f"or one reason for them all: cws-compat release {schema} --allow-breaking REASON\n"
        )
    else:
        out.append(f"released {result.name}: " + ", ".join(str(p) for p in result.written) + "\n")
    return "".join(out)
