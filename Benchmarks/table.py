#!/usr/bin/env python3
"""The issue-15 table: each goal's figure beside its peer or baseline, in one run (Benchmarks/run-table.sh).

Rows 1–3 time whole processes from outside, process start included, each pinned to CPU 0 with taskset: one
warm-up run of each side (page cache, not counted), then ROUNDS runs of each, the two sides taking turns; the
median of each side is its figure.
  1. `intake check` of the 210 variants of the 36-page manual, beside one `pikepdf_peer.py --once` process
     (imports pikepdf; per file reads, SHA-256, opens, reads encryption, permissions, pages and active content)
  2. the same for the 60 scans of 12 pages
  3. `intake work --until-empty` of 1,000 one-page PDFs in 200 applications (submitted first, not timed; each
     run works a fresh copy of that data folder), beside `intake check` of the same 1,000 files
Rows 4 and 5 come from their own scripts, with --json: Benchmarks/run-reprocess.sh (processes timed from
outside, not pinned) and Benchmarks/run-split.sh --time-only (`intake-bench split`: in process, pinned, timed
splits after a warm-up, beside split_peer.py).
Never fails on a figure: each row says whether its goal is met.

usage: table.py --intake PATH --intake-bench PATH --python PATH --corpus DIR [--rounds N] [--split-rounds N]
  --python   the interpreter with pikepdf; --corpus: the folder Benchmarks/make-table-corpus.sh wrote;
  --intake and --intake-bench are handed to rows 4 and 5's scripts as INTAKE and INTAKE_BENCH, so they build
  nothing
Exit status: 0, or 1 with a line on stderr when a command failed (not a figure).
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timezone

import machine

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CONFIG = os.path.join(ROOT, "Config", "intake.conf")
PIN = ["taskset", "-c", "0"]


class Failure(Exception):
    pass


def run(command, **options):
    """Runs `command` to the end; returns (seconds from start to exit, completed process)."""
    start = time.perf_counter()
    completed = subprocess.run(command, **options)
    return time.perf_counter() - start, completed


def timed(command, accept=(0,), **options):
    seconds, completed = run(command, **options)
    if completed.returncode not in accept:
        detail = (completed.stderr or b"")[-500:].decode(errors="replace").strip() if completed.stderr else ""
        raise Failure(f"{' '.join(command[:4])} … exited {completed.returncode}{': ' + detail if detail else ''}")
    return seconds, completed


def alternate(rounds, *sides):
    """Warm-up, then `rounds` turns of each side (each a function returning seconds); the median of each."""
    for side in sides:
        side()
    times = [[] for _ in sides]
    for _ in range(rounds):
        for index, side in enumerate(sides):
            times[index].append(side())
    return [statistics.median(seconds) for seconds in times], times


def check_command(intake, data, files):
    # Exit 1 means some file was rejected (the password-protected ones are), not a failure.
    return PIN + [intake, "check", "--config", CONFIG, "--data", data] + files


def peer_command(python, files):
    return PIN + [python, os.path.join(HERE, "pikepdf_peer.py"), "--once"] + files


def check_beside_pikepdf(arguments, folder, scratch):
    """Rows 1 and 2: the whole `intake check FILE…` process beside the whole peer process."""
    files = sorted(glob.glob(os.path.join(arguments.corpus, folder, "*.pdf")))
    if not files:
        raise Failure(f"no PDFs in {os.path.join(arguments.corpus, folder)}")
    data = os.path.join(scratch, f"check-{folder}")
    peer_facts = {}

    def intake():
        return timed(check_command(arguments.intake, data, files), accept=(0, 1), stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE)[0]

    def peer():
        seconds, completed = timed(peer_command(arguments.python, files), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        peer_facts.update(json.loads(completed.stdout))
        return seconds

    (intake_seconds, peer_seconds), _ = alternate(arguments.rounds, intake, peer)
    return {
        "files": len(files),
        "bytes": sum(os.path.getsize(path) for path in files),
        "intake_seconds": intake_seconds,
        "peer_seconds": peer_seconds,
        "peer_seconds_in_process": peer_facts["seconds_in_process"],
        "peer_name": peer_facts["name"],
        "pages": peer_facts["pages"],
        "password_required": peer_facts["password_required"],
    }


def work_beside_check(arguments, scratch):
    """Row 3: `intake work --until-empty` of 1,000 submitted uploads beside `intake check` of the same files."""
    files = sorted(glob.glob(os.path.join(arguments.corpus, "one-page", "*.pdf")))
    if len(files) % 5:
        raise Failure(f"{len(files)} one-page PDFs, not a multiple of 5")
    template = os.path.join(scratch, "work-template")
    common = ["--data", template, "--config", CONFIG]
    start = time.perf_counter()
    for application in range(len(files) // 5):
        attachments = [argument for path in files[5 * application : 5 * application + 5]
                       for argument in ("--attachment", path)]
        timed([arguments.intake, "submit", "--application", f"APP-{application + 1}", "--uploader", "bench"]
              + attachments + common, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    submit_seconds = time.perf_counter() - start
    data = os.path.join(scratch, "check-one-page")
    judged = []

    def work():
        copy = os.path.join(scratch, "work-copy")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(template, copy, symlinks=True)
        with open(os.path.join(scratch, "work.log"), "w+b") as log:
            seconds, _ = timed(PIN + [arguments.intake, "work", "--until-empty", "--data", copy, "--config",
                                      CONFIG], stdout=subprocess.DEVNULL, stderr=log)
            log.seek(0)
            judged.append(log.read().count(b"Upload judged"))
        shutil.rmtree(copy)
        return seconds

    def check():
        return timed(check_command(arguments.intake, data, files), accept=(0, 1), stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE)[0]

    (work_seconds, check_seconds), _ = alternate(arguments.rounds, work, check)
    return {
        "files": len(files),
        "applications": len(files) // 5,
        "submit_seconds": submit_seconds,
        "work_seconds": work_seconds,
        "check_seconds": check_seconds,
        "judged": judged,
    }


def script_json(command, env):
    completed = subprocess.run(command, stdout=subprocess.PIPE, env=env, cwd=ROOT)
    if completed.returncode != 0:
        raise Failure(f"{' '.join(command)} exited {completed.returncode}")
    return json.loads(completed.stdout)


def process_start(arguments, scratch):
    """One 20 kB file: what starting each side costs, for reading rows 1–3."""
    one = sorted(glob.glob(os.path.join(arguments.corpus, "one-page", "*.pdf")))[:1]
    data = os.path.join(scratch, "check-start")
    (intake, peer), _ = alternate(
        max(arguments.rounds, 5),
        lambda: timed(check_command(arguments.intake, data, one), stdout=subprocess.DEVNULL,
                      stderr=subprocess.PIPE)[0],
        lambda: timed(peer_command(arguments.python, one), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)[0],
    )
    return intake, peer


def verdict(met):
    return "met" if met else "NOT met"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intake", required=True)
    parser.add_argument("--intake-bench", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--split-rounds", type=int, help="splits for row 5 (default: as many as fill 3 s)")
    arguments = parser.parse_args()
    arguments.intake = os.path.abspath(arguments.intake)
    arguments.intake_bench = os.path.abspath(arguments.intake_bench)

    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    facts = machine.facts(arguments.intake, arguments.python)
    env = dict(os.environ, INTAKE=arguments.intake, INTAKE_BENCH=arguments.intake_bench)
    scratch = tempfile.mkdtemp(prefix="intake-bench-table-")
    # The inspector child runs as inspection.user (nobody, when this runs as root): it must reach the blobs.
    os.chmod(scratch, 0o755)
    try:
        variants = check_beside_pikepdf(arguments, "variants", scratch)
        scans = check_beside_pikepdf(arguments, "scans", scratch)
        work = work_beside_check(arguments, scratch)
        start_intake, start_peer = process_start(arguments, scratch)
        reprocess = script_json([os.path.join(HERE, "run-reprocess.sh"), "--json"], env)
        split_command = [os.path.join(HERE, "run-split.sh"), "--json", "--time-only"]
        if arguments.split_rounds:
            split_command += ["--rounds", str(arguments.split_rounds)]
        split = script_json(split_command, env)["split"]
    except Failure as failure:
        print(f"table.py: {failure}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ended_load = machine.load_average()

    rows = []

    def speed_row(number, work, figures, unit_label):
        intake_rate = figures["files"] / figures["intake_seconds"]
        peer_rate = figures["files"] / figures["peer_seconds"]
        ratio = figures["peer_seconds"] / figures["intake_seconds"]
        rows.append((number, work,
                     f"{figures['intake_seconds']:.3f} s, {intake_rate:.1f} {unit_label}",
                     f"pikepdf {figures['peer_seconds']:.3f} s, {peer_rate:.1f} {unit_label}",
                     f"{ratio:.2f}× pikepdf", "≥ 1.50×", verdict(ratio >= 1.5)))

    speed_row("1", f"check {variants['files']} × 36-page PDF variants, CPU 0", variants, "files/s")
    speed_row("2", f"check {scans['files']} scans of 12 pages, CPU 0", scans, "files/s")
    ratio = work["work_seconds"] / work["check_seconds"]
    # A run that judged fewer uploads than it was given (jobs failing, retried, given up) is no figure.
    complete = set(work["judged"]) == {work["files"]}
    rows.append(("3", f"work --until-empty, {work['files']} uploads, CPU 0",
                 f"{work['work_seconds']:.3f} s, {work['files'] / work['work_seconds']:.0f} files/s",
                 f"check {work['check_seconds']:.3f} s, {work['files'] / work['check_seconds']:.0f} files/s",
                 f"{ratio:.2f}× check", "≤ 1.25×",
                 verdict(ratio <= 1.25) if complete else "INVALID: not every upload judged (see below)"))
    run_rate = reprocess["run"]["applications_per_second"]
    rows.append(("4a", f"reprocess --all, {reprocess['applications']} applications",
                 f"{reprocess['run']['seconds']:.3f} s, {run_rate:.0f} appl./s", "goal 2,000 appl./s",
                 f"{run_rate / 2000:.2f}× goal", "≥ 1.00×", verdict(run_rate >= 2000)))
    dry_rate = reprocess["dry_run"]["items_per_second"]
    rows.append(("4b", f"reprocess --all --dry-run, {reprocess['items']} items",
                 f"{reprocess['dry_run']['seconds']:.3f} s, {dry_rate:.0f} items/s", "goal 20,000 items/s",
                 f"{dry_rate / 20000:.2f}× goal", "≥ 1.00×", verdict(dry_rate >= 20000)))
    pages = split["bundle"]["pages"]
    documents = len(split["bundle"]["documents"])
    split_ratio = split["pikepdf"]["mean_seconds"] / split["intake"]["mean_seconds"] if split["pikepdf"] else None
    rows.append(("5", f"split {pages} pages into {documents} documents, CPU 0",
                 f"{split['intake']['mean_seconds']:.3f} s/split",
                 f"pikepdf {split['pikepdf']['mean_seconds']:.3f} s/split" if split["pikepdf"] else "no pikepdf",
                 f"{split_ratio:.2f}× pikepdf" if split_ratio else "–", "≥ 1.00×",
                 verdict(split_ratio is not None and split_ratio >= 1.0)))

    runs = f"{arguments.rounds} run{'s' if arguments.rounds != 1 else ''}"
    print(f"intake bench table (issue 15) {started}: rows 1–3 {runs} of each side after a warm-up, medians")
    for label, text in facts.items():
        print(f"  {label + ':':14} {text}" + (f" at the start, {ended_load} at the end" if label == "load average"
                                              else ""))
    print()
    headers = ("row", "work", "intake", "peer / baseline", "ratio", "goal", "")
    widths = [max(len(str(row[column])) for row in rows + [headers]) for column in range(len(headers))]
    for row in [headers] + rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    print()
    print("How each row was measured:")
    judged = ", ".join(str(count) for count in sorted(set(work["judged"])))
    intake_stages = ", ".join(f"{stage['name']} {stage['mean_milliseconds']:.0f} ms"
                              for stage in split["intake"]["stages"])
    peer_stages = ", ".join(f"{stage['name']} {stage['mean_milliseconds']:.0f} ms"
                            for stage in (split["pikepdf"] or {}).get("stages", []))
    notes = [
        f"1. {variants['files']} files, {variants['bytes'] / 1e6:.1f} MB, {variants['pages']} pages: Debian's "
        "libtasn1 manual plain, R2, R3 no print, R4 no copy, R6, R6 no print/copy, R6 user password (30 each; "
        f"{variants['password_required']} need a password). Whole processes timed from outside: "
        "`taskset -c 0 intake check FILE…` beside `taskset -c 0 python pikepdf_peer.py --once FILE…` "
        f"({variants['peer_name']}; {variants['peer_seconds_in_process']:.3f} s of it inside its loop).",
        f"2. {scans['files']} files, {scans['bytes'] / 1e6:.1f} MB, {scans['pages']} pages: pdftoppm JPEGs "
        "(150 dpi, quality 50) joined by img2pdf; plain, AES-128, AES-256 (20 each). SHA-256 on both sides. "
        f"The peer inside its loop: {scans['peer_seconds_in_process']:.3f} s.",
        f"3. {work['applications']} applications × 5 one-page PDFs submitted first "
        f"({work['submit_seconds']:.1f} s, not timed); each run works a fresh copy of that SQLite data folder, "
        f"pinned to CPU 0 as the check is (uploads judged per run: {judged}).",
        "4. Benchmarks/run-reprocess.sh --json: whole processes timed from outside, not pinned (both cores), one "
        "run each, after a limit change; goals from issue 15.",
        "5. Benchmarks/run-split.sh --json --time-only (`intake-bench split`, in process, pinned, "
        f"{split['splits']} splits after a warm-up, mean): intake {intake_stages}; pikepdf {peer_stages}.",
        f"Process start, one 20 kB file, median: intake check {start_intake * 1000:.0f} ms, pikepdf peer "
        f"{start_peer * 1000:.0f} ms.",
    ]
    for note in notes:
        print(textwrap.fill(note, width=118, initial_indent="  ", subsequent_indent="     "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
