"""Where a JSON pointer's value starts in a JSON text (line and column, 1-based), so that
annotations can point at the exact line of a changed keyword."""

from __future__ import annotations

import json
import re

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_decoder = json.JSONDecoder()


def positions(text: str) -> dict[str, int]:
    """Pointer -> offset of the member name (for object members) or value (array items, root)."""
    found: dict[str, int] = {"": _skip(text, 0)}
    _scan(text, found[""], found)
    return found


def _skip(text: str, index: int) -> int:
    match = _WS.match(text, index)
    return match.end() if match else index


def _token(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _scan(text: str, index: int, found: dict[str, int]) -> int:
    """Walk one whole value from `index` without recursion, recording nested positions."""
    pointer = ""
    frames: list[tuple[str, str, int]] = []  # (object or array, its pointer, item index)
    index = _skip(text, index)
    while True:
        char = text[index] if index < len(text) else ""
        if char == "{":
            frames.append(("object", pointer, 0))
            index = _skip(text, index + 1)
            if text[index] == "}":
                index += 1
                frames.pop()
            else:
                key, end = _decoder.raw_decode(text, index)
                pointer_here = frames[-1][1] + "/" + _token(key)
                found[pointer_here] = index
                index = _skip(text, end)
                index = _skip(text, index + 1)  # the colon
                pointer = pointer_here
                continue
        elif char == "[":
            frames.append(("array", pointer, 0))
            index = _skip(text, index + 1)
            if text[index] == "]":
                index += 1
                frames.pop()
            else:
                pointer = frames[-1][1] + "/0"
                found[pointer] = index
                continue
        else:
            _, end = _decoder.raw_decode(text, index)
            index = end
        # after a value: close containers or move to the next member/item
        while frames:
            index = _skip(text, index)
            kind, parent, position = frames[-1]
            if text[index] == ",":
                index = _skip(text, index + 1)
                if kind == "object":
                    key, end = _decoder.raw_decode(text, index)
                    pointer = parent + "/" + _token(key)
                    found[pointer] = index
                    index = _skip(text, end)
                    index = _skip(text, index + 1)
                else:
                    frames[-1] = (kind, parent, position + 1)
                    pointer = f"{parent}/{position + 1}"
                    found[pointer] = index
                break
            index += 1  # the closing bracket
            frames.pop()
        else:
            return index


def line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


def locate(text: str, pointer: str | None) -> tuple[int, int]:
    """(line, column) of the pointer's member, or of its nearest existing ancestor."""
    try:
        table = positions(text)
    except (ValueError, IndexError):
        return 1, 1
    while pointer:
        if pointer in table:
            return line_col(text, table[pointer])
        pointer = pointer.rsplit("/", 1)[0]
    return line_col(text, table.get("", 0))
