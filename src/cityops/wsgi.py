"""WSGI entry point (gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
application = get_wsgi_application()

if os.environ.get("CITYOPS_WARM_UP") == "1":
    # Set by `cityops serve` (gunicorn --preload): build the indexes here, once, before the workers are forked.
    from cityops.core.warmup import warm_up

    warm_up()
