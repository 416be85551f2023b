"""What the upload reader spends on files made to exhaust it, and on an ordinary one.

    python loadtest/bench_uploads.py

Each file goes through services.uploads.read_workbook, the function the upload views call,
in this process. Printed per file: its size, the seconds until the answer, how much the
resident memory of this process (the web worker's part) rose at its peak, and the child's
peak resident memory (pages shared with the parent included, so its own growth is at most
that), and what the child answered.
"""

import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402

from assessments.services import uploads, workbook_reader  # noqa: E402
from tests.uploads.crafted import far_cell, sparse_xls, zip_bomb  # noqa: E402


def _status_kb(name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(name + ":"))


def _ordinary() -> bytes:
    """Three sheets of 60 rows by 10 columns of figures and texts: a unit's workbook."""
    book = openpyxl.Workbook()
    for number in range(3):
        sheet = book.active if number == 0 else book.create_sheet()
        for row in range(1, 61):
            sheet.append([f"指标{row}", row * 1.5, "=100件", None, row, "偏差原因", 9, 8, 7, 6])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def main() -> None:
    files = [
        ("xlsx, one cell at XFD1048576", far_cell()),
        ("xlsx, zip bomb (300 MB of cells unpacked)", zip_bomb(300)),
        ("xls, 4 sheets of 65536 x 256", sparse_xls()),
        ("xlsx, ordinary (3 sheets of 60 x 10)", _ordinary()),
    ]
    print(f"{'file':44} {'bytes':>9} {'seconds':>8} {'parent +MB':>11} {'child MB':>9}  answer")
    for name, data in files:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")  # the peak resident memory starts again from now
        before = _status_kb("VmRSS")
        reading = workbook_reader.Reading()
        started = time.monotonic()
        try:
            uploads.read_workbook(data, reading)
            answer = "read"
        except uploads.UploadRefused as refusal:
            answer = "；".join(refusal.problems)
        seconds = time.monotonic() - started
        grown = (_status_kb("VmHWM") - before) / 1024
        print(
            f"{name:44} {len(data):>9} {seconds:>8.2f} {grown:>11.1f} "
            f"{reading.child_peak_kb / 1024:>9.1f}  {answer}"
        )
        print(f"{'':44} child: {reading.outcome}")


if __name__ == "__main__":
    main()
