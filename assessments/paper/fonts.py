"""The print fonts: Noto Serif CJK SC cut down to the characters of GB 2312.

WeasyPrint subsets every font a PDF uses on every render and keeps the glyph numbers. On
the system's Noto CJK collections (65,535 glyphs each) that is half of the rendering time
and 330 KB per table. The same two faces cut down once to GB 2312 (about 7,800 glyphs)
subset in half the time into files under half the size. A character outside GB 2312 (a
rare character in a name) falls back to the system's Noto Serif CJK SC, so nothing prints
as an empty box; without the cut-down fonts every character falls back, and the PDFs are
only slower and larger.

The files are made from the installed Debian package by `manage.py build_print_fonts`
(`make install` runs it) and kept in settings.PRINT_FONT_DIR, outside the data directory.
Noto CJK is under the SIL Open Font License, which allows subsets under the same name.
"""

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

FAMILY = "Noto Serif CJK SC GB2312"
SOURCE_FAMILY = "Noto Serif CJK SC"
WEIGHTS = {400: "Regular", 700: "Bold"}

# Besides GB 2312: printable ASCII and Latin-1, general punctuation, CJK symbols and
# punctuation, full-width forms (what a table of money, percentages and Chinese text uses).
EXTRA_RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF)]


def gb2312_characters() -> set[int]:
    characters: set[int] = set()
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                characters.add(ord(bytes((first, second)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return characters


def characters() -> set[int]:
    """The code points the print fonts keep."""
    kept = gb2312_characters()
    for low, high in EXTRA_RANGES:
        kept.update(range(low, high + 1))
    return kept


def font_path(weight: int) -> Path:
    return Path(settings.PRINT_FONT_DIR) / f"NotoSerifCJKsc-GB2312-{WEIGHTS[weight]}.otf"


def source_path(weight: int) -> Path | None:
    """The system's Noto Serif CJK collection of that weight (Debian's fonts-noto-cjk)."""
    name = f"NotoSerifCJK-{WEIGHTS[weight]}.ttc"
    for root in settings.PRINT_FONT_SOURCES:
        found = sorted(Path(root).rglob(name))
        if found:
            return found[0]
    return None


def available() -> dict[int, Path]:
    """{weight: path} of the print fonts that have been made."""
    return {weight: font_path(weight) for weight in WEIGHTS if font_path(weight).is_file()}


def is_current(weight: int) -> bool:
    target, source = font_path(weight), source_path(weight)
    if not target.is_file():
        return False
    return source is None or target.stat().st_mtime >= source.stat().st_mtime


def build(weight: int) -> Path:
    """Cut the system's collection of that weight down to `characters()`; returns the path.

    GSUB and GPOS go: WeasyPrint drops them from the embedded subset anyway, and horizontal
    Chinese text uses none of their default features (only Latin kerning is lost).
    """
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    source = source_path(weight)
    if source is None:
        raise FileNotFoundError(
            f"找不到 NotoSerifCJK-{WEIGHTS[weight]}.ttc：请先安装 fonts-noto-cjk。"
        )
    collection = TTCollection(str(source), lazy=True)
    number = next(
        (
            index
            for index, face in enumerate(collection.fonts)
            if face["name"].getDebugName(1) == SOURCE_FAMILY
        ),
        None,
    )
    if number is None:
        raise ValueError(f"{source} 中没有 {SOURCE_FAMILY}。")
    font = TTFont(str(source), fontNumber=number, lazy=True)
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    return save(font, font_path(weight))


def save(font: "TTFont", target: Path) -> Path:
    """Write the font aside and rename it into place, readable by every user (the web server
    may run as another user than the one who made it): a render never reads half a font."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".partial")
    os.close(handle)
    try:
        font.save(partial)
        os.chmod(partial, 0o644)
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)
    return target


def font_face_rules() -> str:
    """The @font-face rules of the print fonts that have been made."""
    return "".join(
        f'@font-face {{ font-family: "{FAMILY}"; font-weight: {weight};'
        f' src: url("{path.as_uri()}"); }}\n'
        for weight, path in available().items()
    )


def allowed_file(url: str) -> Path | None:
    """The print font a file:// address names, if it names one."""
    return next((path for path in available().values() if path.as_uri() == url), None)


@checks.register()
def check_print_fonts(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[checks.CheckMessage]:
    missing = [WEIGHTS[weight] for weight in WEIGHTS if not font_path(weight).is_file()]
    if not missing:
        return []
    return [
        checks.Warning(
            f"打印字体（{'、'.join(missing)}）尚未生成，PDF 会用系统字体排版，较慢且文件较大。",
            hint="运行 make install 或 python manage.py build_print_fonts。",
            id="assessments.W001",
        )
    ]
