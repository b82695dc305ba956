#!/usr/bin/env python3
"""Writes a bundle with pikepdf (another producer than groff, qpdf or pdfTeX): the pages of several PDFs in
order, with one top-level bookmark per source document. usage: pikepdf-bundle.py OUT TITLE=IN [TITLE=IN …]
"""
import sys

import pikepdf

out = pikepdf.new()
starts = []
for argument in sys.argv[2:]:
    title, path = argument.split("=", 1)
    source = pikepdf.open(path)
    starts.append((title, len(out.pages)))
    out.pages.extend(source.pages)
with out.open_outline() as outline:
    outline.root.extend(pikepdf.OutlineItem(title, page) for title, page in starts)
out.save(sys.argv[1])
