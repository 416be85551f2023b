"""Reading PDFs in tests with poppler (pdftotext, pdffonts, pdfdetach, pdfinfo)."""

import io
import re
import shutil
import subprocess
from dataclasses import dataclass

import pdfplumber
import pytest


def poppler(tool, *args, input_bytes):
    if not shutil.which(tool):
        pytest.fail(f"{tool} is missing: install Debian's poppler-utils (make install).")
    result = subprocess.run(
        [tool, *args, "-", "-"] if tool == "pdftotext" else [tool, *args],
        input=input_bytes,
        capture_output=True,
        timeout=60,
        check=True,
    )
    return result.stdout.decode("utf-8")


def pdf_text(content, *, page=None, crop=None, layout=True):
    """`pdftotext -layout` of the whole document, of one page, or of a rectangle (points)."""
    args = ["-layout"] if layout else []
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    if crop is not None:
        x, y, width, height = crop
        args += ["-x", str(x), "-y", str(y), "-W", str(width), "-H", str(height)]
    return poppler("pdftotext", *args, input_bytes=content)


def with_file(tool, content, tmp_path, *args):
    """Tools that read a file name rather than standard input."""
    if not shutil.which(tool):
        pytest.fail(f"{tool} is missing: install Debian's poppler-utils (make install).")
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        [tool, *args, str(path)], capture_output=True, timeout=60, check=True, text=True
    )
    return result.stdout


def page_count(content, tmp_path):
    info = with_file("pdfinfo", content, tmp_path)
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def compact(text):
    return "".join(text.split())


@dataclass(frozen=True)
class Match:
    line: int
    column: int
    last_line: int


class Layout:
    """The lines of `pdftotext -layout`, searched cell by cell.

    A cell's text may wrap: its continuation stands on one of the next few lines, under the
    cell (left-aligned or centred), with other cells' text beside it. A match must start and
    end at a gap, so `10` is never found inside `103000.00`.
    """

    CONTINUATION_LINES = 8
    SLACK = 4

    def __init__(self, text):
        self.lines = text.replace("\f", "\n").split("\n")

    def _bounded_start(self, text, column):
        return column == 0 or text[column - 1] == " "

    def _continue(self, token, line, column, width):
        """Where the rest of a wrapped token stands, or None."""
        token = token.lstrip(" ")
        for following in range(line + 1, min(line + 1 + self.CONTINUATION_LINES, len(self.lines))):
            text = self.lines[following]
            low, high = max(0, column - self.SLACK), column + width + self.SLACK
            for start in range(low, min(high, len(text))):
                if text.startswith(token[:1], start) and self._bounded_start(text, start):
                    found = self._at(token, following, start)
                    if found is not None:
                        return found
        return None

    def _at(self, token, line, column):
        """The last line of the token if it starts here, following it as it wraps."""
        text = self.lines[line]
        length = 0
        while (
            length < len(token)
            and column + length < len(text)
            and text[column + length] == token[length]
        ):
            length += 1
        end = column + length
        at_gap = end == len(text) or text[end] == " "
        if length == len(token):
            return line if at_gap else None
        if length == 0 or not at_gap:
            return None
        return self._continue(token[length:], line, column, length)

    def find(self, token, *, start=0, stop=None, after_column=-1):
        """The first match at or below line `start` (and right of `after_column`)."""
        stop = len(self.lines) if stop is None else min(stop, len(self.lines))
        for line in range(start, stop):
            text = self.lines[line]
            column = text.find(token[:1])
            while column != -1:
                if column > after_column and self._bounded_start(text, column):
                    last = self._at(token, line, column)
                    if last is not None:
                        return Match(line, column, last)
                column = text.find(token[:1], column + 1)
        return None

    def find_row(self, tokens, *, start):
        """Every token of one table row, left to right, at or below line `start`."""
        matches = []
        column = -1
        for token in tokens:
            found = self.find(token, start=start, after_column=column)
            if found is None:
                raise AssertionError(
                    f"“{token}” not found after line {start} right of column {column}:\n"
                    + "\n".join(self.lines[start : start + 12])
                )
            matches.append(found)
            column = found.column
        return matches


def body_text(content):
    """The text inside the page margins, pages joined, without the watermark or blanks."""
    top, bottom = 16 / 25.4 * 72, 18 / 25.4 * 72
    parts = []
    with pdfplumber.open(io.BytesIO(content)) as document:
        for page in document.pages:
            body = page.crop((0, top, page.width, page.height - bottom))
            body = body.filter(lambda obj: obj.get("size", 0) < 30)
            parts.append(body.extract_text())
    return "".join("".join(parts).split())


def dark_pixels(path, page):
    """How many pixels of the page are dark, rendered in grey at 30 dpi (poppler)."""
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm is missing: install Debian's poppler-utils (make install).")
    result = subprocess.run(
        ["pdftoppm", "-gray", "-r", "30", "-f", str(page), "-l", str(page), str(path)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    # A binary PGM: "P5", width, height and the largest value, then one byte per pixel.
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+\d+\s", result.stdout)
    pixels = result.stdout[header.end() :]
    assert len(pixels) == int(header[1]) * int(header[2])
    return sum(1 for value in pixels if value < 128)
