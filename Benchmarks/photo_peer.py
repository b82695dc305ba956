#!/usr/bin/env python3
"""The peer for `intake bench-photo`: OpenCV's Haar cascade finding faces in the same photos, in process.

A detection-only peer, not the same work as Intake's check. Per photo: read the file, decode it with
`cv2.imdecode` (which applies the EXIF orientation, as Intake does), convert to grey, shrink a copy so its longer
side is 480 pixels (the copy Intake's detector scans), equalise its histogram (as OpenCV's face-detection tutorial
does) and run the frontal-face cascade that ships inside the wheel (`haarcascade_frontalface_default.xml`) for
faces of at least 80 pixels (the window of dlib's detector). No landmarks, no measurements, no second look at
another scale when nothing is found, no rules. One thread (`cv2.setNumThreads(1)`), on the CPU `intake
bench-photo` pinned itself to. One warm-up round, then ROUNDS timed rounds, each photo timed alone.

Needs OpenCV 4: OpenCV 5 moved the Haar cascades out of the main module (`pip install 'opencv-python-headless<5'`).

usage: photo_peer.py --rounds N PHOTO...   (prints one JSON document on stdout: the name, the seconds loading the
cascade took, and per photo, in the order given, the faces found and each round's seconds)
"""

import argparse
import json
import platform
import sys
import time

import cv2
import numpy

DETECTION_SIDE = 480
SMALLEST_FACE = 80


def faces_in(path, cascade):
    """Decodes the photo at `path` and returns how many faces the cascade finds in it."""
    with open(path, "rb") as file:
        data = file.read()
    image = cv2.imdecode(numpy.frombuffer(data, numpy.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"{path}: OpenCV cannot decode it")
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    height, width = gray.shape
    longer = max(width, height)
    if longer > DETECTION_SIDE:
        scale = DETECTION_SIDE / longer
        gray = cv2.resize(gray, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_LINEAR)
    gray = cv2.equalizeHist(gray)
    found = cascade.detectMultiScale(
        gray, scaleFactor=1.1, minNeighbors=5, minSize=(SMALLEST_FACE, SMALLEST_FACE)
    )
    return len(found)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("photos", nargs="+")
    arguments = parser.parse_args()
    cv2.setNumThreads(1)

    start = time.perf_counter()
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    load_seconds = time.perf_counter() - start
    if cascade.empty():
        raise SystemExit("OpenCV could not load haarcascade_frontalface_default.xml")

    faces = [faces_in(photo, cascade) for photo in arguments.photos]  # warm-up: imports, page cache, allocator
    seconds = [[] for _ in arguments.photos]
    for _ in range(arguments.rounds):
        for index, photo in enumerate(arguments.photos):
            began = time.perf_counter()
            faces_in(photo, cascade)
            seconds[index].append(time.perf_counter() - began)

    json.dump(
        {
            "name": f"OpenCV {cv2.__version__} Haar cascade "
            f"({platform.python_implementation()} {platform.python_version()})",
            "load_seconds": load_seconds,
            "photos": [{"faces": count, "seconds": times} for count, times in zip(faces, seconds)],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
