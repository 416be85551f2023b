"""The catalogue of table kinds: every kind of table the year has, each declared once.

A kind (`base.TableKind`) says what differs between tables: its steps, its checks, its
words, its paper. Workflow, comments, signing, lists, books, filings and the interchange
are generic and ask `get(assessment.kind)`. A kind registers itself with `@register`; the
kinds of the application are imported below, so the catalogue is complete on import. The
bureau's 复核表 is declared here too (kinds.review): a signed sheet, not a table.
"""

import builtins
from collections.abc import Iterator

from .base import TableKind

_REGISTRY: dict[str, TableKind] = {}
# Signed sheets that are not tables (`is_table` False): found by `signed`, never listed.
_SHEETS: dict[str, TableKind] = {}

# The kind a table, a list or a file means when it names none: the self-assessment
# (kinds.self_assessment declares it under this name).
DEFAULT = "assessment"


def register[K: type[TableKind]](kind: K) -> K:
    """Add a kind to the catalogue (a class decorator); its `name` is what is stored."""
    known = _REGISTRY.get(kind.name) or _SHEETS.get(kind.name)
    if known is not None and type(known) is not kind:
        raise ValueError(f"table kind {kind.name!r} is registered twice")
    (_REGISTRY if kind.is_table else _SHEETS)[kind.name] = kind()
    return kind


def unregister(name: str) -> None:
    """Take a kind out of the catalogue (a test's own kind, after the test)."""
    _REGISTRY.pop(name, None)
    _SHEETS.pop(name, None)


def get(name: str) -> TableKind:
    """The kind stored as `name`; a table of a kind no longer declared is refused loudly."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"unknown table kind {name!r}") from None


def signed(name: object) -> TableKind:
    """The kind a signed snapshot names (a table's or a sheet's); a snapshot that names none,
    or a kind no longer declared, is of the default kind."""
    if isinstance(name, str) and (kind := _REGISTRY.get(name) or _SHEETS.get(name)):
        return kind
    return default()


def is_known(name: object) -> bool:
    return isinstance(name, str) and name in _REGISTRY


def all() -> Iterator[TableKind]:
    """Every kind, in the order of the year (`order`), then by name."""
    return iter(sorted(_REGISTRY.values(), key=lambda kind: (kind.order, kind.name)))


def names(**attributes: object) -> list[str]:
    """The names of the kinds whose declarations have these attribute values."""
    return [
        kind.name
        for kind in all()
        if builtins.all(getattr(kind, key) == value for key, value in attributes.items())
    ]


def choices() -> list[tuple[str, str]]:
    return [(kind.name, kind.label) for kind in all()]


def startable_choices() -> list[tuple[str, str]]:
    """The kinds a preparer may begin on the 新建 form (not those opened in rounds)."""
    return [(kind.name, kind.label) for kind in all() if not kind.opened_in_rounds]


def default() -> TableKind:
    """The kind a new table, a list or a file without `kind` means: the self-assessment."""
    return get(DEFAULT)


from . import department, monitoring, review, self_assessment, targets  # noqa: E402  (they register themselves)

__all__ = [
    "DEFAULT",
    "TableKind",
    "all",
    "choices",
    "default",
    "department",
    "get",
    "is_known",
    "monitoring",
    "names",
    "register",
    "review",
    "self_assessment",
    "signed",
    "startable_choices",
    "targets",
    "unregister",
]
