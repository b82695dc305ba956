#include "face_landmarks.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

struct intake_face_model {
    dlib::frontal_face_detector detector;
    dlib::shape_predictor landmarks;
};

namespace {

void report(char *error, size_t capacity, const char *message) {
    if (error != nullptr && capacity > 0) {
        std::snprintf(error, capacity, "%s", message);
    }
}

struct scaled_detection {
    dlib::drectangle box;
    double confidence;
};

/// Runs the detector on `image`, mapping boxes back to full-image coordinates by `scale` (image = full × scale).
std::vector<scaled_detection> detect(
    dlib::frontal_face_detector &detector, const dlib::array2d<unsigned char> &image, double scale) {
    std::vector<dlib::rect_detection> found;
    detector(image, found, 0.0);
    std::vector<scaled_detection> result;
    for (const auto &detection : found) {
        const dlib::rectangle &r = detection.rect;
        result.push_back({dlib::drectangle(r.left() / scale, r.top() / scale, (r.right() + 1) / scale - 1,
                                           (r.bottom() + 1) / scale - 1),
                          detection.detection_confidence});
    }
    return result;
}

}  // namespace

extern "C" intake_face_model *intake_face_model_load(
    const char *landmark_model_path, char *error, size_t error_capacity) {
    try {
        auto *model = new intake_face_model;
        try {
            model->detector = dlib::get_frontal_face_detector();
            dlib::deserialize(landmark_model_path) >> model->landmarks;
            if (model->landmarks.num_parts() != 68) {
                throw std::runtime_error(
                    "a shape predictor with " + std::to_string(model->landmarks.num_parts()) +
                    " points, not the 68 the measurements use");
            }
        } catch (...) {
            delete model;
            throw;
        }
        return model;
    } catch (const std::exception &failure) {
        report(error, error_capacity, failure.what());
    } catch (...) {
        report(error, error_capacity, "unknown error loading the landmark model");
    }
    return nullptr;
}

extern "C" void intake_face_model_free(intake_face_model *model) { delete model; }

extern "C" int intake_face_detect(
    intake_face_model *model, const uint8_t *gray, int width, int height, int stride, int detection_side,
    intake_face *faces, int capacity, char *error, size_t error_capacity) {
    if (model == nullptr || gray == nullptr || width <= 0 || height <= 0 || stride < width) {
        report(error, error_capacity, "invalid image");
        return -1;
    }
    try {
        dlib::array2d<unsigned char> full(height, width);
        for (int row = 0; row < height; ++row) {
            std::memcpy(&full[row][0], gray + static_cast<size_t>(row) * stride, static_cast<size_t>(width));
        }

        // Detection on a copy whose longer side is `side` pixels (the full image when it is no larger).
        const int longer = std::max(width, height);
        auto detect_at = [&](int side) {
            if (longer <= side) {
                return detect(model->detector, full, 1.0);
            }
            const double scale = static_cast<double>(side) / longer;
            dlib::array2d<unsigned char> small(
                std::max(1L, std::lround(height * scale)), std::max(1L, std::lround(width * scale)));
            dlib::resize_image(full, small, dlib::interpolate_bilinear());
            return detect(model->detector, small, static_cast<double>(small.nc()) / width);
        };

        std::vector<scaled_detection> detections;
        if (detection_side > 0 && longer > detection_side) {
            detections = detect_at(detection_side);
        }
        if (detections.empty()) {
            if (longer < 800) {
                dlib::array2d<unsigned char> larger;
                dlib::pyramid_up(full, larger, dlib::pyramid_down<2>());
                detections = detect(model->detector, larger, static_cast<double>(larger.nc()) / width);
            } else {
                // A second look for a smaller face, bounded: scanning a 40-megapixel photo in full would take
                // seconds, and faces the rules could accept are far larger than 1/20 of a 1600-pixel side.
                detections = detect_at(1600);
            }
        }
        std::sort(detections.begin(), detections.end(), [](const scaled_detection &a, const scaled_detection &b) {
            return a.box.area() > b.box.area();
        });

        const int count = static_cast<int>(detections.size());
        for (int index = 0; index < std::min(count, capacity); ++index) {
            const scaled_detection &detection = detections[index];
            intake_face &face = faces[index];
            face.left = detection.box.left();
            face.top = detection.box.top();
            face.right = detection.box.right();
            face.bottom = detection.box.bottom();
            face.confidence = detection.confidence;
            const dlib::full_object_detection shape = model->landmarks(full, detection.box);
            for (unsigned long part = 0; part < 68; ++part) {
                const bool fitted = part < shape.num_parts();
                face.landmarks[2 * part] = fitted ? shape.part(part).x() : 0;
                face.landmarks[2 * part + 1] = fitted ? shape.part(part).y() : 0;
            }
        }
        return count;
    } catch (const std::bad_alloc &) {
        report(error, error_capacity, "out of memory in face detection");
        return -2;
    } catch (const std::exception &failure) {
        report(error, error_capacity, failure.what());
    } catch (...) {
        report(error, error_capacity, "unknown error in face detection");
    }
    return -1;
}
