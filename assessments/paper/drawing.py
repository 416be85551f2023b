"""Pages drawn straight into PDF with the print fonts: text and rules placed by the caller,
nothing laid out. For pages plain enough that a layout engine's start-up would be most of
their cost (a book's front matter, paper.front_matter).

A character maps to one glyph through the font's cmap: the print fonts keep no GSUB or GPOS
(paper.fonts), and horizontal Chinese text uses none of their default features. HarfBuzz
(uharfbuzz) reads the fonts and cuts each down to the glyphs used; pikepdf writes the file.
Positions are in points from the page's top left corner.
"""

import hashlib
import io
import re
import string
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import pikepdf
import uharfbuzz as hb

from . import fonts

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)


@dataclass(frozen=True)
class Face:
    """One face of a font file, as HarfBuzz reads it."""

    path: Path
    index: int = 0

    @cached_property
    def face(self) -> hb.Face:
        return hb.Face(hb.Blob.from_file_path(str(self.path)), self.index)

    @cached_property
    def font(self) -> hb.Font:
        return hb.Font(self.face)

    def glyph(self, char: str) -> int | None:
        return self.font.get_nominal_glyph(ord(char))

    def advance(self, glyph: int) -> float:
        """The glyph's advance in thousandths of the font size."""
        return self.font.get_glyph_h_advance(glyph) * 1000 / self.face.upem

    @cached_property
    def extents(self) -> tuple[float, float]:
        """Ascender and descender (negative), in thousandths of the font size."""
        extents = self.font.get_font_extents("ltr")
        scale = 1000 / self.face.upem
        return extents.ascender * scale, extents.descender * scale

    @cached_property
    def postscript_name(self) -> str:
        name = self.face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME) or "Font"
        return "".join(c for c in name if (c.isascii() and c.isalnum()) or c in "-_")

    @cached_property
    def has_cff(self) -> bool:
        """PostScript (CFF) outlines, as the Noto CJK fonts have; else TrueType ones."""
        return "CFF " in self.face.table_tags


def collection_face(path: Path, family: str) -> Face | None:
    """The face of a font collection (.ttc) whose family is `family`."""
    blob = hb.Blob.from_file_path(str(path))
    for index in range(hb.Face(blob).count):
        if hb.Face(blob, index).get_name(hb.OTNameIdPredefined.FONT_FAMILY) == family:
            return Face(path, index)
    return None


# fontconfig's weights: 80 regular, 200 bold.
FONTCONFIG_WEIGHTS = {400: 80, 700: 200}


def system_face(char: str, weight: int = 400) -> Face | None:
    """A font of the system that has the character (fontconfig: fc-list), upright, of the
    weight nearest, a serif one first; for a character none of the print fonts has, as
    WeasyPrint falls back."""
    try:
        listed = subprocess.run(
            [
                "fc-list",
                f":charset={ord(char):x}",
                "-f",
                "%{file}\t%{index}\t%{family}\t%{weight}\t%{slant}\n",
            ],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    wanted = FONTCONFIG_WEIGHTS[weight]
    found = []
    for line in listed.splitlines():
        path, index, family, weights, slant = line.split("\t")
        if Path(path).suffix.lower() not in {".ttf", ".otf", ".ttc"}:
            continue
        nearest = min(abs(int(w) - wanted) for w in re.findall(r"\d+", weights) or ["0"])
        found.append((slant != "0", nearest, "Serif" not in family, path, int(index or 0)))
    if not found:
        return None
    *_, best, number = min(found)
    return _system_face(best, number)


@cache
def _system_face(path: str, index: int) -> Face:
    """One Face for each font file: it reads the file once, however many characters it prints."""
    return Face(Path(path), index)


class Typeface:
    """A weight of the print font, with the system's whole font behind it for a character
    outside GB 2312: the faces are tried in order, as WeasyPrint falls back."""

    def __init__(self, faces: Sequence[Face], weight: int = 400):
        self.faces, self.weight = tuple(faces), weight
        self._found: dict[str, tuple[Face, int, float]] = {}

    def found(self, char: str) -> tuple[Face, int, float]:
        """The face that has the character, its glyph there and its advance (thousandths)."""
        if char not in self._found:
            for face in self.faces:
                glyph = face.glyph(char)
                if glyph is not None:
                    break
            else:
                # None of the print fonts: a font of the system that has it, else an empty box.
                face, glyph = self.faces[0], 0
                other = None if char.isspace() else system_face(char, self.weight)
                if other is not None and (in_other := other.glyph(char)) is not None:
                    face, glyph = other, in_other
            self._found[char] = (face, glyph, face.advance(glyph))
        return self._found[char]

    def pieces(self, text: str) -> list[tuple[Face, str]]:
        """The text cut where the face that has its characters changes."""
        pieces: list[tuple[Face, str]] = []
        for char in text:
            face = self.found(char)[0]
            if pieces and pieces[-1][0] == face:
                pieces[-1] = (face, pieces[-1][1] + char)
            else:
                pieces.append((face, char))
        return pieces

    def width(self, text: str, size: float, spacing: float = 0) -> float:
        """Points the text takes at `size`, `spacing` points after each character."""
        return sum(self.found(char)[2] for char in text) * size / 1000 + spacing * len(text)

    def line_height(self, size: float) -> float:
        ascender, descender = self.faces[0].extents
        return (ascender - descender) * size / 1000

    def ascent(self, size: float) -> float:
        return self.faces[0].extents[0] * size / 1000


@cache
def typeface(weight: int) -> Typeface:
    """The print font of that weight (paper.fonts), then the system's Noto Serif CJK SC."""
    faces = [Face(path) for w, path in fonts.available().items() if w == weight]
    source = fonts.source_path(weight)
    if source is not None and (face := collection_face(source, fonts.SOURCE_FAMILY)):
        faces.append(face)
    if not faces:
        raise FileNotFoundError("找不到打印字体：请先安装 fonts-noto-cjk 并运行 make install。")
    return Typeface(faces, weight)


@dataclass
class Text:
    face: Face
    size: float
    spacing: float
    x: float
    y: float  # the baseline
    glyphs: list[int]
    characters: str


@dataclass
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    dotted: bool = False


@dataclass
class Page:
    width: float
    height: float
    marks: list[Text | Rule] = field(default_factory=list)

    def text(
        self, x: float, y: float, text: str, face: Typeface, size: float, spacing: float = 0
    ) -> None:
        """Write `text` from x on the baseline y, `spacing` points after each character."""
        for part, characters in face.pieces(text):
            glyphs = [face.found(char)[1] for char in characters]
            self.marks.append(Text(part, size, spacing, x, y, glyphs, characters))
            x += sum(part.advance(g) * size / 1000 + spacing for g in glyphs)

    def rule(
        self, x1: float, y1: float, x2: float, y2: float, width: float, *, dotted: bool = False
    ) -> None:
        self.marks.append(Rule(x1, y1, x2, y2, width, dotted))


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass
class EmbeddedFont:
    """A face cut down to the glyphs the pages use, with their new numbers."""

    name: str  # the resource name on the pages
    face: Face
    used: dict[int, str]  # glyph: the character it shows

    @cached_property
    def plan(self) -> hb.SubsetPlan:
        wanted = hb.SubsetInput()
        for glyph in self.used:
            wanted.glyph_set.add(glyph)
        for tag in ("BASE", "VORG", "vhea", "vmtx", "GSUB", "GPOS", "DSIG"):
            wanted.sets(hb.SubsetInputSets.DROP_TABLE_TAG).add(int.from_bytes(tag.encode()))
        return hb.SubsetPlan(self.face.face, wanted)

    @cached_property
    def renumbered(self) -> dict[int, int]:
        return dict(self.plan.old_to_new_glyph_mapping)

    def codes(self, glyphs: Sequence[int]) -> bytes:
        return b"".join(self.renumbered[g].to_bytes(2, "big") for g in glyphs)

    def pdf_object(self, document: pikepdf.Pdf) -> pikepdf.Object:
        """A Type 0 font of the subset's CFF outlines, with widths and a ToUnicode map."""
        program = self.plan.execute().blob.data
        tag = "".join(
            string.ascii_uppercase[b % 26]
            for b in hashlib.sha256(program).digest()[:6]  # a subset's six-letter prefix
        )
        base = pikepdf.Name(f"/{tag}+{self.face.postscript_name}")
        ascender, descender = self.face.extents
        descriptor = pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=base,
            Flags=4,  # symbolic: its glyphs are named by number
            FontBBox=[0, round(descender), 1000, round(ascender)],
            ItalicAngle=0,
            Ascent=round(ascender),
            Descent=round(descender),
            CapHeight=round(ascender),
            StemV=80,
        )
        if self.face.has_cff:
            descriptor.FontFile3 = document.make_stream(program, Subtype=pikepdf.Name.OpenType)
        else:
            descriptor.FontFile2 = document.make_stream(program, Length1=len(program))
        widths: list[int | list[int]] = []  # first glyph, [its width]; for each glyph
        for old, new in sorted(self.renumbered.items(), key=lambda item: item[1]):
            widths += [new, [round(self.face.advance(old))]]
        descendant = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType0 if self.face.has_cff else pikepdf.Name.CIDFontType2,
            BaseFont=base,
            CIDSystemInfo=pikepdf.Dictionary(
                Registry=pikepdf.String("Adobe"),
                Ordering=pikepdf.String("Identity"),
                Supplement=0,
            ),
            FontDescriptor=document.make_indirect(descriptor),
            W=pikepdf.Array(widths),
        )
        if not self.face.has_cff:
            descendant.CIDToGIDMap = pikepdf.Name.Identity  # the codes are glyph numbers
        return document.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type0,
                BaseFont=base,
                Encoding=pikepdf.Name("/Identity-H"),
                DescendantFonts=[document.make_indirect(descendant)],
                ToUnicode=document.make_stream(self.to_unicode()),
            )
        )

    def to_unicode(self) -> bytes:
        pairs = sorted((self.renumbered[glyph], char) for glyph, char in self.used.items() if char)
        lines = [
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            b"1 begincodespacerange <0000> <ffff> endcodespacerange",
        ]
        for start in range(0, len(pairs), 100):
            batch = pairs[start : start + 100]
            lines.append(f"{len(batch)} beginbfchar".encode())
            lines.extend(
                f"<{glyph:04x}> <{char.encode('utf-16-be').hex()}>".encode()
                for glyph, char in batch
            )
            lines.append(b"endbfchar")
        lines.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
        return b"\n".join(lines)


def _content(page: Page, embedded: dict[Face, EmbeddedFont]) -> bytes:
    out = []
    for mark in page.marks:
        if isinstance(mark, Rule):
            dash = "[.4 1.2] 0 d" if mark.dotted else "[] 0 d"
            out.append(
                f"{_number(mark.width)} w {dash} {_number(mark.x1)} "
                f"{_number(page.height - mark.y1)} m {_number(mark.x2)} "
                f"{_number(page.height - mark.y2)} l S"
            )
            continue
        font = embedded[mark.face]
        # The character spacing is set on every text: it is graphics state, kept after ET.
        out.append(
            f"BT /{font.name} {_number(mark.size)} Tf {_number(mark.spacing)} Tc "
            f"1 0 0 1 {_number(mark.x)} "
            f"{_number(page.height - mark.y)} Tm <{font.codes(mark.glyphs).hex()}> Tj ET"
        )
    return "\n".join(out).encode()


def write_pdf(
    pages: Sequence[Page],
    *,
    title: str,
    author: str,
    outline: Sequence[tuple[str, int]] = (),
    lang: str = "zh-Hans",
) -> bytes:
    """The pages as one PDF; `outline` lists (title, page index) entries."""
    used: dict[Face, dict[int, str]] = {}  # each glyph's character, for copying text out
    for page in pages:
        for mark in page.marks:
            if isinstance(mark, Text):
                glyphs = used.setdefault(mark.face, {})
                for glyph, char in zip(mark.glyphs, mark.characters, strict=True):
                    glyphs.setdefault(glyph, char)
    embedded = {
        face: EmbeddedFont(f"F{number}", face, glyphs)
        for number, (face, glyphs) in enumerate(used.items())
    }
    document = pikepdf.new()
    objects = {face: font.pdf_object(document) for face, font in embedded.items()}
    resources = document.make_indirect(
        pikepdf.Dictionary(
            Font=pikepdf.Dictionary({f"/{embedded[f].name}": o for f, o in objects.items()})
        )
    )
    for page in pages:
        added = document.add_blank_page(page_size=(page.width, page.height))
        added.obj.Resources = resources
        added.obj.Contents = document.make_stream(_content(page, embedded))
    if outline:
        with document.open_outline() as tree:
            tree.root.extend(pikepdf.OutlineItem(name, index) for name, index in outline)
    document.Root.Lang = pikepdf.String(lang)
    document.docinfo[pikepdf.Name.Title] = title
    document.docinfo[pikepdf.Name.Author] = author
    output = io.BytesIO()
    document.save(output, min_version="1.7")
    return output.getvalue()
