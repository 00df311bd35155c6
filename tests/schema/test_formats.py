"""Both validators follow one format setting, and agree under it."""

from __future__ import annotations

import pytest

from compat.schema.compiled import fast_validator
from compat.schema.drafts import DRAFTS, validator_class
from compat.schema.formats import reference_checker

SAMPLES = [
    "2021-01-01T00:00:00Z",
    "2021-01-01T00:00:00",
    "2021-13-01T00:00:00Z",
    "2021-02-30T00:00:00Z",
    "1990-12-31T23:59:60Z",
    "2021-01-01 00:00:00Z",
    "2021-01-01T00:00:00.123456789+05:30",
    "2021-01-01",
    "not a date",
    "",
    "a@example.invalid",
    "a@",
    "127.0.0.1",
    "256.0.0.1",
    "::1",
    "00000000-0000-4000-8000-000000000000",
    "https://example.invalid/",
]
FORMATS = ["date-time", "date", "time", "email", "ipv4", "ipv6", "uuid", "uri", "hostname"]


def _verdicts(draft: str, assert_formats: bool, fmt: str) -> tuple[list[bool], list[bool]]:
    schema = {"type": "object", "properties": {"v": {"type": "string", "format": fmt}}}
    fast = fast_validator(schema, draft, assert_formats, "test")
    cls = validator_class(draft)
    reference = cls(schema, format_checker=reference_checker(draft, assert_formats))
    return (
        [fast.is_valid({"v": s}) for s in SAMPLES],
        [reference.is_valid({"v": s}) for s in SAMPLES],
    )


@pytest.mark.parametrize("draft", DRAFTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_are_annotations_by_default_in_both(draft: str, fmt: str) -> None:
    fast, reference = _verdicts(draft, False, fmt)
    assert all(fast) and all(reference)


@pytest.mark.parametrize("draft", DRAFTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_asserted_formats_agree(draft: str, fmt: str) -> None:
    fast, reference = _verdicts(draft, True, fmt)
    assert fast == reference


@pytest.mark.parametrize("draft", DRAFTS)
def test_date_time_is_really_asserted(draft: str) -> None:
    fast, _ = _verdicts(draft, True, "date-time")
    assert fast[0] is True  # a valid RFC 3339 timestamp
    assert fast[1] is False  # no time zone
    assert fast[3] is False  # no 30 February
