"""Compatibility modes: each direction alone or both, against the previous version or,
transitive, against every earlier one (`diff` takes the first three)."""

MODES = (
    "backward",
    "forward",
    "full",
    "backward-transitive",
    "forward-transitive",
    "full-transitive",
)
