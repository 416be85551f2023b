"""Binding PDFs into one book with pikepdf: the tables' own pages, unchanged, in order.

Each table's pages are copied as they are (a signed table's are the stored signed copy's),
the book's page number is laid over each of them, and the outline gets an entry per table.
Copying keeps each page's content streams byte for byte: the number is a form drawn after
them, inside its own graphics state. Each table brings its own subset of the print fonts; a
font program byte for byte the same as one bound already (tables of the same wording use the
same glyphs) is kept once.
"""

import hashlib
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pikepdf


def stamp_over(book: pikepdf.Pdf, page: pikepdf.Page, form: pikepdf.Object) -> None:
    """Draw `form` over the page, leaving the page's own content streams as they are: they
    become the middle of the page's list of streams, inside a saved graphics state."""
    name = page.add_resource(form, pikepdf.Name.XObject, prefix="BookPage")
    contents = page.obj.get("/Contents")
    own = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    before = book.make_stream(b"q\n")
    after = book.make_stream(b"\nQ\nq " + str(name).encode() + b" Do Q\n")
    page.obj.Contents = pikepdf.Array([before, *own, after])


FONT_PROGRAMS = ("/FontFile", "/FontFile2", "/FontFile3")


def _descriptors(font: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """The font descriptors of a font: its own, or its descendants' (a Type0 font)."""
    for each in [font, *font.get("/DescendantFonts", [])]:
        descriptor = each.get("/FontDescriptor")
        if descriptor is not None:
            yield descriptor


def share_font_programs(book: pikepdf.Pdf) -> None:
    """Point every font at one copy of each font program that is byte for byte the same (its
    stream's entries included); the copies no font points at are left out when saving."""
    kept: dict[bytes, pikepdf.Object] = {}
    for page in book.pages:
        fonts = page.obj.get("/Resources", pikepdf.Dictionary()).get("/Font", pikepdf.Dictionary())
        for _, font in fonts.items():
            for descriptor in _descriptors(font):
                for key in FONT_PROGRAMS:
                    program = descriptor.get(key)
                    if not isinstance(program, pikepdf.Stream):
                        continue
                    entries = sorted(
                        (str(k), repr(v)) for k, v in program.stream_dict.items() if k != "/Length"
                    )
                    digest = hashlib.sha256(repr(entries).encode())
                    digest.update(program.read_raw_bytes())
                    shared = kept.setdefault(digest.digest(), program)
                    if shared.objgen != program.objgen:
                        descriptor[key] = shared


# The number the sample page shows: every digit once, so its font carries all of them.
SAMPLE_NUMBER = 1234567890
TEXT_SHOWN = ("TJ", "Tj")


@dataclass(frozen=True)
class PageNumberWords:
    """The words a book prints on each bound page around its number, e.g. "合订本第 {} 页".

    The front matter's last page is a sample: these words with SAMPLE_NUMBER, laid out where
    every page's number goes. Each bound page gets a small form that repeats the sample's
    drawing with its own number written in the sample's glyphs (the font embedded once),
    instead of a laid-out page per number.
    """

    template: str

    def text(self, number: int) -> str:
        return self.template.format(number)


class NumberForms:
    """Forms that draw the page number: the sample page's drawing, its text replaced by the
    glyphs of each number."""

    def __init__(self, book: pikepdf.Pdf, sample: pikepdf.Page, words: PageNumberWords):
        self.book, self.words = book, words
        self.instructions = list(pikepdf.parse_content_stream(sample))
        shown = [i for i, ins in enumerate(self.instructions) if str(ins.operator) in TEXT_SHOWN]
        if len(shown) != 1:
            raise ValueError("页码样页应只有一段文字。")
        (self.position,) = shown
        operand = self.instructions[self.position].operands[0]
        pieces = operand if isinstance(operand, pikepdf.Array) else [operand]
        codes = b"".join(bytes(piece) for piece in pieces if isinstance(piece, pikepdf.String))
        sample_text = words.text(SAMPLE_NUMBER)
        if len(codes) != 2 * len(sample_text):  # two-byte glyph codes (Identity-H)
            raise ValueError("页码样页的字形与文字不符。")
        self.glyphs = {char: codes[2 * i : 2 * i + 2] for i, char in enumerate(sample_text)}
        self.resources = book.make_indirect(sample.obj.Resources)
        self.box = sample.mediabox

    def form(self, number: int) -> pikepdf.Object:
        text = b"".join(self.glyphs[char] for char in self.words.text(number))
        instructions = list(self.instructions)
        instructions[self.position] = pikepdf.ContentStreamInstruction(
            [pikepdf.String(text)], pikepdf.Operator("Tj")
        )
        form = self.book.make_stream(pikepdf.unparse_content_stream(instructions))
        form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        form.BBox, form.Resources = self.box, self.resources
        return form


def bind_numbered(
    front: bytes,
    front_pages: int,
    tables: Sequence[pikepdf.Pdf],
    titles: Sequence[str],
    words: PageNumberWords,
) -> bytes:
    """One PDF: the front matter's `front_pages` pages (numbered already), then every table
    (opened(), open until this returns), each table page numbered on from the front matter
    with `words`.

    `front` holds one page more: the sample of the page number (PageNumberWords), dropped
    once its drawing is copied.
    """
    with pikepdf.open(io.BytesIO(front)) as book:
        if len(book.pages) != front_pages + 1:
            raise ValueError("前置部分应恰好多出一张页码样页。")
        numbers = NumberForms(book, book.pages[front_pages], words)
        del book.pages[front_pages:]
        _add_tables(book, tables, titles)
        for number, page in enumerate(book.pages[front_pages:], start=front_pages + 1):
            stamp_over(book, page, numbers.form(number))
        return _saved(book)


@contextmanager
def opened(contents: Sequence[bytes]) -> Iterator[list[pikepdf.Pdf]]:
    """The tables' PDFs, open while a book reads their pages, until it is saved."""
    sources: list[pikepdf.Pdf] = []
    try:
        for content in contents:
            sources.append(pikepdf.open(io.BytesIO(content)))
        yield sources
    finally:
        for source in sources:
            source.close()


def _add_tables(book: pikepdf.Pdf, tables: Sequence[pikepdf.Pdf], titles: Sequence[str]) -> None:
    """Every table appended to the book, each under its title in the outline."""
    entries = []
    for title, source in zip(titles, tables, strict=True):
        entries.append((title, len(book.pages)))
        # The copies' signature fields stay with the signed files: the book itself is not
        # signed, and a viewer would report the fields' signatures as broken here.
        book.add_pages_from(source, forms="strip", outlines="ignore")
    with book.open_outline() as outline:
        outline.root.extend(pikepdf.OutlineItem(title, index) for title, index in entries)


def _saved(book: pikepdf.Pdf) -> bytes:
    """The bound book as bytes, each font program its tables share kept once."""
    share_font_programs(book)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
