"""cws-compat: semantic compatibility checks and versioning for the CWS backend event schema."""

__version__ = "0.1.0"
