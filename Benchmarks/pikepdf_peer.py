#!/usr/bin/env python3
"""The peer for `intake bench`: pikepdf (qpdf) doing the work of `intake check` on each file, in process.

Per file, on one core: read the bytes, SHA-256 them, tell a PDF by its header, open it with pikepdf without a
password (PasswordError means a user password is needed), read encryption and permissions, page count, version
and top-level outline entries, and look for active content the way Intake's syntax scan does: the catalog's
/Names /JavaScript and /EmbeddedFiles trees and /OpenAction, then every object, with its direct sub-objects,
for the keys /JS /JavaScript /AA /Launch /EmbeddedFiles /EmbeddedFile /AF /RichMedia and /S /Launch actions.

usage: pikepdf_peer.py --rounds N FILE...   (prints one JSON document on stdout)
       pikepdf_peer.py --once FILE...       (each file once, no warm-up: a whole process to time from outside,
                                             as Benchmarks/run-table.sh does; prints one JSON line)
"""

import argparse
import hashlib
import json
import platform
import statistics
import sys
import time

import pikepdf

# The names Intake's PDFSyntaxScanner reports as active content (Sources/PDFInspection/PDFSyntaxScanner.swift).
ACTIVE_KEYS = frozenset(
    "/" + name for name in ("JS", "JavaScript", "AA", "Launch", "EmbeddedFiles", "EmbeddedFile", "AF", "RichMedia")
)
OUTLINE_LIMIT = 100_000  # a cycle in a hostile /Next chain must not hang the peer


def active_keys_in(obj, found):
    """Adds the active-content keys in `obj` and its direct sub-objects; indirect ones are visited on their own."""
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        for key, value in obj.items():
            if key in ACTIVE_KEYS:
                found.add(key)
            if key == "/S" and value == pikepdf.Name.Launch:
                found.add("/Launch")
            if isinstance(value, (pikepdf.Dictionary, pikepdf.Array)) and not value.is_indirect:
                active_keys_in(value, found)
    elif isinstance(obj, pikepdf.Array):
        for value in obj:
            if isinstance(value, (pikepdf.Dictionary, pikepdf.Array)) and not value.is_indirect:
                active_keys_in(value, found)


def outline_entries(root):
    outlines = root.get("/Outlines")
    if outlines is None:
        return 0
    count, entry = 0, outlines.get("/First")
    while entry is not None and count < OUTLINE_LIMIT:
        count += 1
        entry = entry.get("/Next")
    return count


def inspect(path):
    """The facts `intake check` gathers about one file, as a dict."""
    with open(path, "rb") as handle:
        data = handle.read()
    facts = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    facts["is_pdf"] = b"%PDF-" in data[:1024]
    if not facts["is_pdf"]:
        return facts
    try:
        # From the path: qpdf reads the file itself, its fastest way in (a BytesIO goes through Python per read).
        with pikepdf.open(path) as pdf:
            facts["encrypted"] = pdf.is_encrypted
            if pdf.is_encrypted:
                encryption = pdf.encryption
                facts["revision"] = encryption.R
                facts["p"] = encryption.P
            allow = pdf.allow
            facts["print"] = allow.print_highres and allow.print_lowres
            facts["copy"] = allow.extract
            facts["pages"] = len(pdf.pages)
            facts["version"] = pdf.pdf_version
            root = pdf.Root
            facts["outline_entries"] = outline_entries(root)
            found = set()
            names = root.get("/Names")
            if names is not None:
                found.update(key for key in ("/JavaScript", "/EmbeddedFiles") if key in names)
            if "/OpenAction" in root:
                active_keys_in(root.OpenAction, found)
            for obj in pdf.objects:
                active_keys_in(obj, found)
            facts["active_content"] = sorted(found)
    except pikepdf.PasswordError:
        facts["password_required"] = True
    except pikepdf.PdfError as error:
        facts["parse_error"] = str(error)
    return facts


def run_round(files, latencies):
    for path in files:
        start = time.perf_counter()
        inspect(path)
        latencies.append(time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--rounds", type=int)
    mode.add_argument("--once", action="store_true", help="each file once, no warm-up, no statistics")
    parser.add_argument("files", nargs="+")
    arguments = parser.parse_args()
    name = (
        f"pikepdf {pikepdf.__version__} (qpdf {pikepdf.__libqpdf_version__}, "
        f"{platform.python_implementation()} {platform.python_version()})"
    )

    if arguments.once:
        # The facts are kept, so no part of the work can be skipped; what is printed is only a summary.
        start = time.perf_counter()
        facts = [inspect(path) for path in arguments.files]
        elapsed = time.perf_counter() - start
        json.dump(
            {
                "name": name,
                "files": len(facts),
                "seconds_in_process": elapsed,
                "password_required": sum(1 for fact in facts if fact.get("password_required")),
                "pages": sum(fact.get("pages", 0) for fact in facts),
            },
            sys.stdout,
        )
        print()
        return

    run_round(arguments.files, [])  # warm-up: imports, page cache, allocator
    latencies = []
    start = time.perf_counter()
    for _ in range(arguments.rounds):
        run_round(arguments.files, latencies)
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    json.dump(
        {
            "name": name,
            "files": len(latencies),
            "seconds": elapsed,
            "files_per_second": len(latencies) / elapsed,
            "mean_ms": statistics.fmean(latencies) * 1000,
            "median_ms": statistics.median(latencies) * 1000,
            "p95_ms": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
