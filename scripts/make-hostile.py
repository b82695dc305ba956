#!/usr/bin/env python3
"""Writes the hostile inputs the inspector must survive (issue 17), each a finding and never a hung or ballooning
worker. Small on disk, generated per test run, never committed. Standard library only.
usage: make-hostile.py OUT SEED_JPEG

  deep-nesting.pdf      an array nested 100,000 deep, reachable from the catalog
  page-tree-loop.pdf    a /Pages node that is its own kid
  launch-uri.pdf        an /OpenAction that launches a program, and a link annotation that opens a URL
  huge-declared.jpg     SEED_JPEG with its frame header saying 60,000 x 60,000 pixels
  huge-inflated.png     a PNG saying 30,000 x 30,000 RGB (2.7 GB decoded) with 256 MB of zeros in its IDAT
(The 2 GB flate bomb is scripts/pdf-objstm-bomb.py OUT 2048.)
"""
import struct
import sys
import zlib

out, seed = sys.argv[1], sys.argv[2]


def pdf(objects, path):
    """A PDF with a correct xref table from `objects` (numbered from 1; the first is the catalog)."""
    data = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    data += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    data += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    open(path, "wb").write(data)


page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
depth = 100_000
pdf([b"<< /Type /Catalog /Pages 2 0 R /Nest 4 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page,
     b"[" * depth + b"]" * depth], f"{out}/deep-nesting.pdf")
pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>", page],
    f"{out}/page-tree-loop.pdf")
pdf([b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (/bin/sh) /Win << /F (cmd.exe) >> >> >>",
     b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
     b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
     b"<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A << /S /URI /URI (http://198.51.100.1/) >> >>"],
    f"{out}/launch-uri.pdf")

# The JPEG: the seed's bytes with the height and width of its first start-of-frame marker set to 60,000.
jpeg = bytearray(open(seed, "rb").read())
at = 2
while at < len(jpeg):
    marker, length = jpeg[at + 1], struct.unpack(">H", jpeg[at + 2:at + 4])[0]
    if marker in (0xC0, 0xC1, 0xC2):
        jpeg[at + 5:at + 9] = struct.pack(">HH", 60_000, 60_000)
        break
    at += 2 + length
open(f"{out}/huge-declared.jpg", "wb").write(jpeg)


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


deflate = zlib.compressobj(9)
zeros = bytes(1 << 20)
idat = b"".join(deflate.compress(zeros) for _ in range(256)) + deflate.flush()
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", idat) + chunk(b"IEND", b"")
open(f"{out}/huge-inflated.png", "wb").write(png)
