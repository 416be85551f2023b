"""Small files that cost a careless reader minutes and gigabytes, made on the spot.

far_cell: an .xlsx whose only extra cell is at XFD1048576 (the sheet declares A1:XFD1048576).
zip_bomb: an .xlsx of a few hundred KB whose sheet unpacks to hundreds of MB of cells.
sparse_xls: a legacy .xls whose sheets each hold one cell at the last row and column.
"""

import io
import struct
import zipfile
import zlib

import openpyxl

SHEET_XML = "xl/worksheets/sheet1.xml"


def _saved(book: openpyxl.Workbook) -> bytes:
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def far_cell(book: openpyxl.Workbook | None = None) -> bytes:
    book = book or openpyxl.Workbook()
    book.worksheets[0]["XFD1048576"] = 1
    return _saved(book)


def _zip(members: list[tuple[str, int, bytes, int]]) -> bytes:
    """A zip of deflated members: (name, crc, deflated bytes, unpacked size)."""
    local, central = b"", b""
    for name, crc, data, size in members:
        encoded = name.encode()
        fields = struct.pack(
            "<HHHHHIIIHH", 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0
        )
        central += struct.pack("<IH", 0x02014B50, 20) + fields
        central += struct.pack("<HHHII", 0, 0, 0, 0, len(local)) + encoded
        local += struct.pack("<I", 0x04034B50) + fields + encoded + data
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0
    )
    return local + central + end


def zip_bomb(megabytes: int = 300, book: openpyxl.Workbook | None = None) -> bytes:
    """The first sheet replaced by rows of a million bytes of numbers each (cells without
    addresses, which readers number one after another): about 2 KB a megabyte, one
    self-contained deflate block repeated."""
    base = zipfile.ZipFile(io.BytesIO(_saved(book or openpyxl.Workbook())))
    sheet = next(name for name in base.namelist() if name.startswith("xl/worksheets/sheet"))
    members = []
    for name in base.namelist():
        if name == sheet:
            continue
        data = base.read(name)
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        members.append((name, zlib.crc32(data), packer.compress(data) + packer.flush(), len(data)))
    cell = b"<c><v>1</v></c>"
    row = b"<row>" + cell * (1024 * 1024 // len(cell)) + b"</row>"
    head = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    tail = b"</sheetData></worksheet>"
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(row) + packer.flush(zlib.Z_FULL_FLUSH)
    finish = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(megabytes):
        crc = zlib.crc32(row, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + len(row) * megabytes + len(tail)
    members.append((sheet, crc, start + block * megabytes + finish, size))
    return _zip(members)


# A legacy .xls: BIFF8 records in the "Workbook" stream of an OLE2 compound file.


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))


def _biff(sheets: int, rows: int, columns: int) -> bytes:
    """Globals naming the sheets, then each sheet: its dimensions and one TRUE at the end."""
    names = [f"Sheet{number}".encode("latin-1") for number in range(1, sheets + 1)]
    bound_sheet = [len(name) + 8 + 4 for name in names]
    globals_size = len(_bof(5)) + sum(bound_sheet) + 4
    bodies = [
        _bof(0x10)
        + _record(0x0200, struct.pack("<IIHHH", 0, rows, 0, columns, 0))  # DIMENSIONS
        + _record(0x0205, struct.pack("<HHHBB", rows - 1, columns - 1, 15, 1, 0))  # BOOLERR
        + _record(0x000A)
        for _ in names
    ]
    stream = _bof(5)
    offset = globals_size
    for name, body in zip(names, bodies, strict=True):
        stream += _record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 0) + name)
        offset += len(body)
    stream += _record(0x000A) + b"".join(bodies)
    return stream


def _compound_file(stream: bytes) -> bytes:
    """One stream, "Workbook", in an OLE2 file: header, one FAT sector, one directory sector,
    then the stream's sectors (at least 4096 bytes, so no mini stream)."""
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\0")
    count = len(stream) // 512
    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    assert count + 2 <= 128
    fat = [fat_sector, end] + [*range(3, count + 2), end] + [free] * (126 - count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,
        end,
        0,
        end,
        0,
    ) + struct.pack("<109I", 0, *[free] * 108)

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            struct.pack(
                "<64sHBBIII16sIQQII",
                encoded,
                len(encoded),
                kind,
                1,
                none,
                none,
                child,
                b"\0" * 16,
                0,
                0,
                0,
                start,
                size,
            )
            + b"\0" * 4
        )

    directory = (
        entry("Root Entry", 5, 1, end, 0)
        + entry("Workbook", 2, none, 2, len(stream))
        + entry("", 0, none, 0, 0) * 2
    )
    return header + struct.pack("<128I", *fat) + directory + stream


def sparse_xls(sheets: int = 4, rows: int = 65536, columns: int = 256) -> bytes:
    return _compound_file(_biff(sheets, rows, columns))
