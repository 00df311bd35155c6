"""Formatters: they render results and judge nothing."""
