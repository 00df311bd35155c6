"""Helpers every layer may use: atomic files and JSON input, JSON positions, deep stacks."""
