"""WSGI entry point: ``gunicorn trustmirror.wsgi`` (``trustmirror serve`` starts it for you)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustmirror.settings")
application = get_wsgi_application()

# Load the URL configuration, the views and the chart toolkit now, in the process that
# gunicorn forks its workers from, so that no visitor waits for imports on a first request.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018

# Compile every template and draw one small chart now as well: a worker's first page would
# otherwise pay for both (the first view of a unit draws its charts).
from trustmirror.warmup import warm_up  # noqa: E402

warm_up()
