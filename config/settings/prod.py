"""Production: everything secure by default; configure through the environment only."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = False
SECRET_KEY = os.environ.get("SUIJI_SECRET_KEY", "")
if len(SECRET_KEY) < 40:
    raise ImproperlyConfigured(
        "SUIJI_SECRET_KEY must be set to 40+ random characters (.env.example)"
    )

SECURE_SSL_REDIRECT = env_bool("SUIJI_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-suiji-session"
CSRF_COOKIE_NAME = "__Host-suiji-csrftoken"
CSRF_TRUSTED_ORIGINS = env_list("SUIJI_CSRF_TRUSTED_ORIGINS")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
