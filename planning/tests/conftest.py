"""Fixtures `scheme` and `county` live in the root conftest.py (shared with e2e tests)."""
