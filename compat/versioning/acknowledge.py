"""Acknowledgements: breaking or unknown changes accepted on purpose, each named exactly.

An acknowledgement names one change: its rule, its schema path, its subject (the property a
`required` or property change is about) and a fingerprint of all of these and the values the
change is between, so that it never approves a different change at the same place (making
`euser` required is not making `auid` required). It also says what it approves: a store
acknowledgement lives in the index entry of the version that made the change; one for a file
gated by path names the `base` it approves a change from (the sha256 of the file there), so it
cannot approve anything in a later pull request.

In a `*-transitive` mode, a new version is also compared with versions before its
predecessor, where the changes of the versions in between show up again: an acknowledgement
recorded by a version approves its change in every comparison that spans that version.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.errors import CompatError

if TYPE_CHECKING:
    from compat.engine.model import Change

HEX16 = re.compile(r"^[0-9a-f]{16}$")
KEYS = ("rule", "schema_path", "subject", "fingerprint", "base", "reason")
# what the snippets and --help print where the reason goes: pasted as is, it explains nothing
PLACEHOLDER = "WHY THIS CHANGE IS ACCEPTABLE"
_PLACEHOLDERS = {
    " ".join(_words) for _words in (
        PLACEHOLDER.lower().split(),
        ["why"], ["reason"], ["todo"], ["tbd"], ["fixme"], ["xxx"], ["n", "a"], ["na"],
        ["none"], ["ok"],
    )
}  # fmt: skip


def checked_reason(reason: str, where: str) -> str:
    """`reason`, stripped; refused when it holds no letter or digit (blank, punctuation,
    invisible characters) or, punctuation and case aside, is a placeholder (one line, naming
    `where`)."""
    text = reason.strip()
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise CompatError(
            f"{where}: the reason is not valid UTF-8 (a byte the terminal's encoding did not "
            "decode): write it in UTF-8"
        )
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()
    if not words:
        raise CompatError(
            f"{where}: the reason must say something: say why the change is acceptable"
        )
    if " ".join(words) in _PLACEHOLDERS:
        raise CompatError(
            f"{where}: {text!r} is a placeholder, not a reason: write why the change is "
            "acceptable (it is recorded with the change and reviewed)"
        )
    return text


@dataclass(frozen=True)
class Acknowledgement:
    """A breaking or unknown change accepted on purpose, reviewed in the pull request."""

    rule: str
    schema_path: str
    reason: str
    # None: written before fingerprints existed (rule and path only); it approves nothing
    fingerprint: str | None = None
    subject: str = ""
    base: str | None = None  # files gated by path: digest() of the file it approves a change from

    def to_json(self) -> dict[str, str]:
        data = {"rule": self.rule, "schema_path": self.schema_path}
        if self.subject:
            data["subject"] = self.subject
        if self.fingerprint is not None:
            data["fingerprint"] = self.fingerprint
        if self.base is not None:
            data["base"] = self.base
        data["reason"] = self.reason
        return data


def digest(data: bytes) -> str:
    """A file's identity in acknowledgements: the first 16 hex digits of its sha256."""
    return hashlib.sha256(data).hexdigest()[:16]


def fingerprint(change: Change) -> str:
    """16 hex digits naming one change: rule, schema path, subject and the values it is
    between. Where the subject names the one entry of a keyword's list the change is about
    (`required`), the subject stands for the lists, so that the same entry made required is
    the same change whatever else the list holds (in a transitive comparison, say)."""
    old, new = change.old, change.new
    if change.subject and isinstance(old, list) and isinstance(new, list):
        old = new = None
    identity = [change.rule, change.schema_path, change.subject, old, new]
    text = json.dumps(identity, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def approves(ack: Acknowledgement, change: Change, base: str | None = None) -> bool:
    """Does `ack` name exactly this change (and, for a file, this base)?"""
    return (
        ack.fingerprint is not None
        and ack.fingerprint == fingerprint(change)
        and ack.rule == change.rule
        and ack.schema_path == change.schema_path
        and ack.subject == change.subject
        and ack.base == base
    )


def acknowledgement_for(change: Change, reason: str, base: str | None = None) -> Acknowledgement:
    return Acknowledgement(
        change.rule, change.schema_path, reason, fingerprint(change), change.subject, base
    )


def match(
    changes: Sequence[Change], acks: Sequence[Acknowledgement], base: str | None = None
) -> dict[int, Acknowledgement]:
    """Change index -> the acknowledgement that approves it."""
    found: dict[int, Acknowledgement] = {}
    for index, change in enumerate(changes):
        for ack in acks:
            if approves(ack, change, base):
                found[index] = ack
                break
    return found


def parse_acknowledgements(
    raw: Any, where: str, extra: Iterable[str] = ()
) -> tuple[Acknowledgement, ...]:
    if not isinstance(raw, list):
        raise CompatError(f"{where}: must be a list")
    allowed = set(KEYS) | set(extra)
    found = []
    for position, item in enumerate(raw):
        here = f"{where}[{position}]"
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("rule", "schema_path", "reason")
        ):
            raise CompatError(f"{here}: needs string 'rule', 'schema_path' and 'reason'")
        unknown = sorted(set(item) - allowed)
        if unknown:
            raise CompatError(
                f"{here}: unknown key(s) {', '.join(unknown)} (known: {', '.join(KEYS)})"
            )
        checked_reason(item["reason"], here)
        for key in ("fingerprint", "base"):
            value = item.get(key)
            if value is not None and (not isinstance(value, str) or not HEX16.match(value)):
                raise CompatError(f"{here}: '{key}' must be 16 lowercase hex digits")
        subject = item.get("subject", "")
        if not isinstance(subject, str):
            raise CompatError(f"{here}: 'subject' must be a string")
        found.append(
            Acknowledgement(
                item["rule"],
                item["schema_path"],
                item["reason"],
                item.get("fingerprint"),
                subject,
                item.get("base"),
            )
        )
    return tuple(found)


# -- reasons given to `release`, one per change ------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """`--ack SELECTOR=REASON`: SELECTOR is RULE@SCHEMA_PATH, RULE@SCHEMA_PATH#SUBJECT or a
    change's fingerprint."""

    text: str  # as given, for messages
    reason: str
    fingerprint: str | None = None
    rule: str | None = None
    schema_path: str | None = None
    subject: str | None = None

    def selects(self, change: Change) -> bool:
        if self.fingerprint is not None:
            return self.fingerprint == fingerprint(change)
        return (
            self.rule == change.rule
            and self.schema_path == change.schema_path
            and (self.subject is None or self.subject == change.subject)
        )


def parse_reason(text: str, where: str = "--ack") -> Reason:
    selector, equals, reason = text.partition("=")
    if not equals or not reason.strip():
        raise CompatError(
            f"{where} {text!r}: expected RULE@SCHEMA_PATH[#SUBJECT]=REASON or FINGERPRINT=REASON"
        )
    checked_reason(reason, f"{where} {text!r}")
    selector = selector.strip()
    if HEX16.match(selector):
        return Reason(text, reason.strip(), fingerprint=selector)
    rule, at, path = selector.partition("@")
    if not at or not rule or not (path == "" or path.startswith("/")):
        raise CompatError(
            f"{where} {text!r}: expected RULE@SCHEMA_PATH[#SUBJECT]=REASON (the schema path is "
            "a JSON pointer such as /definitions/ProcessCredentials/required)"
        )
    subject = None
    if "#" in path:
        path, _, subject = path.rpartition("#")
    return Reason(text, reason.strip(), rule=rule, schema_path=path, subject=subject)


def read_reasons(data: str, label: str) -> list[Reason]:
    """An --ack-file: one SELECTOR=REASON per line; blank lines and lines starting with
    `#` are skipped."""
    found = []
    for number, line in enumerate(data.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            found.append(parse_reason(line, f"{label}:{number}:"))
    return found


def selector(change: Change) -> str:
    """The shortest --ack selector naming exactly this change (its fingerprint where the
    readable form would not parse back)."""
    readable = f"{change.rule}@{change.schema_path}"
    if change.subject:
        readable += f"#{change.subject}"
    if "=" in readable or "#" in change.schema_path or "#" in change.subject:
        return fingerprint(change)
    return readable


def selectors(changes: Iterable[Change]) -> dict[str, str]:
    """Fingerprint -> the --ack selector naming exactly that change among `changes`: its
    readable form where that selects it alone, else its fingerprint. Two changes can share a
    readable form: in a transitive comparison the same rule, path and subject from two older
    versions (`auid` integer -> boolean, and string -> boolean), or a change without a subject
    beside one with a subject at the same path."""
    distinct: dict[str, Change] = {}
    for change in changes:
        distinct.setdefault(fingerprint(change), change)
    found: dict[str, str] = {}
    for fp, change in distinct.items():
        readable = selector(change)
        if readable != fp:
            probe = parse_reason(f"{readable}=probe")
            if any(probe.selects(other) for key, other in distinct.items() if key != fp):
                readable = fp
        found[fp] = readable
    return found


def assign(
    changes: Sequence[Change], reasons: Sequence[Reason], blanket: str | None
) -> tuple[list[Acknowledgement], list[Change]]:
    """Give each breaking or unknown change its reason: its own --ack, else the blanket
    --allow-breaking reason. Returns the acknowledgements and the changes left without one.
    An --ack that selects no change, or changes that are not one and the same, is an error."""
    distinct: dict[str, Change] = {}
    for change in changes:
        distinct.setdefault(fingerprint(change), change)
    named = selectors(distinct.values())
    chosen: dict[str, Reason] = {}
    for reason in reasons:
        hits = [fp for fp, change in distinct.items() if reason.selects(change)]
        if not hits:
            listed = ", ".join(named.values()) or "none"
            raise CompatError(
                f"--ack {reason.text!r} names no breaking or unknown change of this release "
                f"(they are: {listed})"
            )
        if len(hits) > 1:
            listed = ", ".join(named[fp] for fp in hits)
            raise CompatError(
                f"--ack {reason.text!r} names {len(hits)} changes; give each its own: {listed}"
            )
        if hits[0] in chosen:
            raise CompatError(
                f"--ack {reason.text!r} and --ack {chosen[hits[0]].text!r} name the same change"
            )
        chosen[hits[0]] = reason
    acks: list[Acknowledgement] = []
    left: list[Change] = []
    for fp, change in distinct.items():
        given = chosen.get(fp)
        text = given.reason if given is not None else blanket
        if text is None or not text.strip():
            left.append(change)
        else:
            acks.append(acknowledgement_for(change, text.strip()))
    return acks, left
