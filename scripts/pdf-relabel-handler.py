#!/usr/bin/env python3
"""Relabels an encrypted PDF's security handler (/Encrypt /Filter) and rebuilds its cross-reference table.

No packaged tool writes rights-management PDFs (FileOpen's FOPN_foweb, Adobe LiveCycle's Adobe.APS); what such a
file looks like to a validator is a Standard-style encryption dictionary whose /Filter names another handler.
Input must have a classic xref table (qpdf output without object streams). usage: IN OUT HANDLER
"""
import re
import sys

data = open(sys.argv[1], "rb").read()
handler = sys.argv[3].encode()
data, count = re.subn(rb"/Filter\s*/Standard", b"/Filter /" + handler, data)
assert count == 1, "expected one Standard security handler"
body = data[: data.rindex(b"xref")]
objects = {int(m.group(1)): m.start() for m in re.finditer(rb"(?<![0-9])(\d+) 0 obj", body)}
size = max(objects) + 1
xref = b"xref\n0 %d\n0000000000 65535 f \n" % size
for number in range(1, size):
    xref += b"%010d 00000 n \n" % objects[number] if number in objects else b"0000000000 65535 f \n"
trailer = re.search(rb"trailer\s*(<<.*?>>)\s*startxref", data, re.S).group(1)
open(sys.argv[2], "wb").write(body + xref + b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % len(body))
