#ifndef INTAKE_FACE_MESH_H
#define INTAKE_FACE_MESH_H

/// A C surface over Google MediaPipe's face detector (BlazeFace, short range), face mesh (468 points) and iris
/// model (eyelids), run as ONNX files by OpenCV's DNN module, so Swift never sees C++ or OpenCV. Every function
/// catches what OpenCV throws and reports it through `error`; nothing unwinds into Swift.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Both networks, loaded once per process. Not safe to use from two threads at once.
typedef struct intake_mesh_model intake_mesh_model;

/// Points in the mesh: MediaPipe's canonical face mesh topology.
#define INTAKE_MESH_POINTS 468

/// One face: the detector's box, score and six keypoints (image-left eye, image-right eye, nose tip, mouth,
/// image-left ear tragion, image-right ear tragion), in full-image pixels; and the mesh: x, y in full-image pixels
/// and z (depth, in the same pixel scale, smaller is nearer the camera).
typedef struct intake_mesh_face {
    double left, top, right, bottom;
    /// The detector's probability that this is a face (0.5 is its acceptance threshold).
    double confidence;
    double keypoints[12];
    /// 1 when `mesh` is filled in.
    int has_mesh;
    /// The mesh network's probability that its crop shows a face.
    double mesh_confidence;
    double mesh[3 * INTAKE_MESH_POINTS];
} intake_mesh_face;

/// Loads `face_detection_short_range.onnx`, `face_landmark.onnx` and `iris_landmark.onnx` from `folder`. Returns
/// NULL and fills `error` on failure.
intake_mesh_model *intake_mesh_model_load(const char *folder, char *error, size_t error_capacity);

/// The one release point of a model.
void intake_mesh_model_free(intake_mesh_model *model);

/// Finds faces in an 8-bit RGB image of `width` × `height` (rows `stride` bytes apart). Fills up to `capacity`
/// faces, largest first, fits the mesh on each (its presence score tells a face from a false detection),
/// refines the largest face's eyelids with the iris model, and returns how many were found (which may exceed
/// `capacity`); -2 when memory ran out, -1 on any other failure, with `error` filled.
int intake_mesh_detect(
    intake_mesh_model *model, const uint8_t *rgb, int width, int height, int stride, intake_mesh_face *faces,
    int capacity, char *error, size_t error_capacity);

#ifdef __cplusplus
}
#endif

#endif
