"""Chinese sentences put together from parts that may already end in punctuation.

A reason typed by a clerk ends in 。 more often than not, and a finding's message always does:
joined as they are, they print "…调整分值。，于" or "执行率。；第 1 行". Every generated
sentence that embeds such parts goes through here.
"""

from collections.abc import Iterable

# What may close a part: Chinese and Western sentence and clause marks, and white space.
CLOSING_MARKS = "。．.；;，,、：:！!？? \t\r\n\u3000"


def clause(text: object) -> str:
    """A part without the marks that close it, ready to be followed by more."""
    return str(text or "").strip().rstrip(CLOSING_MARKS)


def sentence(*parts: object, separator: str = "；") -> str:
    """Parts joined into one sentence ending in 。; empty parts are left out."""
    kept = [clause(part) for part in parts]
    kept = [part for part in kept if part]
    return separator.join(kept) + "。" if kept else ""


def enumeration(items: Iterable[object], separator: str = "、") -> str:
    """Items listed inside a sentence (甲、乙、丙), without closing marks."""
    return separator.join(part for part in (clause(item) for item in items) if part)
