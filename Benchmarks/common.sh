# Shared by the Benchmarks/run*.sh scripts (sourced, not run): Debian packages, the Python venv and the release
# binaries, each written once. Sourcing scripts run from the package root with `set -euo pipefail`.
#
# INTAKE and INTAKE_BENCH, when set, name binaries to use instead of building (e.g. another clone's
# .build-bench/release/intake); `intake-bench check` needs the `intake` beside it in the same folder.

if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi

# apt_install PACKAGE…: installs those not installed yet (CI machines are clean); output on stderr.
apt_install() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  $sudo apt-get update >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

# release_intake: sets INTAKE to an absolute path, building the product in release in its own scratch path
# (.build-bench, so it neither replaces the debug build in .build nor waits on its lock) unless INTAKE is set.
release_intake() {
  if [ -z "${INTAKE:-}" ]; then
    swift build -c release --scratch-path .build-bench --product intake >&2
    INTAKE=$PWD/.build-bench/release/intake
  fi
  INTAKE=$(realpath "$INTAKE")
  export INTAKE
}

# release_intake_bench: sets INTAKE_BENCH likewise; the build makes `intake` too, since `intake-bench check` runs
# the `intake` beside it as its inspector child.
release_intake_bench() {
  if [ -z "${INTAKE_BENCH:-}" ]; then
    swift build -c release --scratch-path .build-bench --product intake >&2
    swift build -c release --scratch-path .build-bench --product intake-bench >&2
    INTAKE_BENCH=$PWD/.build-bench/release/intake-bench
  fi
  INTAKE_BENCH=$(realpath "$INTAKE_BENCH")
  export INTAKE_BENCH
}
