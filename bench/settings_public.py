"""Settings of the public-site load test (bench/public_load.py): production settings with only
what a loopback benchmark on this machine needs changed. Not for any real deployment.
"""

import os

# prod refuses to start without a 40+ character secret. The driver passes a random one per run in
# SUIJI_SECRET_KEY (the same for every gunicorn worker); this fallback is a throwaway for running
# the data generator by hand. Nothing signed with it outlives the benchmark's database.
os.environ.setdefault("SUIJI_SECRET_KEY", "bench-only-not-secret-" + "x" * 40)

from config.settings.prod import *  # noqa: E402, F403

# wrk speaks plain HTTP to 127.0.0.1 and there is no TLS-terminating proxy in front: with the
# redirect on, every request would be answered 301 to https:// and nothing else measured.
SECURE_SSL_REDIRECT = False
# gunicorn binds 127.0.0.1 only; "testserver" lets the driver's in-process client (query counts
# and EXPLAIN ANALYZE of each scenario's page) use the same settings.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
