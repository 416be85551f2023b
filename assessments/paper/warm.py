"""Loaded once by paper.pool's fork server, before it forks the layout workers: Django set
up, WeasyPrint imported, the paper's stylesheets parsed, its template compiled and the print
fonts loaded. Every worker starts from a copy and lays out its first table at full speed.
"""

import gc

import django

django.setup()

from . import pdf  # noqa: E402  (the models load once Django is set up)

pdf.warm_up()
# What is loaded stays for the workers' lives: the garbage collector no longer walks it on
# each full collection while they lay out (5 ms a table in collections instead of 15).
gc.freeze()
