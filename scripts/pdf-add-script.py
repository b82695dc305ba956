#!/usr/bin/env python3
"""Appends an incremental update to a PDF that gives its catalog an /OpenAction running JavaScript.

An incremental update is how real editors change a signed or existing PDF; qpdf then rewrites the result, so the
file Intake sees is a tool's output. Standard library only. usage: pdf-add-script.py IN OUT
"""
import re
import sys

source = open(sys.argv[1], "rb").read()
root = int(re.findall(rb"/Root\s+(\d+)\s+0\s+R", source)[-1])
size = int(re.findall(rb"/Size\s+(\d+)", source)[-1])
startxref = int(re.findall(rb"startxref\s+(\d+)", source)[-1])
catalog = re.search(rb"(?<![0-9])%d\s+0\s+obj\s*<<(.*?)>>\s*endobj" % root, source, re.S).group(1)
script = size
update = b"\n%d 0 obj\n<<%s /OpenAction %d 0 R >>\nendobj\n" % (root, catalog, script)
update += b"%d 0 obj\n<< /Type /Action /S /JavaScript /JS (app.alert\\('Intake sample'\\);) >>\nendobj\n" % script
body = source + update
offsets = {}
for match in re.finditer(rb"(?<![0-9])(\d+) 0 obj", update):
    offsets[int(match.group(1))] = len(source) + match.start()
xref_at = len(body)
xref = b"xref\n"
for number in sorted(offsets):
    xref += b"%d 1\n%010d 00000 n \n" % (number, offsets[number])
trailer = b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size + 1, root, startxref, xref_at)
open(sys.argv[2], "wb").write(body + xref + trailer)
