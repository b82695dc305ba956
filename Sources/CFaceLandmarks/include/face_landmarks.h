#ifndef INTAKE_FACE_LANDMARKS_H
#define INTAKE_FACE_LANDMARKS_H

/// A C surface over dlib's HOG frontal face detector and its 68-point shape predictor, so Swift never sees C++.
/// Every function catches what dlib throws and reports it through `error`; nothing unwinds into Swift.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The detector and the landmark model, loaded once per process (the 68-point model takes over a second).
typedef struct intake_face_model intake_face_model;

/// One face: its detection box and 68 landmarks (x0, y0, x1, y1, …) in full-image pixel coordinates.
typedef struct intake_face {
    double left, top, right, bottom;
    /// The detector's score; 0 is its default acceptance threshold.
    double confidence;
    double landmarks[136];
} intake_face;

/// Loads the shape predictor at `landmark_model_path` (it must have 68 points). Returns NULL and fills `error` on
/// failure.
intake_face_model *intake_face_model_load(const char *landmark_model_path, char *error, size_t error_capacity);

/// The one release point of a model.
void intake_face_model_free(intake_face_model *model);

/// Finds faces in an 8-bit luminance image of `width` × `height` (rows `stride` bytes apart).
///
/// Detection runs on a copy shrunk so its longer side is at most `detection_side` pixels (0: full size); when
/// that finds nothing it runs again at up to 1600 pixels (upsampled once if the image is smaller than 800), so a
/// small face in a large photo is not missed. Landmarks are always fitted on the full image. Fills up to `capacity` faces,
/// largest first, and returns how many were found (which may exceed `capacity`); -2 when memory ran out, -1 on
/// any other failure, with `error` filled.
int intake_face_detect(
    intake_face_model *model, const uint8_t *gray, int width, int height, int stride, int detection_side,
    intake_face *faces, int capacity, char *error, size_t error_capacity);

#ifdef __cplusplus
}
#endif

#endif
