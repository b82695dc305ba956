#!/usr/bin/env python3
"""Makes the face-photo fixtures in Tests/Fixtures/Photos/ (and the sample applications' photo.jpg) from real
photographs that ship inside the scikit-image wheel (no download): skimage.data.astronaut(), chelsea(), coffee().

Run as `.venv/bin/python scripts/make-photos.py` (scripts/ensure-photo-tools.sh makes .venv with scikit-image and
Pillow). Deterministic: no randomness; the same package versions give the same bytes.

The good photo is NASA's portrait of Eileen Collins, levelled (de-rolled), scaled and framed to the residence-card
photo specification, with the studio backdrop (and the flag/shuttle beside it) replaced by a plain light
background: the person is cut out with a hand-authored polygon (PERSON below, in astronaut() pixel coordinates)
whose mask is feathered (gaussian, sigma 1.5 output px). Inside the mask the pixels are the photograph's own
(resampled once, bicubic). Every variant carries one defect relative to good; PROVENANCE.md lists them.
"""
import importlib.util
import io
import math
import shutil
import sys
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage
from skimage import data, draw, filters, transform

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "Photos"
SAMPLES = ROOT / "SampleDocs"
BG = np.array([236, 236, 236], dtype=np.float64) / 255.0
QUALITY = 90
# The portrait's skin is bright (face mean luminance ~178 of 255); a mild tone curve on the photograph (about
# -0.3 EV in the mid-tones) puts the face mid-range (~160) with room on both sides. Highlights stay unclipped.
TONE_GAMMA = 1.2
# Pixel defects, each the strongest that dlib's frontal detector still finds a face in (checked with its HOG
# detector and 68-point landmarks): blur sigma in output px (still found at 6), luminance gamma for the dark face
# (face mean ~35), highlight curve 1-(1-x)**g for the washed-out face (~55 % of face pixels >= 250).
BLUR_SIGMA = 4.0
DARK_GAMMA = 6.5
OVER_GAMMA = 4.0
# Heavy pixel defects, each past the point where dlib's detector loses the face (it does from blur sigma 8 and from
# a gain of 2): the photo rules must still name the cause, not only "no face".
HEAVY_BLUR_SIGMA = 10.0
HEAVY_OVER_GAIN = 2.5      # about +1.3 EV
CAT_CX = 0.5   # where the 3:4 crop of chelsea() is centred (her face fills it)

# Landmarks of astronaut() from dlib's 68-point shape predictor (mean of points 36-41 / 42-47 = eye centres, point 8
# = chin), and the crown (top of the hair) read off the picture by eye.
EYE_L = (203.2, 101.5)   # image-left eye (the subject's right eye)
EYE_R = (246.8, 104.0)
CHIN = (221.0, 178.0)
CROWN = (230.0, 15.5)

# The person (hair, face, neck, suit collar ring, suit, and the helmet held at the bottom right) as a polygon in
# astronaut() pixels (x, y), clockwise from the crown. Everything outside it is backdrop, flag, shuttle or table.
PERSON = [
    # hair, crown to the right
    (222, 15.5), (230, 14.5), (240, 15.5), (250, 18.5), (258, 22.5), (266, 27.5), (274, 33), (282, 40), (288, 48),
    (293, 58), (297, 68), (300, 78), (301.5, 88), (300.5, 97), (297.5, 106), (292, 114), (286, 122), (279, 130),
    (272, 136),
    # right cheek and jaw down to the collar ring
    (265, 135), (262, 140), (261, 150), (259, 160), (256, 168), (255, 172),
    # collar ring, right
    (256, 172), (260, 174), (265, 178), (271, 183), (277, 189), (283, 195), (287, 200), (290, 205), (293, 210),
    (295.5, 215), (297.5, 221), (299, 227), (300.5, 233),
    # right shoulder and arm
    (303, 237), (308, 240), (315, 243), (325, 250), (335, 258), (343, 268), (348, 280), (352, 295), (356, 310), (359, 325),
    (361, 340),
    # helmet held at the bottom right
    (365, 348), (385, 347), (405, 349), (425, 354), (445, 363), (458, 374), (470, 389), (479, 406), (487, 425),
    (492, 445), (497, 458), (511, 462), (513, 513),
    # bottom, then the left arm up to the shoulder
    (28, 513), (26, 480), (24, 440), (22, 400), (23, 370), (26, 345), (30, 325), (36, 305), (42, 285), (50, 265),
    (58, 250), (70, 237), (85, 225), (95, 218), (105, 212), (110, 208),
    # collar ring fitting and ring, left
    (111, 196), (113, 188), (117, 183), (121, 181), (123, 178), (125, 173), (128, 168), (131, 163), (135, 158),
    (140, 154), (146, 151), (153, 148), (160, 146.5), (170, 145.5), (178, 145.5), (184, 146),
    # left cheek
    (183, 140), (182, 130), (181, 121),
    # hair, left side up to the crown
    (172, 117), (165, 112), (159, 105), (155, 97), (153, 88), (153, 76), (155, 66), (160, 58), (166, 51), (172, 46),
    (180, 42), (186, 38), (190, 31), (196, 26), (203, 22), (212, 18.5),
]


def to_float(img):
    return np.asarray(img, dtype=np.float64) / 255.0


def to_u8(img):
    return np.clip(np.rint(np.asarray(img) * 255.0), 0, 255).astype(np.uint8)


class Person:
    """astronaut() and its person mask, optionally mirrored left-right."""

    def __init__(self, mirror=False):
        src = to_float(data.astronaut()) ** TONE_GAMMA
        h, w = src.shape[:2]
        rows, cols = draw.polygon([p[1] for p in PERSON], [p[0] for p in PERSON], shape=(h, w))
        mask = np.zeros((h, w))
        mask[rows, cols] = 1.0
        pts = {"eye_l": EYE_L, "eye_r": EYE_R, "chin": CHIN, "crown": CROWN}
        if mirror:
            src, mask = src[:, ::-1], mask[:, ::-1]
            pts = {k: (w - 1 - x, y) for k, (x, y) in pts.items()}
            pts["eye_l"], pts["eye_r"] = pts["eye_r"], pts["eye_l"]
        self.src, self.mask, self.pts = src, mask, pts
        self.locate()

    def locate(self):
        """The eye midpoint and the roll of the eye line, from self.pts."""
        (lx, ly), (rx, ry) = self.pts["eye_l"], self.pts["eye_r"]
        self.eye_mid = np.array([(lx + rx) / 2, (ly + ry) / 2])
        self.roll = math.atan2(ry - ly, rx - lx)  # radians; positive = the image-right eye is lower

    def levelled(self, name):
        """(dx, dy) of a point from the eye midpoint once the eye line is levelled."""
        v = np.array(self.pts[name]) - self.eye_mid
        c, s = math.cos(-self.roll), math.sin(-self.roll)
        return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])

    def head_height(self):
        return self.levelled("chin")[1] - self.levelled("crown")[1]

    def crown_above_eyes(self):
        return -self.levelled("crown")[1]

    def render(self, W, H, scale, eye_out, tilt_deg=0.0, backdrop="plain"):
        """Levels the eye line, turns by tilt_deg (positive = clockwise as seen), scales, puts the eye midpoint at
        eye_out (x, y) of a W×H canvas. Returns floats in 0..1. backdrop: "plain" composites over BG; "original"
        keeps the photograph's own backdrop; an array (H, W, 3) composites over it."""
        rot = -self.roll + math.radians(tilt_deg)
        t = transform.SimilarityTransform(scale=scale, rotation=rot)
        off = np.array(eye_out) - t(self.eye_mid[None, :])[0]
        t = transform.SimilarityTransform(scale=scale, rotation=rot, translation=off)
        inv = t.inverse
        if isinstance(backdrop, str) and backdrop == "original":
            return transform.warp(self.src, inv, output_shape=(H, W), order=3, mode="reflect")
        person = transform.warp(self.src, inv, output_shape=(H, W), order=3, mode="edge")
        alpha = transform.warp(self.mask, inv, output_shape=(H, W), order=1, mode="constant", cval=0.0)
        alpha = filters.gaussian(alpha, sigma=1.5)[..., None]
        back = np.broadcast_to(BG, (H, W, 3)) if isinstance(backdrop, str) else backdrop
        return np.clip(alpha * person + (1 - alpha) * back, 0, 1)

    def frame(self, W, H, head_ratio, top_margin, centre_x=0.5, tilt_deg=0.0, backdrop="plain"):
        """Frames the head: crown-to-chin = head_ratio·H, crown top_margin·H below the top edge, eye midpoint at
        centre_x·W."""
        scale = head_ratio * H / self.head_height()
        eye_y = top_margin * H + scale * self.crown_above_eyes()
        return self.render(W, H, scale, (centre_x * W - 0.5, eye_y), tilt_deg, backdrop)


THUMBOR = ROOT / ".venv" / "sources" / "thumbor-7.8.0.tar.gz"   # fetched by scripts/ensure-photo-tools.sh


def thumbor_photo(member):
    """A photograph from the thumbor 7.8.0 source archive (member: its path inside thumbor-7.8.0/), RGB floats."""
    with tarfile.open(THUMBOR) as tar:
        raw = tar.extractfile("thumbor-7.8.0/" + member).read()
    return to_float(Image.open(io.BytesIO(raw)).convert("RGB"))


class Cutout(Person):
    """A person cut out of their backdrop by a colour key instead of a drawn polygon.

    key = ("green", t): a pixel whose green exceeds both its red and its blue by more than t (of 255) is backdrop
    (grass, leaves); ("bright", t): a pixel lighter than t (luma, of 255) and nearly grey (max − min channel below 40)
    is backdrop (a white wall), and so is anything saturated above the crown (a lamp). The largest region left (after
    an opening of `opening` px, which cuts thin bridges to dark leaves, and the same dilation back) is the person,
    holes filled. `head` = (cx, cy, rx, ry, neck_y) keeps, above neck_y, only what lies inside that ellipse round the
    head (leaves touching the hair). Green spill on the hair's edge is taken out (green clamped to max(red, blue),
    which leaves skin, eyes and dark clothes as they are). `pad_bottom` rows repeat the photograph's last row (the
    clothes), where the 3:4 frame reaches below the photograph. The crown is the mask's top row near the eye midpoint;
    eyes and chin come from the MediaPipe mesh measured on the source (see PEOPLE)."""

    def __init__(self, src, pts, key, opening=2, head=None, pad_bottom=0):
        if pad_bottom:
            src = np.pad(src, ((0, pad_bottom), (0, 0), (0, 0)), mode="edge")
        h, w = src.shape[:2]
        kind, t = key
        if kind == "green":
            fg = (src[..., 1] - np.maximum(src[..., 0], src[..., 2])) * 255.0 < t
        else:
            spread = (src.max(axis=2) - src.min(axis=2)) * 255.0
            wall = (luminance(src) * 255.0 > t) & (spread < 40)
            lamp = (spread > 60) & (np.arange(h)[:, None] < pts["eye_l"][1] * 0.3)
            fg = ~(wall | lamp)
        core = ndimage.binary_opening(fg, structure=np.ones((3, 3)), iterations=opening)
        labels, n = ndimage.label(core)
        sizes = ndimage.sum(core, labels, range(1, n + 1))
        person = ndimage.binary_dilation(labels == 1 + int(np.argmax(sizes)), iterations=opening) & fg
        if head is not None:
            cx, cy, rx, ry, neck = head
            yy, xx = np.mgrid[:h, :w]
            person &= (((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1) | (yy >= neck)
        person = ndimage.binary_fill_holes(person)
        despilled = src.copy()
        despilled[..., 1] = np.minimum(src[..., 1], np.maximum(src[..., 0], src[..., 2]))
        self.src = despilled if kind == "green" else src
        self.mask, self.pts = person.astype(np.float64), dict(pts)
        self.locate()
        # The crown: the mask's top row within two eye distances of the eye midpoint (over the eyes on a frontal face;
        # behind them on a turned one).
        x_mid, reach = int(round(self.eye_mid[0])), int(round(2 * math.dist(pts["eye_l"], pts["eye_r"])))
        top = int(np.argmax(person[:, max(0, x_mid - reach):x_mid + reach].any(axis=1)))
        self.pts["crown"] = (float(x_mid), float(top))


class AsFound(Person):
    """A photograph used as it is (no cut-out): only framed, with its own backdrop (render(backdrop="original"))."""

    def __init__(self, src, pts):
        self.src, self.mask, self.pts = src, np.ones(src.shape[:2]), dict(pts)
        self.locate()


def save_jpeg(arr, name, exif=None):
    img = Image.fromarray(to_u8(arr) if arr.dtype != np.uint8 else arr)
    kw = {"quality": QUALITY}
    if exif is not None:
        kw["exif"] = exif
    img.save(OUT / name, "JPEG", **kw)


def date_exif(stamp):
    exif = Image.Exif()
    exif[0x0132] = stamp                       # DateTime (IFD0)
    exif.get_ifd(0x8769)[0x9003] = stamp       # DateTimeOriginal (Exif sub-IFD)
    return exif


def luminance(rgb):
    """ITU-R BT.601 luma, as Pillow's convert("L")."""
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def crop34(img, cx_frac):
    """The tallest 3:4 crop of img, centred at cx_frac of its width (clamped to the image)."""
    h, w = img.shape[:2]
    cw = min(w, h * 3 // 4)
    ch = cw * 4 // 3
    x0 = int(round(min(max(cx_frac * w - cw / 2, 0), w - cw)))
    return img[(h - ch) // 2:(h - ch) // 2 + ch, x0:x0 + cw]


def resize_to(img_u8, W, H):
    return to_u8(transform.resize(to_float(img_u8), (H, W), order=3, anti_aliasing=True))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    me, mirror = Person(), Person(mirror=True)

    # The good photo: 480×640, head 62 % of the height, crown 10 % below the top, face centred, eye line level.
    W, H = 480, 640
    good = to_u8(me.frame(W, H, head_ratio=0.62, top_margin=0.10))
    save_jpeg(good, "good.jpg")
    Image.fromarray(good).save(OUT / "good.png", optimize=False)
    Image.fromarray(good).save(OUT / "good.gif")                   # GIF: a type the spec does not allow
    # The same framing at 600×800, the size the photo benchmark's goal is stated for (a 3.05× enlargement).
    save_jpeg(me.frame(600, 800, head_ratio=0.62, top_margin=0.10), "good-600x800.jpg")

    # Stored as landscape, EXIF Orientation 6 (rotate 90° clockwise to display).
    ex = Image.Exif()
    ex[0x0112] = 6
    stored = Image.fromarray(good).transpose(Image.Transpose.ROTATE_90)    # 90° counter-clockwise
    stored.save(OUT / "good-exif-rotated.jpg", "JPEG", quality=QUALITY, exif=ex)
    # A PNG with an eXIf chunk, Orientation 8 (rotate 90° counter-clockwise to display): stored turned clockwise.
    ex8 = Image.Exif()
    ex8[0x0112] = 8
    Image.fromarray(good).transpose(Image.Transpose.ROTATE_270).save(
        OUT / "good-exif-rotated.png", optimize=False, exif=ex8)

    save_jpeg(good, "too-old.jpg", date_exif("2020:01:15 10:30:00"))
    save_jpeg(good, "recent-date.jpg", date_exif("2026:10:01 09:00:00"))
    # Last saved by a retouching app, as its EXIF Software tag says.
    edited = Image.Exif()
    edited[0x0131] = "Meitu 9.8.1"
    Image.fromarray(good).save(OUT / "edited-by-app.jpg", "JPEG", quality=QUALITY, exif=edited.tobytes(), )

    # Two people: the person and her mirror image side by side on a 600×800 canvas (framed low enough that the
    # helmet each holds stays below the bottom edge).
    W2, H2 = 600, 800
    s2 = 0.38 * H2 / me.head_height()
    eye_y2 = 0.24 * H2 + s2 * me.crown_above_eyes()
    left = me.render(W2, H2, s2, (0.26 * W2, eye_y2))
    both = mirror.render(W2, H2, s2, (0.74 * W2, eye_y2), backdrop=left)
    save_jpeg(both, "two-people.jpg")

    # Framing defects, each rendered from the photograph (no second resampling of good).
    save_jpeg(me.frame(720, 960, head_ratio=0.38, top_margin=0.14), "face-too-small.jpg")
    save_jpeg(me.frame(384, 512, head_ratio=0.86, top_margin=0.02), "face-too-large.jpg")
    save_jpeg(me.frame(W, H, head_ratio=0.62, top_margin=0.10, centre_x=0.30), "off-center.jpg")
    # Cropped through the brows: the crown and the brows are above the photo (a too-tight crop, not a new code).
    save_jpeg(me.frame(W, H, head_ratio=0.90, top_margin=-0.44), "cropped-at-brows.jpg")
    save_jpeg(me.frame(W, H, head_ratio=0.62, top_margin=0.10, tilt_deg=15.0), "tilted.jpg")
    save_jpeg(me.frame(640, 640, head_ratio=0.62, top_margin=0.10), "wrong-aspect.jpg")

    # Pixel defects of good.
    g = to_float(good)
    save_jpeg(filters.gaussian(g, sigma=BLUR_SIGMA, channel_axis=-1), "blurred.jpg")
    # Underexposed: the luminance of every pixel goes to L**DARK_GAMMA with its hue and saturation kept, so the
    # face falls to ~50 while the plain backdrop stays light (a backlit face).
    lum = luminance(g)[..., None]
    save_jpeg(g * (np.maximum(lum, 1e-6) ** (DARK_GAMMA - 1)), "dark.jpg")
    save_jpeg(1 - (1 - g) ** OVER_GAMMA, "overexposed.jpg")   # face washed out towards white
    # Heavy defects, past what the detector still finds a face in: the applicant must be told the cause.
    save_jpeg(filters.gaussian(g, sigma=HEAVY_BLUR_SIGMA, channel_axis=-1), "heavily-blurred.jpg")
    save_jpeg(g * HEAVY_OVER_GAIN, "heavily-overexposed.jpg")   # linear gain, clipped at white
    gray = np.rint(luminance(good)).clip(0, 255).astype(np.uint8)
    save_jpeg(np.repeat(gray[..., None], 3, axis=2), "grayscale.jpg")
    Image.fromarray(gray, "L").save(OUT / "grayscale-1ch.jpg", "JPEG", quality=QUALITY)
    save_jpeg(resize_to(good, 240, 320), "too-few-pixels.jpg")

    # Busy background: the person as in good, in front of the photograph's own flag and shuttle model.
    busy = busy_backdrop(me, W, H, head_ratio=0.62, top_margin=0.10)
    save_jpeg(me.frame(W, H, head_ratio=0.62, top_margin=0.10, backdrop=busy), "busy-background.jpg")
    # A head that fills the frame (69 % of the height, hair a few pixels from the side edges), on plain grey and in
    # front of a real brick wall (skimage's brick(), CC0, at its own contrast): only narrow strips of background show.
    save_jpeg(me.frame(W, H, head_ratio=0.69, top_margin=0.06), "head-fills-frame.jpg")
    save_jpeg(me.frame(W, H, head_ratio=0.69, top_margin=0.06, backdrop=brick_backdrop(W, H)),
              "head-fills-frame-brick.jpg")
    # good, with a brick panel (the middle half of the width) from the top edge to 3 % of the height above the
    # crown, the sides plain: the first row differs from its ends although the hair is far below it.
    panel = np.broadcast_to(BG, (H, W, 3)).copy()
    x0, x1, y1 = W // 4, 3 * W // 4, int(round((0.10 - 0.03) * H))
    panel[:y1, x0:x1] = brick_backdrop(W, H)[:y1, x0:x1]
    save_jpeg(me.frame(W, H, head_ratio=0.62, top_margin=0.10, backdrop=panel), "pattern-above-head.jpg")
    # The photograph's own studio backdrop (mottled grey), kept: a calibration case, not a defect by itself. The crown
    # sits 5.9 % below the top because the photograph has only 15 px of wall above her hair.
    save_jpeg(me.frame(W, H, head_ratio=0.62, top_margin=0.059, backdrop="original"), "studio-backdrop.jpg")

    # A real face turned sideways (about 50°): skimage's camera() (a man at a camera on a tripod, CC0 by Lav
    # Varshney), 3:4 around his head, enlarged to 480×640. Grey, framed as found: other findings come with it.
    cam = Image.fromarray(data.camera()).crop((143, 43, 306, 261)).resize((480, 640), Image.BICUBIC)
    cam.convert("RGB").save(OUT / "turned-sideways.jpg", "JPEG", quality=QUALITY)

    # A second person: matplotlib's sample portrait of Grace Hopper (official U.S. Navy photograph, public domain),
    # 3:4 around her, enlarged to 480×640. Glasses, grey hair, dark uniform; a hat and a flag, so not compliant: a
    # calibration case for the face measures (pose, eyes, brightness, sharpness) on someone else.
    hopper = Image.open(Path(importlib.util.find_spec("matplotlib").origin).parent
                        / "mpl-data" / "sample_data" / "grace_hopper.jpg")
    hopper.crop((31, 0, 481, 600)).resize((480, 640), Image.BICUBIC).save(
        OUT / "second-person-hopper.jpg", "JPEG", quality=QUALITY)

    # No face: a cat and a cup of coffee, 3:4, scaled to 360×480 so that only the face is missing.
    save_jpeg(resize_to(crop34(data.chelsea(), CAT_CX), 360, 480), "no-face-cat.jpg")
    save_jpeg(resize_to(crop34(data.coffee(), 0.5), 360, 480), "no-face-coffee.jpg")

    more_people()

    for app, name in (("APP-2026-0001", "good.jpg"), ("APP-2026-0003", "two-people.jpg")):
        (SAMPLES / app).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(OUT / name, SAMPLES / app / "photo.jpg")
    print(f"photos written to {OUT}")


# More people, from the thumbor 7.8.0 source archive (Wikimedia portraits, each CC BY-SA; PROVENANCE.md). Eye
# centres (mean of each eye's 16 contour points) and chin (point 152) as the MediaPipe mesh places them on the source
# photograph itself (`intake check --json` on the extracted file), in its own pixels. Each is framed as good.jpg and
# put on its plain background; what is left is the pose each was photographed in, which the mesh measures.
PEOPLE = {
    # Filippo Giunchedi: dark hair, full beard, black sweater, in front of dark bamboo leaves (800×533). Facing the
    # camera (yaw 2.9°) with the chin raised: pitch 8.6°.
    "giunchedi": {
        "member": "tests/fixtures/images/Giunchedi%2C_Filippo_January_2015_01.jpg", "scale": 1,
        "eye_l": (365.9, 168.4), "eye_r": (436.3, 171.6), "chin": (399.3, 290.9),
        "key": ("green", 4), "opening": 6, "head": (398, 175, 102, 140, 290), "pad_bottom": 0,
        "head_ratio": 0.62, "top_margin": 0.11,
    },
    # Katherine Maher: blond curly hair, black top, in front of a lawn (800×533). Her head is turned a little to
    # the image's left (yaw −13°: the nose tip at 29 % of the cheek-to-cheek span, not 50 %). The photograph ends
    # 6 % of the frame short of its bottom edge: the last row (her top) is repeated.
    "maher": {
        "member": "thumbor/fixtures/filters/800px-Katherine_Maher.jpg", "scale": 1,
        "eye_l": (331.7, 240.0), "eye_r": (417.9, 244.2), "chin": (368.9, 391.6),
        "key": ("green", 8), "opening": 2, "head": None, "pad_bottom": 40,
        "head_ratio": 0.62, "top_margin": 0.10,
    },
    # Guillaume Paumier: dark hair, grey hoodie, in front of a white wall with a lamp above (3456×4052, used at a
    # quarter: 864×1013). Turned about 45° to the image's right.
    "paumier": {
        "member": "tests/fixtures/images/10_years_of_Wikipedia_by_Guillaume_Paumier.jpg", "scale": 4,
        "eye_l": (535.1, 252.6), "eye_r": (591.4, 245.1), "chin": (560.3, 407.8),
        "key": ("bright", 200), "opening": 2, "head": None, "pad_bottom": 0,
        "head_ratio": 0.62, "top_margin": 0.10,
    },
}


def more_people():
    """For each person in PEOPLE: the portrait framed as good.jpg (480×640, head 62 %, crown 10 % below the top,
    plain light background), and its heavy blur and heavy overexposure (the same defects as heavily-blurred.jpg and
    heavily-overexposed.jpg)."""
    for name, p in PEOPLE.items():
        src = thumbor_photo(p["member"])
        if p["scale"] != 1:
            h, w = src.shape[:2]
            src = np.clip(transform.resize(src, (round(h / p["scale"]), w // p["scale"]), order=3,
                                           anti_aliasing=True), 0, 1)
        pts = {k: p[k] for k in ("eye_l", "eye_r", "chin")}
        person = Cutout(src, pts, p["key"], p["opening"], p["head"], p["pad_bottom"])
        good = to_u8(person.frame(480, 640, head_ratio=p["head_ratio"], top_margin=p["top_margin"]))
        save_jpeg(good, f"person-{name}.jpg")
        g = to_float(good)
        save_jpeg(filters.gaussian(g, sigma=HEAVY_BLUR_SIGMA, channel_axis=-1), f"person-{name}-heavily-blurred.jpg")
        save_jpeg(g * HEAVY_OVER_GAIN, f"person-{name}-heavily-overexposed.jpg")

    # Guido van Rossum: glasses, grey hair, in front of a weathered wooden wall (800×533, 2014), turned about 30° to
    # the image's left. The wall cannot be keyed out from his grey hair, so he keeps it: framed 3:4 as found (head
    # 62 %; the photograph has only 22 px above his hair, so the crown is 3.5 % below the top), other findings come
    # with it.
    guido = AsFound(thumbor_photo("thumbor/fixtures/filters/800px-Guido-portrait-2014.jpg"),
                    {"eye_l": (281.3, 224.3), "eye_r": (371.9, 221.7), "chin": (308.8, 415.8), "crown": (326.6, 22.0)})
    # Quality 75, not 90: the wood's grain alone would take 100 kB.
    Image.fromarray(to_u8(guido.frame(480, 640, head_ratio=0.62, top_margin=0.035, backdrop="original"))).save(
        OUT / "person-guido.jpg", "JPEG", quality=75)


def brick_backdrop(W, H):
    """skimage's brick() (a real brick wall, CC0) scaled to cover W×H, grey in all three channels."""
    brick = transform.resize(data.brick() / 255.0, (H, W), order=3, anti_aliasing=True)
    return np.repeat(np.clip(brick, 0, 1)[..., None], 3, axis=2)


def busy_backdrop(me, W, H, **framing):
    """The photograph's own backdrop as framed for good (studio wall above her head), with the flag that stands
    at the left of the original and its shuttle model (at the right) brought in beside her head. Each piece is
    blended into the wall over a 24 px ramp on its inner edges."""
    back = me.frame(W, H, backdrop="original", **framing)
    src = to_float(data.astronaut()) ** TONE_GAMMA

    def paste(piece, scale, x0, y0, ramp_x, ramp_y):
        p = transform.rescale(piece, scale, order=3, channel_axis=-1)
        h, w = min(p.shape[0], H - y0), min(p.shape[1], W - x0)
        p = p[:h, :w]
        a = np.ones((h, w))
        r = 24
        if ramp_x == "right":
            a *= np.clip((w - 1 - np.arange(w)) / r, 0, 1)[None, :]
        else:
            a *= np.clip(np.arange(w) / r, 0, 1)[None, :]
        if ramp_y:
            a *= np.clip((h - 1 - np.arange(h)) / r, 0, 1)[:, None]
        region = back[y0:y0 + h, x0:x0 + w]
        back[y0:y0 + h, x0:x0 + w] = a[..., None] * p + (1 - a[..., None]) * region

    flag = src[0:215, 0:80]            # the US flag, above the suit's left shoulder
    shuttle = src[0:285, 360:470]      # the shuttle model standing on its table
    paste(flag, 2.0, 0, 0, "right", True)
    s = H / shuttle.shape[0]
    paste(shuttle, s, W - int(round(110 * s)), 0, "left", False)
    return np.clip(back, 0, 1)


if __name__ == "__main__":
    sys.exit(main())
