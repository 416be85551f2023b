"""Loaded once by paper.pool's fork server, before it forks the layout workers: Django set
up, WeasyPrint imported, the paper's stylesheets parsed, its template compiled and the print
fonts loaded. Every worker starts from a copy and lays out its first table at full speed.
"""

import django

django.setup()

from . import pdf  # noqa: E402  (the models load once Django is set up)

pdf.warm_up()
