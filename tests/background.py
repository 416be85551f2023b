"""The background worker in tests: run it once over the queue, as `make run` would."""

import pytest
from django.core.management import call_command

# The worker closes and reopens its database connection between tasks, as in production:
# tests that run it commit for real instead of running inside one rolled-back transaction.
runs_worker = pytest.mark.django_db(transaction=True)


def run_worker():
    """Run every task queued so far, then return."""
    call_command("run_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
