"""Loaded once by paper.pool's fork server, before it forks the layout workers: Django set
up, WeasyPrint imported, the paper's stylesheets parsed, its template compiled and the print
fonts loaded. Every worker starts from a copy and lays out its first table at full speed.
"""

import gc

import django

# What is loaded here stays for the workers' lives: collecting while it loads frees nothing.
gc.disable()
django.setup()
gc.disable()  # the application's ready() turns collection back on once Django has started

from . import pdf  # noqa: E402  (the models load once Django is set up)

pdf.warm_up()
# Set aside from collection: the garbage collector no longer walks it on each full collection
# while the workers lay out (5 ms a table in collections instead of 15).
gc.freeze()
gc.enable()
