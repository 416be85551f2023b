"""The JSON interchange format of docs/interchange.md: reading and checking a document
(reading), and the records written from stored tables and read into them (records)."""

from .reading import FORMAT, READABLE_VERSIONS, VERSION, check_against_database, parse_document
from .records import (
    assessment_record,
    dumps,
    export_assessment,
    export_queryset,
    record_fields,
)

__all__ = [
    "FORMAT",
    "READABLE_VERSIONS",
    "VERSION",
    "assessment_record",
    "check_against_database",
    "dumps",
    "export_assessment",
    "export_queryset",
    "parse_document",
    "record_fields",
]
