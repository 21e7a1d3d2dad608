"""Local development and the `make run` demo: DEBUG on, a per-checkout secret key."""

import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

DEBUG = env_bool("SUIJI_DEBUG", True)

if not globals().get("SECRET_KEY"):
    # A random key kept in var/ (gitignored) so sessions survive restarts of `make run`.
    key_file = VAR_DIR / "secret_key"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()
