#!/usr/bin/env python3
"""Writes a one-page PDF holding an image of random noise, the way a high-resolution colour scan is large and
incompressible. qpdf rewrites it afterwards. Standard library only. usage: OUT BYTES SEED
"""
import random
import sys

path, target, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(seed)
width = 2480  # A4 at 300 dpi
height = max(1, target // (width * 3))
pixels = random.randbytes(width * height * 3)
objects = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
    b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length %d >>\nstream\n"
    % (width, height, len(pixels)) + pixels + b"\nendstream",
]
content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
offsets = []
for number, body in enumerate(objects, start=1):
    offsets.append(len(out))
    out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
for offset in offsets:
    out += b"%010d 00000 n \n" % offset
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
open(path, "wb").write(out)
