"""get_FOO_display() from a table of labels made once per field.

Django's own builds that table from the field's choices on every call, hashing each lazily
translated label on the way: on a table's page, with its log and indicators, that is dozens
of tables per request. The choices here are fixed in the code, so each field's table is made
once per process; the label is still translated when it is shown.
"""

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_LABELS: dict[models.Field, dict] = {}


class ChoiceLabels(models.Model):
    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        labels = _LABELS.get(field)
        if labels is None:
            labels = _LABELS[field] = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)
