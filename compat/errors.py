"""Errors the CLI turns into one line on stderr and exit status 2."""

from __future__ import annotations


class CompatError(Exception):
    """Bad input or usage: the message is shown as is, on one line, and the exit status is 2."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split("\n")))
