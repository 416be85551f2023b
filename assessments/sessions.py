"""Django's database sessions, each request's read of its own compiled once
(assessments.prepared): `SESSION_ENGINE = "assessments.sessions"`."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from .prepared import Prepared


def _session(session_key):
    return DatabaseSessionStore.get_model_class().objects.filter(session_key=session_key)


_SESSION = Prepared(_session, str)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        """The session's row while it has not expired, as Django's store reads it; else none,
        and the key is dropped (a new session gets a new key)."""
        found = _SESSION(self.session_key)
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
