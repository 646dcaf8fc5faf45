"""Anime-faces-synth: PIL-drawn anime faces with known factors in the official HW6 layout.

The official set is ``faces/0.jpg … faces/71313.jpg`` (Crypko crops; the sample code globs
``faces/*`` and resizes to 64×64). Every face here is drawn from explicit factors: hair colour
and style, eye colour and size, skin tone, mouth, background colour and pattern. A small pose
(rotation, scale, shift), colour jitter, the fringe's strands, blush and clothes vary on top.
Faces are drawn at ``SUPERSAMPLE`` times the output size and downsampled with a Lanczos filter.

:func:`render` draws one face from a :class:`Factors`, so HW8 can pass unseen values (a colour
factor also takes an ``(r, g, b)`` triple) or add occlusions. The per-image factor table (what
the grader's feature and attribute networks learn from) is written only when ``answers_dir``
is given, never into the data folder.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from course_utils.data import secret
from course_utils.data.hw06 import FACTORS_FILE, REFERENCE_FILE, THUMBNAILS_FILE, thumbnail

VERSION = 1
SEED = 2022

RGB = tuple[int, int, int]

# ---- factors (name -> colour) -------------------------------------------------------------
HAIR_COLOURS: dict[str, RGB] = {
    "black": (45, 40, 55), "brown": (125, 78, 45), "blonde": (240, 210, 115),
    "red": (210, 50, 45), "pink": (245, 145, 195), "blue": (60, 110, 220),
    "green": (65, 165, 90), "purple": (135, 80, 190),
}
HAIR_STYLES = ("short", "long", "twintails", "buns")
EYE_COLOURS: dict[str, RGB] = {
    "blue": (45, 120, 225), "green": (40, 165, 85), "red": (215, 40, 50),
    "amber": (235, 160, 35), "purple": (150, 70, 205), "brown": (125, 75, 40),
}
EYE_SIZES = {"small": 0.8, "medium": 1.0, "large": 1.2}  # scale of the eye's width and height
SKINS: dict[str, RGB] = {
    "porcelain": (255, 236, 226), "peach": (252, 216, 188), "tan": (228, 182, 142),
    "brown": (172, 122, 88),
}
MOUTHS = ("smile", "grin", "flat", "oh")
BACKGROUNDS: dict[str, RGB] = {
    "white": (244, 244, 244), "sky": (170, 210, 240), "pink": (245, 200, 215),
    "mint": (190, 230, 200), "lemon": (245, 235, 170), "lavender": (210, 195, 240),
}
PATTERNS = ("plain", "gradient", "stripes", "dots")
CLOTHES: tuple[RGB, ...] = ((40, 50, 90), (35, 35, 40), (235, 235, 235), (120, 35, 50),
                            (120, 120, 130), (40, 110, 120))  # a nuisance, not a factor

# ---- size and jitter knobs ------------------------------------------------------------------
N_FACES = 5000          # official: 71,314
N_REFERENCE = 1000      # real faces of another stream, in the answer folder: the FID's reference
SIZE = 64               # output side in pixels (the grading profile uses 32)
SUPERSAMPLE = 4         # drawn at SUPERSAMPLE × SIZE, then downsampled (antialiasing)
JPEG_QUALITY = 95
ROTATION = 6.0          # head roll in degrees, ±
SCALE = (1.0, 1.12)     # head size, uniform
SHIFT = 0.03            # head offset, share of the image side, ± in x and y
COLOUR_JITTER = 14      # per-channel offset of hair, eye, clothes and background colours, ±
SKIN_JITTER = 6         # per-channel offset of the skin colour, ±
BLUSH = 0.5             # probability of blushed cheeks
FRINGE_STRANDS = (4, 7)  # strands in the fringe (min, max)
LINE = 0.010            # outline width, share of the drawing's side
# Per hair style: where the back hair ends and where the side locks end (unit height).
BACK_HAIR_END = {"short": 0.76, "long": 1.02, "twintails": 0.66, "buns": 0.70}
LOCK_END = {"short": 0.70, "long": 0.84, "twintails": 0.68, "buns": 0.66}


@dataclass(frozen=True)
class Factors:
    """What a face shows. Colour factors are a name from their table or an (r, g, b) triple."""

    hair_colour: str | RGB
    hair_style: str
    eye_colour: str | RGB
    eye_size: str
    skin: str | RGB
    mouth: str
    background: str | RGB
    pattern: str

    def __post_init__(self):
        for name, values in FACTOR_VALUES.items():
            value = getattr(self, name)
            triple = name in COLOUR_FACTORS and not isinstance(value, str) and len(value) == 3
            if value not in values and not triple:
                raise ValueError(f"{name} must be one of {', '.join(values)}"
                                 + (" or an (r, g, b) triple" if name in COLOUR_FACTORS else "")
                                 + f", not {value!r}")


COLOUR_FACTORS = ("hair_colour", "eye_colour", "skin", "background")
FACTOR_VALUES: dict[str, tuple[str, ...]] = {
    "hair_colour": tuple(HAIR_COLOURS), "hair_style": HAIR_STYLES,
    "eye_colour": tuple(EYE_COLOURS), "eye_size": tuple(EYE_SIZES), "skin": tuple(SKINS),
    "mouth": MOUTHS, "background": tuple(BACKGROUNDS), "pattern": PATTERNS,
}


def sample_factors(rng: np.random.RandomState) -> Factors:
    """Every factor drawn uniformly from its values."""
    return Factors(**{name: values[rng.randint(len(values))]
                      for name, values in FACTOR_VALUES.items()})


# ---- colours ----------------------------------------------------------------------------------
def _colour(value: str | RGB, table: dict[str, RGB]) -> RGB:
    return table[value] if isinstance(value, str) else tuple(int(c) for c in value)


def _jitter(rng: np.random.RandomState, colour: RGB, amount: float) -> RGB:
    return tuple(int(min(max(c + d, 0), 255))
                 for c, d in zip(colour, rng.uniform(-amount, amount, 3), strict=True))


def _shade(colour: RGB, factor: float) -> RGB:
    return tuple(int(min(255, c * factor)) for c in colour)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b, strict=True))


@dataclass(frozen=True)
class _Look:
    """The jittered colours and strands of one face (drawn from the factors and ``rng``)."""

    hair: RGB
    skin: RGB
    eye: RGB
    clothes: RGB
    blush: bool
    fringe: tuple[tuple[float, float], ...]  # (x, y) of the fringe's lower edge, right to left


def _look(factors: Factors, rng: np.random.RandomState) -> _Look:
    n = rng.randint(FRINGE_STRANDS[0], FRINGE_STRANDS[1] + 1)
    xs = np.linspace(0.71, 0.29, 2 * n + 1) + rng.uniform(-0.012, 0.012, 2 * n + 1)
    tips = rng.uniform(0.44, 0.49, 2 * n + 1)
    roots = rng.uniform(0.35, 0.40, 2 * n + 1)
    ys = np.where(np.arange(2 * n + 1) % 2 == 1, tips, roots)
    ys[0], ys[-1] = 0.50, 0.50  # where the side locks begin
    return _Look(
        hair=_jitter(rng, _colour(factors.hair_colour, HAIR_COLOURS), COLOUR_JITTER),
        skin=_jitter(rng, _colour(factors.skin, SKINS), SKIN_JITTER),
        eye=_jitter(rng, _colour(factors.eye_colour, EYE_COLOURS), COLOUR_JITTER),
        clothes=_jitter(rng, CLOTHES[rng.randint(len(CLOTHES))], COLOUR_JITTER),
        blush=bool(rng.rand() < BLUSH),
        fringe=tuple(zip(xs.round(4).tolist(), ys.round(4).tolist(), strict=True)),
    )


# ---- drawing (unit coordinates: (0, 0) top left, (1, 1) bottom right) ---------------------
class _Pen:
    """An ImageDraw that takes unit coordinates of the upright head and draws them posed: rolled
    by ``angle`` degrees, scaled by ``scale`` and shifted by ``shift`` about the image centre.
    Ellipses and arcs keep their axes upright (a roll of a few degrees hardly shows on them)."""

    def __init__(self, image: Image.Image, angle: float, scale: float, shift: tuple[float, float]):
        self.draw, self.s = ImageDraw.Draw(image), image.width
        self.scale, self.shift = scale, shift
        self.cos, self.sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        self.line = max(1, round(LINE * self.s * scale))

    def _px(self, points) -> list[tuple[float, float]]:
        out = []
        for x, y in points:
            u, v = (x - 0.5) * self.scale, (y - 0.5) * self.scale
            out.append(((0.5 + self.shift[0] + self.cos * u - self.sin * v) * self.s,
                        (0.5 + self.shift[1] + self.sin * u + self.cos * v) * self.s))
        return out

    def _box(self, cx: float, cy: float, rx: float, ry: float) -> list[float]:
        (x, y), = self._px([(cx, cy)])
        rx, ry = rx * self.scale * self.s, ry * self.scale * self.s
        return [x - rx, y - ry, x + rx, y + ry]

    def _width(self, width: float) -> int:
        return max(1, round(width * self.scale * self.s))

    def polygon(self, points, fill: RGB, outline: RGB | None = None) -> None:
        px = self._px(points)
        self.draw.polygon(px, fill=fill)
        if outline is not None:
            self.draw.line(px + px[:1], fill=outline, width=self.line, joint="curve")

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: RGB | None,
                outline: RGB | None = None, width: float = LINE) -> None:
        self.draw.ellipse(self._box(cx, cy, rx, ry), fill=fill, outline=outline,
                          width=self._width(width))

    def arc(self, cx: float, cy: float, rx: float, ry: float, start: float, end: float,
            fill: RGB, width: float) -> None:
        self.draw.arc(self._box(cx, cy, rx, ry), start, end, fill=fill, width=self._width(width))

    def chord(self, cx: float, cy: float, rx: float, ry: float, fill: RGB, outline: RGB) -> None:
        """The lower half of an ellipse, filled."""
        self.draw.chord(self._box(cx, cy, rx, ry), 0, 180, fill=fill, outline=outline,
                        width=self.line)

    def lines(self, points, fill: RGB, width: float) -> None:
        self.draw.line(self._px(points), fill=fill, width=self._width(width), joint="curve")


def _arc_points(cx: float, cy: float, rx: float, ry: float, start: float, end: float,
                n: int = 12) -> list[tuple[float, float]]:
    """Points on an ellipse from ``start`` to ``end`` degrees (PIL's: 0 right, 90 down)."""
    ts = np.radians(np.linspace(start, end, n))
    return [(cx + rx * math.cos(t), cy + ry * math.sin(t)) for t in ts]


def _mirror(points) -> list[tuple[float, float]]:
    return [(1 - x, y) for x, y in points]


def _back_hair(pen: _Pen, style: str, look: _Look) -> None:
    """The hair behind the head: a bob (also under tails and buns) or long hair, and buns."""
    dark = _shade(look.hair, 0.55)
    if style == "buns":
        for cx in (0.29, 0.71):
            pen.ellipse(cx, 0.17, 0.09, 0.085, look.hair, dark)
    bottom = BACK_HAIR_END[style]
    cap = _arc_points(0.5, 0.44, 0.33, 0.31, 160, 380)
    flare = 0.04 if style == "long" else 0.0
    pen.polygon(cap + [(0.83 + flare, bottom), (0.17 - flare, bottom)], look.hair, dark)


def _twintails(pen: _Pen, look: _Look) -> None:
    """Two tails tied high on the head, hanging over the shoulders."""
    tail = [(0.25, 0.24), (0.15, 0.23), (0.08, 0.32), (0.05, 0.50), (0.06, 0.70),
            (0.10, 0.88), (0.14, 1.01), (0.16, 0.86), (0.16, 0.66), (0.18, 0.48),
            (0.22, 0.35), (0.26, 0.30)]
    for points in (tail, _mirror(tail)):
        pen.polygon(points, look.hair, _shade(look.hair, 0.55))
    for cx in (0.235, 0.765):
        pen.ellipse(cx, 0.265, 0.032, 0.032, (230, 60, 80), _shade(look.hair, 0.4))


def _body(pen: _Pen, look: _Look) -> None:
    """Neck, shoulders and a collar."""
    neck = _shade(look.skin, 0.88)
    pen.polygon([(0.44, 0.74), (0.56, 0.74), (0.57, 0.92), (0.43, 0.92)], neck,
                _shade(look.skin, 0.6))
    shoulders = [(0.06, 1.02), (0.14, 0.91), (0.38, 0.87), (0.5, 0.95), (0.62, 0.87),
                 (0.86, 0.91), (0.94, 1.02)]
    pen.polygon(shoulders, look.clothes, _shade(look.clothes, 0.5))
    collar = _mix(look.clothes, (255, 255, 255), 0.7)
    pen.polygon([(0.39, 0.87), (0.5, 0.99), (0.61, 0.87), (0.56, 0.87), (0.5, 0.94),
                 (0.44, 0.87)], collar)


def _face(pen: _Pen, look: _Look) -> None:
    """The skin: wide cheeks and a pointed anime chin, nose and blush."""
    side = [(0.285, 0.36), (0.285, 0.60), (0.30, 0.68), (0.35, 0.76), (0.43, 0.815),
            (0.5, 0.835)]
    pen.polygon(side + _mirror(side[::-1]), look.skin, _shade(look.skin, 0.6))
    if look.blush:
        pink = _mix(look.skin, (255, 110, 130), 0.35)
        for cx in (0.365, 0.635):
            pen.ellipse(cx, 0.685, 0.04, 0.016, pink)
    pen.lines([(0.505, 0.678), (0.498, 0.69)], _shade(look.skin, 0.7), 0.008)


def _eye(pen: _Pen, cx: float, side: int, size: float, look: _Look) -> None:
    """One big anime eye: sclera, a two-tone iris, pupil, highlights and a thick lash."""
    cy, ew, eh = 0.605, 0.062 * size, 0.072 * size
    pen.ellipse(cx, cy + 0.05 * eh, ew, 0.95 * eh, (255, 255, 255))
    pen.ellipse(cx, cy + 0.08 * eh, 0.78 * ew, 0.88 * eh, _shade(look.eye, 0.6))
    pen.ellipse(cx, cy + 0.4 * eh, 0.6 * ew, 0.5 * eh, _mix(look.eye, (255, 255, 255), 0.25))
    pen.ellipse(cx, cy + 0.05 * eh, 0.32 * ew, 0.42 * eh, _shade(look.eye, 0.25))
    pen.ellipse(cx - 0.3 * ew, cy - 0.35 * eh, 0.26 * ew, 0.26 * ew, (255, 255, 255))
    pen.ellipse(cx + 0.35 * ew, cy + 0.5 * eh, 0.13 * ew, 0.13 * ew, (255, 255, 255))
    outer = _arc_points(cx, cy + 0.05 * eh, 1.12 * ew, 1.05 * eh, 190, 350)
    inner = _arc_points(cx, cy + 0.05 * eh, 1.02 * ew, 0.80 * eh, 350, 190)
    flick = (cx + side * 1.25 * ew, cy - 0.55 * eh)
    lash = outer + inner
    lash.insert(0 if side < 0 else len(outer), flick)
    pen.polygon(lash, (30, 25, 35))


def _mouth(pen: _Pen, mouth: str, look: _Look) -> None:
    """A smile, an open grin, a flat line or a small 'oh'."""
    ink, inside = _shade(look.skin, 0.4), (150, 40, 55)
    if mouth == "smile":
        pen.arc(0.5, 0.735, 0.035, 0.02, 20, 160, ink, 0.009)
    elif mouth == "grin":
        pen.chord(0.5, 0.728, 0.04, 0.04, inside, ink)
        pen.ellipse(0.5, 0.76, 0.018, 0.008, (235, 120, 130))
    elif mouth == "flat":
        pen.lines([(0.478, 0.745), (0.522, 0.745)], ink, 0.009)
    else:
        pen.ellipse(0.5, 0.748, 0.014, 0.018, inside, ink, 0.006)


def _front_hair(pen: _Pen, style: str, look: _Look) -> None:
    """The crown, the fringe with its strands, side locks and a shine band."""
    lock = LOCK_END[style]
    crown = _arc_points(0.5, 0.44, 0.31, 0.29, 180, 360)
    right_lock = [(0.80, 0.47), (0.79, lock), (0.74, 0.60)]
    left_lock = [(0.26, 0.60), (0.21, lock), (0.20, 0.47)]
    pen.polygon(crown + right_lock + list(look.fringe) + left_lock, look.hair,
                _shade(look.hair, 0.55))
    shine = _mix(look.hair, (255, 255, 255), 0.45)
    pen.arc(0.5, 0.40, 0.22, 0.17, 215, 325, shine, 0.018)


def _background(factors: Factors, rng: np.random.RandomState, s: int) -> Image.Image:
    """A plain, gradient, striped or dotted background in the factor's colour."""
    colour = np.array(_jitter(rng, _colour(factors.background, BACKGROUNDS), COLOUR_JITTER),
                      dtype=np.float32)
    y, x = np.arange(s, dtype=np.float32)[:, None] / s, np.arange(s, dtype=np.float32) / s
    if factors.pattern == "gradient":
        light = np.broadcast_to(1.05 - 0.25 * y, (s, s))
    elif factors.pattern == "stripes":
        light = 1.0 - 0.12 * (((x + y) * 8 + rng.uniform()) % 1 < 0.5)
    elif factors.pattern == "dots":
        u, v = (x * 6 + rng.uniform()) % 1 - 0.5, (y * 6 + rng.uniform()) % 1 - 0.5
        light = 1.0 - 0.12 * (u * u + v * v < 0.04)
    else:
        light = np.ones((s, s), np.float32)
    pixels = np.minimum(light[..., None] * colour, 255)
    return Image.fromarray(pixels.astype(np.uint8))


def render(factors: Factors, rng: np.random.RandomState, size: int = SIZE) -> Image.Image:
    """One ``size``×``size`` RGB face showing ``factors``; ``rng`` draws the jitter."""
    look = _look(factors, rng)
    image = _background(factors, rng, size * SUPERSAMPLE)
    pen = _Pen(image, rng.uniform(-ROTATION, ROTATION), rng.uniform(*SCALE),
               tuple(rng.uniform(-SHIFT, SHIFT, 2)))
    _back_hair(pen, factors.hair_style, look)
    _body(pen, look)
    if factors.hair_style == "twintails":
        _twintails(pen, look)
    _face(pen, look)
    for cx, side in ((0.395, -1), (0.605, 1)):
        _eye(pen, cx, side, EYE_SIZES[factors.eye_size], look)
    _mouth(pen, factors.mouth, look)
    _front_hair(pen, factors.hair_style, look)
    return image.resize((size, size), Image.LANCZOS)


def draw_faces(seed: secret.Seed = SEED, n_faces: int = N_FACES, size: int = SIZE,
               stream: int = 0) -> Iterator[tuple[Factors, Image.Image]]:
    """The data set's stream (``stream=1``: the grader's reference faces): its first
    ``n_faces`` faces, with their factors, before JPEG."""
    rng = secret.rng(seed, stream)
    for _ in range(n_faces):
        factors = sample_factors(rng)
        yield factors, render(factors, rng, size)


def generate(data_dir: str | Path, answers_dir: str | Path | None = None,
             seed: secret.Seed = SEED, n_faces: int = N_FACES, size: int = SIZE) -> None:
    """Write ``faces/0.jpg … faces/{n_faces-1}.jpg``; with ``answers_dir``, also the factor
    table, the grader's ``N_REFERENCE`` reference faces (uint8, before JPEG) and thumbnails of
    the data faces (to flag submissions that copy them)."""
    folder = Path(data_dir) / "faces"
    folder.mkdir(parents=True, exist_ok=True)
    rows, thumbnails = [], []
    for i, (factors, face) in enumerate(draw_faces(seed, n_faces, size)):
        face.save(folder / f"{i}.jpg", "JPEG", quality=JPEG_QUALITY)
        rows.append([f"{i}.jpg", *astuple(factors)])
        thumbnails.append(thumbnail(np.asarray(face)))
    if answers_dir is not None:
        answers = Path(answers_dir)
        answers.mkdir(parents=True, exist_ok=True)
        with (answers / FACTORS_FILE).open("w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["file", *(field.name for field in fields(Factors))])
            writer.writerows(rows)
        reference = [np.asarray(face) for _, face in draw_faces(seed, N_REFERENCE, size, stream=1)]
        np.save(answers / REFERENCE_FILE, np.stack(reference))
        np.save(answers / THUMBNAILS_FILE, np.stack(thumbnails))
