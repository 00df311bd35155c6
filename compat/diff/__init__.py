"""The pairwise semantic walk: matches old and new schema nodes and records what changed, as facts.

Facts say what changed from what to what; they do not judge. The rules in `compat.rules` turn
each fact into a rule id and a verdict per direction.
"""
