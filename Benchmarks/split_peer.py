#!/usr/bin/env python3
"""The peer for `intake bench-split`: pikepdf (qpdf) splitting a bundle into the same page ranges, in process.

One split: open the bundle, and for each range make `pikepdf.new()`, append the range's pages (qpdf copies each
page and what it references as foreign objects, as `qpdf_add_page` does for Intake) and save it to a file with
the write settings Intake's PDFAssembler uses — deterministic ID, generated object streams, flate streams copied
as they are — so both sides write the same kind of file. One warm-up split, then ROUNDS timed splits.

usage: split_peer.py --rounds N --out DIR BUNDLE FIRST-LAST...   (1-based inclusive ranges; prints one JSON
document on stdout: the name, each split's seconds, per-stage totals, bytes written, peak resident KiB)
"""

import argparse
import json
import os
import platform
import sys
import time

import pikepdf


def parse_range(text):
    first, _, last = text.partition("-")
    return int(first), int(last)


def split(bundle, ranges, outputs, stages):
    """One split of `bundle`; adds each stage's seconds to `stages` and returns the seconds it took in all."""
    start = time.perf_counter()
    with pikepdf.open(bundle) as pdf:
        pages = pdf.pages
        len(pages)  # Intake counts the pages on open (qpdf_get_num_pages); the page tree is walked here too
        opened = time.perf_counter()
        stages["open"] += opened - start
        for (first, last), output in zip(ranges, outputs):
            began = time.perf_counter()
            with pikepdf.new() as document:
                document.pages.extend(pages[first - 1 : last])
                copied = time.perf_counter()
                document.save(
                    output, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate
                )
                saved = time.perf_counter()
            stages["copy pages"] += copied - began
            stages["save"] += saved - copied
    return time.perf_counter() - start


def resident_high_water_kib():
    """This process's own peak resident memory (VmHWM in /proc/self/status), in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    sys.exit("no VmHWM in /proc/self/status")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--out", required=True, help="folder for the documents (overwritten every round)")
    parser.add_argument("bundle")
    parser.add_argument("ranges", nargs="+", type=parse_range)
    arguments = parser.parse_args()
    outputs = [os.path.join(arguments.out, f"document-{index + 1}.pdf") for index in range(len(arguments.ranges))]

    stages = {"open": 0.0, "copy pages": 0.0, "save": 0.0}
    split(arguments.bundle, arguments.ranges, outputs, stages)  # warm-up: imports, page cache, allocator
    for name in stages:
        stages[name] = 0.0
    seconds = [split(arguments.bundle, arguments.ranges, outputs, stages) for _ in range(arguments.rounds)]
    # The high-water mark of the splits alone, in KiB, before the check below opens the documents. VmHWM, not
    # ru_maxrss: Linux carries ru_maxrss across execve, and Swift's Process starts this peer with vfork, so
    # ru_maxrss here reported intake-bench's own peak whenever it was the larger (71,492 KiB on both sides).
    peak = resident_high_water_kib()
    for (first, last), output in zip(arguments.ranges, outputs):
        with pikepdf.open(output) as written:
            if len(written.pages) != last - first + 1:
                sys.exit(f"{output}: {len(written.pages)} pages, expected {last - first + 1}")

    json.dump(
        {
            "name": f"pikepdf {pikepdf.__version__} (qpdf {pikepdf.__libqpdf_version__}, "
            f"{platform.python_implementation()} {platform.python_version()})",
            "split_seconds": seconds,
            "stages": [{"name": name, "seconds": total} for name, total in stages.items()],
            "bytes_written": sum(os.path.getsize(output) for output in outputs),
            "peak_resident_kilobytes": peak,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
