"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# As in manage.py: what Django's start makes lives as long as the process, so collecting while
# it starts frees nothing; the application's ready() sets it aside from collection
# (gc.freeze) and turns collection back on (assessments/apps.py).
gc.disable()
application = get_wsgi_application()
# The same for every page's code, which the first request would load: the URLconf and each
# view module it names. Set aside too, a request's collections walk only what requests make
# (about half of the collector's time per page).
gc.disable()
get_resolver().url_patterns  # noqa: B018  (loads the views)
gc.freeze()
gc.enable()
