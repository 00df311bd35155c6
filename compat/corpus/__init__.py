"""Stored event corpora: reading them, generating realistic ones, and re-validating them across
schema versions, with every rejection traced to the schema change that caused it."""
