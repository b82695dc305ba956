#include "face_mesh.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

namespace {

/// The detector's square input, and the mesh's.
constexpr int detector_side = 128;
constexpr int mesh_side = 192;
/// MediaPipe's settings for this detector: keep faces above 0.5, merge boxes overlapping by more than 0.3.
constexpr float min_score = 0.5f;
constexpr float min_suppression_iou = 0.3f;
/// The mesh's crop is the detector's box, squared on its longer side and enlarged 1.5×, turned level with the eyes.
constexpr double mesh_roi_scale = 1.5;

void report(char *error, size_t capacity, const char *message) {
    if (error != nullptr && capacity > 0) {
        std::snprintf(error, capacity, "%s", message);
    }
}

struct detection {
    /// Normalised to the letterboxed square: x_min, y_min, x_max, y_max, then six keypoints (x, y).
    float values[16];
    float score;
    float area() const { return std::max(0.f, values[2] - values[0]) * std::max(0.f, values[3] - values[1]); }
};

float overlap(const detection &a, const detection &b) {
    const float left = std::max(a.values[0], b.values[0]), top = std::max(a.values[1], b.values[1]);
    const float right = std::min(a.values[2], b.values[2]), bottom = std::min(a.values[3], b.values[3]);
    const float intersection = std::max(0.f, right - left) * std::max(0.f, bottom - top);
    const float union_area = a.area() + b.area() - intersection;
    return union_area > 0 ? intersection / union_area : 0;
}

/// MediaPipe's SSD anchors for the short-range detector: strides 8, 16, 16, 16 on 128 × 128, two anchors per cell
/// at stride 8 and six at stride 16 (896 in all), all of unit size (the regressors carry the size).
std::vector<cv::Point2f> make_anchors() {
    std::vector<cv::Point2f> anchors;
    const int layers[][2] = {{8, 2}, {16, 6}};
    for (const auto &layer : layers) {
        const int cells = detector_side / layer[0];
        for (int y = 0; y < cells; ++y) {
            for (int x = 0; x < cells; ++x) {
                for (int repeat = 0; repeat < layer[1]; ++repeat) {
                    anchors.emplace_back((x + 0.5f) / cells, (y + 0.5f) / cells);
                }
            }
        }
    }
    return anchors;
}

/// The output of `net` whose element count is `count` (tflite2onnx keeps the tensors, not always their names).
cv::Mat output_of_size(std::vector<cv::Mat> &outputs, size_t count) {
    for (auto &output : outputs) {
        if (output.total() == count) return output.reshape(1, 1);
    }
    throw std::runtime_error("the network has no output of " + std::to_string(count) + " values");
}

float logistic(float x) { return 1.f / (1.f + std::exp(-std::clamp(x, -80.f, 80.f))); }

}  // namespace

struct intake_mesh_model {
    cv::dnn::Net detector;
    cv::dnn::Net mesh;
    cv::dnn::Net iris;
    std::vector<cv::Point2f> anchors = make_anchors();
};

extern "C" intake_mesh_model *intake_mesh_model_load(const char *folder, char *error, size_t error_capacity) {
    try {
        // One thread: the worker runs one inspection per core, and the benchmark's figures are per core.
        cv::setNumThreads(1);
        auto *model = new intake_mesh_model;
        try {
            const std::string base(folder);
            model->detector = cv::dnn::readNetFromONNX(base + "/face_detection_short_range.onnx");
            model->mesh = cv::dnn::readNetFromONNX(base + "/face_landmark.onnx");
            model->iris = cv::dnn::readNetFromONNX(base + "/iris_landmark.onnx");
            if (model->detector.empty() || model->mesh.empty() || model->iris.empty()) {
                throw std::runtime_error("OpenCV read an empty network from " + base);
            }
            for (cv::dnn::Net *net : {&model->detector, &model->mesh, &model->iris}) {
                net->setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
                net->setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
            }
        } catch (...) {
            delete model;
            throw;
        }
        return model;
    } catch (const std::exception &failure) {
        report(error, error_capacity, failure.what());
    } catch (...) {
        report(error, error_capacity, "unknown error loading the face models");
    }
    return nullptr;
}

extern "C" void intake_mesh_model_free(intake_mesh_model *model) { delete model; }

namespace {

/// Faces in the letterboxed image, as MediaPipe's detector graph finds them: decode against the anchors, keep
/// scores above 0.5, and merge overlapping boxes into their score-weighted mean.
std::vector<detection> detect_faces(intake_mesh_model &model, const cv::Mat &rgb, double &scale, double &pad_x,
                                    double &pad_y) {
    const int longer = std::max(rgb.cols, rgb.rows);
    scale = static_cast<double>(detector_side) / longer;
    const int scaled_width = std::max(1, static_cast<int>(std::lround(rgb.cols * scale)));
    const int scaled_height = std::max(1, static_cast<int>(std::lround(rgb.rows * scale)));
    cv::Mat small;
    cv::resize(rgb, small, cv::Size(scaled_width, scaled_height), 0, 0, cv::INTER_AREA);
    cv::Mat square(detector_side, detector_side, CV_8UC3, cv::Scalar(0, 0, 0));
    pad_x = (detector_side - scaled_width) / 2.0;
    pad_y = (detector_side - scaled_height) / 2.0;
    small.copyTo(square(cv::Rect(static_cast<int>(pad_x), static_cast<int>(pad_y), scaled_width, scaled_height)));
    pad_x = static_cast<int>(pad_x);
    pad_y = static_cast<int>(pad_y);
    // The detector takes RGB scaled to -1…1.
    model.detector.setInput(
        cv::dnn::blobFromImage(square, 1 / 127.5, cv::Size(), cv::Scalar(127.5, 127.5, 127.5), false, false));
    std::vector<cv::Mat> outputs;
    model.detector.forward(outputs, model.detector.getUnconnectedOutLayersNames());
    const size_t anchors = model.anchors.size();
    const cv::Mat boxes = output_of_size(outputs, anchors * 16);
    const cv::Mat scores = output_of_size(outputs, anchors);

    std::vector<detection> candidates;
    for (size_t index = 0; index < anchors; ++index) {
        const float score = logistic(scores.at<float>(0, static_cast<int>(index)));
        if (score < min_score) continue;
        const float *raw = boxes.ptr<float>(0) + index * 16;
        const cv::Point2f anchor = model.anchors[index];
        detection found{};
        const float cx = raw[0] / detector_side + anchor.x, cy = raw[1] / detector_side + anchor.y;
        const float w = raw[2] / detector_side, h = raw[3] / detector_side;
        if (w <= 0 || h <= 0) continue;
        found.values[0] = cx - w / 2;
        found.values[1] = cy - h / 2;
        found.values[2] = cx + w / 2;
        found.values[3] = cy + h / 2;
        for (int point = 0; point < 6; ++point) {
            found.values[4 + 2 * point] = raw[4 + 2 * point] / detector_side + anchor.x;
            found.values[5 + 2 * point] = raw[5 + 2 * point] / detector_side + anchor.y;
        }
        found.score = score;
        candidates.push_back(found);
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const detection &a, const detection &b) { return a.score > b.score; });
    std::vector<detection> merged;
    std::vector<bool> used(candidates.size(), false);
    for (size_t first = 0; first < candidates.size(); ++first) {
        if (used[first]) continue;
        detection sum{};
        float weight = 0;
        for (size_t other = first; other < candidates.size(); ++other) {
            if (used[other] || overlap(candidates[first], candidates[other]) <= min_suppression_iou) continue;
            used[other] = true;
            for (int value = 0; value < 16; ++value) sum.values[value] += candidates[other].values[value] *
                                                                          candidates[other].score;
            weight += candidates[other].score;
        }
        for (float &value : sum.values) value /= weight;
        sum.score = candidates[first].score;
        merged.push_back(sum);
    }
    return merged;
}

/// The affine map from a `side` × `side` crop's pixels (u, v) to image points, for a square of `size` image pixels
/// centred on (cx, cy) and turned by `angle`: point = centre + R(angle) · ((u, v) · size / side − size / 2). With
/// `flip`, u runs right to left (the iris model takes left eyes; a right eye is mirrored into one).
cv::Matx23d crop_to_image(double cx, double cy, double size, double angle, int side, bool flip) {
    const double c = std::cos(angle), s = std::sin(angle), step = size / side;
    const double sign = flip ? -1 : 1;
    // With flip, u' = side − u: the u terms change sign and the constant moves by step · side = size.
    const double ox = flip ? size / 2 : -size / 2, oy = -size / 2;
    return cv::Matx23d(sign * step * c, -step * s, cx + c * ox - s * oy, sign * step * s, step * c,
                       cy + s * ox + c * oy);
}

/// Crops `rgb` to `side` × `side` through `map` (crop → image). A crop much larger than `side` is first shrunk by
/// area averaging, so the bilinear warp does not alias.
cv::Mat warp_crop(const cv::Mat &rgb, const cv::Matx23d &map, int side) {
    const double step = std::sqrt(map(0, 0) * map(0, 0) + map(1, 0) * map(1, 0));
    cv::Mat source = rgb;
    double shrink = 1;
    if (step > 1.5) {
        shrink = 1 / step;
        cv::resize(rgb, source, cv::Size(), shrink, shrink, cv::INTER_AREA);
    }
    cv::Mat crop;
    cv::warpAffine(source, crop, map * shrink, cv::Size(side, side), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                   cv::BORDER_REPLICATE);
    return crop;
}

cv::Point2d apply(const cv::Matx23d &map, double u, double v) {
    return {map(0, 0) * u + map(0, 1) * v + map(0, 2), map(1, 0) * u + map(1, 1) * v + map(1, 2)};
}

/// Fits the mesh on the face: a square crop 1.5× the box's longer side, turned so the eyes are level, scaled to
/// 192 × 192. Fills `face.mesh` in full-image pixels.
void fit_mesh(intake_mesh_model &model, const cv::Mat &rgb, intake_mesh_face &face) {
    const double cx = (face.left + face.right) / 2, cy = (face.top + face.bottom) / 2;
    const double size = mesh_roi_scale * std::max(face.right - face.left, face.bottom - face.top);
    const double angle = -std::atan2(face.keypoints[1] - face.keypoints[3], face.keypoints[2] - face.keypoints[0]);
    const cv::Matx23d map = crop_to_image(cx, cy, size, angle, mesh_side, false);
    const cv::Mat crop = warp_crop(rgb, map, mesh_side);
    model.mesh.setInput(cv::dnn::blobFromImage(crop, 1 / 255.0, cv::Size(), cv::Scalar(), false, false));
    std::vector<cv::Mat> outputs;
    model.mesh.forward(outputs, model.mesh.getUnconnectedOutLayersNames());
    const cv::Mat points = output_of_size(outputs, 3 * INTAKE_MESH_POINTS);
    face.mesh_confidence = logistic(output_of_size(outputs, 1).at<float>(0, 0));
    const float *raw = points.ptr<float>(0);
    const double step = size / mesh_side;
    for (int point = 0; point < INTAKE_MESH_POINTS; ++point) {
        const cv::Point2d at = apply(map, raw[3 * point], raw[3 * point + 1]);
        face.mesh[3 * point] = at.x;
        face.mesh[3 * point + 1] = at.y;
        face.mesh[3 * point + 2] = step * raw[3 * point + 2];
    }
    face.has_mesh = 1;
}

/// The mesh points the iris model's first 16 eye-contour points refine, per eye (MediaPipe's iris graph): the
/// lower lid from corner to corner, then the upper lid without the corners. The mesh's eyelids are coarse; the
/// iris model, run on a 64 × 64 crop of each eye, places them where eye openness is read.
constexpr int image_left_eye_contour[16] = {33,  7,   163, 144, 145, 153, 154, 155,
                                            133, 246, 161, 160, 159, 158, 157, 173};
constexpr int image_right_eye_contour[16] = {263, 249, 390, 373, 374, 380, 381, 382,
                                             362, 466, 388, 387, 386, 385, 384, 398};
/// The eye crop: the two corners' extent squared and enlarged 2.3×, turned level with them.
constexpr double iris_roi_scale = 2.3;
constexpr int iris_side = 64;

void refine_eye(intake_mesh_model &model, const cv::Mat &rgb, intake_mesh_face &face, int start, int end,
                const int (&contour)[16], bool flip) {
    const double x0 = face.mesh[3 * start], y0 = face.mesh[3 * start + 1];
    const double x1 = face.mesh[3 * end], y1 = face.mesh[3 * end + 1];
    const double size = iris_roi_scale * std::max(std::abs(x1 - x0), std::abs(y1 - y0));
    if (size < 4) return;  // an eye a few pixels wide: nothing to refine
    const double angle = -std::atan2(y0 - y1, x1 - x0);
    const cv::Matx23d map = crop_to_image((x0 + x1) / 2, (y0 + y1) / 2, size, angle, iris_side, flip);
    const cv::Mat crop = warp_crop(rgb, map, iris_side);
    model.iris.setInput(cv::dnn::blobFromImage(crop, 1 / 255.0, cv::Size(), cv::Scalar(), false, false));
    std::vector<cv::Mat> outputs;
    model.iris.forward(outputs, model.iris.getUnconnectedOutLayersNames());
    const float *raw = output_of_size(outputs, 71 * 3).ptr<float>(0);
    for (int point = 0; point < 16; ++point) {
        const cv::Point2d at = apply(map, raw[3 * point], raw[3 * point + 1]);
        face.mesh[3 * contour[point]] = at.x;
        face.mesh[3 * contour[point] + 1] = at.y;
    }
}

/// Both eyes' lids from the iris model: the image-left eye as it is, the image-right eye mirrored.
void refine_eyes(intake_mesh_model &model, const cv::Mat &rgb, intake_mesh_face &face) {
    refine_eye(model, rgb, face, 33, 133, image_left_eye_contour, false);
    refine_eye(model, rgb, face, 362, 263, image_right_eye_contour, true);
}

}  // namespace

extern "C" int intake_mesh_detect(
    intake_mesh_model *model, const uint8_t *rgb, int width, int height, int stride, intake_mesh_face *faces,
    int capacity, char *error, size_t error_capacity) {
    if (model == nullptr || rgb == nullptr || width <= 0 || height <= 0 || stride < 3 * width) {
        report(error, error_capacity, "invalid image");
        return -1;
    }
    try {
        // A view of the caller's pixels: OpenCV only reads them.
        const cv::Mat image(height, width, CV_8UC3, const_cast<uint8_t *>(rgb), static_cast<size_t>(stride));
        double scale = 1, pad_x = 0, pad_y = 0;
        std::vector<detection> found = detect_faces(*model, image, scale, pad_x, pad_y);
        std::sort(found.begin(), found.end(), [](const detection &a, const detection &b) {
            return a.area() > b.area();
        });
        // From the letterboxed square's 0…1 to full-image pixels.
        auto to_x = [&](float x) { return (x * detector_side - pad_x) / scale; };
        auto to_y = [&](float y) { return (y * detector_side - pad_y) / scale; };
        const int count = static_cast<int>(found.size());
        for (int index = 0; index < std::min(count, capacity); ++index) {
            const detection &detected = found[index];
            intake_mesh_face &face = faces[index];
            face = intake_mesh_face{};
            face.left = to_x(detected.values[0]);
            face.top = to_y(detected.values[1]);
            face.right = to_x(detected.values[2]);
            face.bottom = to_y(detected.values[3]);
            face.confidence = detected.score;
            for (int point = 0; point < 6; ++point) {
                face.keypoints[2 * point] = to_x(detected.values[4 + 2 * point]);
                face.keypoints[2 * point + 1] = to_y(detected.values[5 + 2 * point]);
            }
            fit_mesh(*model, image, face);
            // Only the largest face is measured: its eyelids alone need the iris model's precision.
            if (index == 0 && face.mesh_confidence >= 0.5) refine_eyes(*model, image, face);
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
