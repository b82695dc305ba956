#!/usr/bin/env python3
"""The machine a benchmark ran on, as its report states it beside its figures: CPU model, cores, kernel, Debian,
Swift, poppler, qpdf and libqpdf, pikepdf (with its own qpdf) and the load average.

usage: machine.py [--intake PATH] [--python PATH] [--json]
  --intake   the `intake` binary measured: the Swift that built it is read from the swift-version-*.txt its build
             folder keeps, else `swift --version` is asked
  --python   the interpreter with pikepdf (the peer's); without it pikepdf is not reported
Prints the facts as lines (or one JSON document); exit status 0. Imported by Benchmarks/table.py.
"""

import argparse
import glob
import json
import os
import platform
import subprocess


def _run(command):
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _package_version(pattern):
    """The version of the installed Debian package matching `pattern` (first match), or "not installed"."""
    for line in _run(["dpkg-query", "-W", "-f", "${db:Status-Status} ${Version}\\n", pattern]).splitlines():
        status, _, version = line.partition(" ")
        if status == "installed":
            return version
    return "not installed"


def _swift(intake):
    if intake:
        for path in glob.glob(os.path.join(os.path.dirname(os.path.realpath(intake)), "swift-version-*.txt")):
            with open(path) as handle:
                return handle.readline().strip() + " (built the binaries)"
    return (_run(["swift", "--version"]).splitlines() or ["swift: not found"])[0]


def load_average():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def facts(intake=None, python=None):
    """The facts as an ordered dict of label → text."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    debian = "not Debian"
    if os.path.exists("/etc/debian_version"):
        with open("/etc/debian_version") as handle:
            debian = handle.read().strip()
    qpdf = (_run(["qpdf", "--version"]).splitlines() or ["qpdf: not found"])[0]
    found = {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "kernel": f"{platform.system()} {platform.release()}",
        "debian": debian,
        "swift": _swift(intake),
        "poppler": f"libpoppler-glib8 {_package_version('libpoppler-glib8')}",
        "qpdf": f"{qpdf}, libqpdf {_package_version('libqpdf[0-9]*')}",
    }
    if python:
        found["pikepdf"] = (
            _run(
                [
                    python,
                    "-c",
                    "import pikepdf, platform; print(f'pikepdf {pikepdf.__version__} (its own qpdf "
                    "{pikepdf.__libqpdf_version__}), {platform.python_implementation()} {platform.python_version()}')",
                ]
            )
            or f"no pikepdf in {python}"
        )
    found["load average"] = load_average()
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intake")
    parser.add_argument("--python")
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    found = facts(arguments.intake, arguments.python)
    if arguments.json:
        print(json.dumps(found))
    else:
        for label, text in found.items():
            print(f"{label + ':':14} {text}")


if __name__ == "__main__":
    main()
