"""pytest plugin loaded with `-p` before Django is configured: safe defaults for a test run.

The suite runs on SQLite unless CITYOPS_TEST_DATABASE_URL names a PostgreSQL server.
"""

import os
import tempfile

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-suite-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("CITYOPS_STATIC_MANIFEST", "false")
# Tests speak English unless they ask for Chinese (Accept-Language: zh-hans); the product default stays zh-hans.
os.environ.setdefault("LANGUAGE_CODE", "en")
os.environ.setdefault("CITYOPS_VAR_DIR", tempfile.mkdtemp(prefix="cityops-test-"))
if os.environ.get("CITYOPS_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["CITYOPS_TEST_DATABASE_URL"]
