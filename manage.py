#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import gc
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Django's start makes tens of thousands of objects that live as long as the command:
    # collecting while it starts frees nothing. The application's ready() sets them aside
    # from collection (gc.freeze) and turns collection back on (assessments/apps.py).
    gc.disable()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
