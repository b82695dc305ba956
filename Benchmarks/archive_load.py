#!/usr/bin/env python3
"""Bulk archives end to end: a ZIP of N applications × 3 PDFs goes through `intake submit-archive`, then
`intake work --until-empty`, on a fresh data folder. Prints the seconds from submit to the last verdict and the
peak resident memory of each step's whole process tree (the inspector children included), for two sizes, so
that memory can be seen to stay flat as the archive grows. Run by Benchmarks/run-archive.sh.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile

parser = argparse.ArgumentParser()
parser.add_argument("--intake", required=True)
parser.add_argument("--pdf", required=True, help="a clean one-page PDF, varied per file")
parser.add_argument("--sizes", default="200,1000", help="applications per archive")
args = parser.parse_args()
config = os.path.join(os.path.dirname(__file__), "..", "Config", "intake.conf")
pdf = open(args.pdf, "rb").read()


def tree_rss(root):
    """Resident kB of `root` and every descendant, from /proc."""
    children = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(pid))
        except OSError:
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
        stack += children.get(pid, [])
    return total


def run(command):
    """Seconds and the process tree's peak RSS in MB, sampled every 50 ms."""
    started = time.monotonic()
    # The log goes to a file: a pipe nobody reads until the end fills up and stops the worker mid-queue.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.05)
        if process.returncode not in (0, 1):
            log.seek(0)
            sys.exit(f"archive_load: {command[1]} failed: {log.read().decode()[-500:]}")
    return time.monotonic() - started, peak / 1024


for size in map(int, args.sizes.split(",")):
    with tempfile.TemporaryDirectory() as work:
        archive = os.path.join(work, "bulk.zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            rows = ["application_id,slot,file,title"]
            for app in range(size):
                for doc in range(3):
                    name = f"APP-{app:05d}/doc-{doc}.pdf"
                    # A comment after %%EOF keeps the PDF valid and makes every file distinct.
                    z.writestr(name, pdf + f"\n% {app}-{doc}\n".encode())
                    rows.append(f"APP-{app:05d},attachment,{name},書類 {doc}")
            z.writestr("applications.csv", "\r\n".join(rows) + "\r\n")
        data = os.path.join(work, "data")
        common = ["--data", data, "--config", config]
        env_limits = {"INTAKE_ARCHIVE_MAX_ENTRIES": str(size * 3 + 1)}
        os.environ.update(env_limits)
        submit_seconds, submit_peak = run([args.intake, "submit-archive", archive, "--uploader", "bench"] + common)
        work_seconds, work_peak = run([args.intake, "work", "--until-empty"] + common)
        megabytes = os.path.getsize(archive) / 1e6
        print(f"{size} applications × 3 PDFs ({size * 3} rows, {megabytes:.1f} MB archive): "
              f"submit {submit_seconds:.1f} s (peak {submit_peak:.0f} MB), "
              f"verdicts {work_seconds:.1f} s (peak {work_peak:.0f} MB), "
              f"submit to last verdict {submit_seconds + work_seconds:.1f} s", flush=True)
