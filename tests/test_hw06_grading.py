"""HW6 grading: the image archive, the shipped judges and the FID + AFD + hair-coverage metric,
through ``score_artifact`` and the real grader (``course-grade --artifacts``)."""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from course_datasets import hw06_judges
from course_datasets.hw06_anime_faces import N_REFERENCE, draw_faces, generate
from grader_corpus.corpus import result, sheet
from PIL import Image

from course_utils.data.hw06 import FACTORS_FILE, REFERENCE_FILE, THUMBNAILS_FILE
from course_utils.demos.gan import load_shipped
from course_utils.grading import ArtifactError, cli, load_config, score_artifact
from course_utils.grading.config import tier_order_problem
from course_utils.grading.faces import frechet_distance
from course_utils.grading.images import MAX_MEMBER, read_images
from course_utils.grading.judges import SHIPPED, load_judges
from course_utils.models.gan import FACE_Z_DIM, DCGANGenerator

CONFIG = load_config("hw06")
SPEC = CONFIG.artifact


def _jpeg(image: np.ndarray, **save) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, **{"format": "JPEG", **save})
    return buffer.getvalue()


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _special(name: str, kind: bytes, target: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def _tgz(members: list, compress: bool = True) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if compress else "w") as tar:
        for info, data in members:
            tar.addfile(info, None if data is None else io.BytesIO(data))
    return buffer.getvalue()


def _members(jpegs: list[bytes], folder: str = "") -> list:
    return [_file(f"{folder}{i}.jpg", data) for i, data in enumerate(jpegs, start=1)]


def _archive(images: list[np.ndarray]) -> bytes:
    """The official packing: ``save_image`` JPEGs (quality 75) ``1.jpg …`` at the top level."""
    return _tgz(_members([_jpeg(image) for image in images]))


@pytest.fixture(scope="module")
def face_jpegs() -> list[bytes]:
    """1000 valid 32 px JPEGs (20 distinct faces): for the archive checks, where only the
    packing matters."""
    faces = [_jpeg(np.asarray(face)) for _, face in draw_faces(5, 20, 32)]
    return [faces[i % 20] for i in range(SPEC.count)]


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> Path:
    """An answer key (mini seed 2022): the factor table and the reference faces."""
    root = tmp_path_factory.mktemp("hw06-key")
    generate(root / "data", root / "key", n_faces=4)
    return root / "key"


def _pixels(x: torch.Tensor) -> np.ndarray:
    """A generator's tanh output as the official inference saves it: (x + 1) / 2 to uint8."""
    return ((x + 1) * 127.5 + 0.5).clamp(0, 255).byte().permute(0, 2, 3, 1).numpy()


@pytest.fixture(scope="module")
def cases() -> dict[str, list[np.ndarray]]:
    """1000 images each: real faces the key never saw (64 and 32 px), L06's shipped DCGAN,
    noise, one face repeated, and an untrained DCGAN generator (as the official inference
    writes its images)."""
    real = [np.asarray(face) for _, face in draw_faces(99, SPEC.count, 64)]
    torch.manual_seed(0)
    with torch.no_grad():
        fake = DCGANGenerator().eval()(torch.randn(SPEC.count, FACE_Z_DIM))
    untrained = _pixels(fake)
    G = DCGANGenerator().eval()
    G.load_state_dict(load_shipped("l06_dcgan")["generator"])
    with torch.no_grad():
        dcgan = G(torch.randn(SPEC.count, FACE_Z_DIM, generator=torch.Generator().manual_seed(0)))
    return {
        "real": real,
        "dcgan": list(_pixels(dcgan)),
        "real32": [np.asarray(face) for _, face in draw_faces(98, SPEC.count, 32)],
        "noise": list(np.random.RandomState(0).randint(0, 256, (SPEC.count, 32, 32, 3),
                                                       dtype=np.uint8)),
        "collapsed": [real[0]] * SPEC.count,
        "untrained": list(untrained),
    }


# ---- the archive ---------------------------------------------------------------------------

def _read(tmp_path: Path, raw: bytes) -> dict[str, np.ndarray]:
    path = tmp_path / SPEC.file
    path.write_bytes(raw)
    return read_images(path, SPEC)


def test_the_official_packing_and_an_output_folder_are_read(tmp_path, face_jpegs):
    images = _read(tmp_path, _tgz(_members(face_jpegs)))
    assert list(images) == [str(i) for i in range(1, 1001)]
    assert images["1"].shape == (32, 32, 3) and images["1"].dtype == np.uint8
    hidden = [_file("output/._1.jpg", b"\x00\x05"), _special("output", tarfile.DIRTYPE)]
    in_folder = _read(tmp_path, _tgz(hidden + _members(face_jpegs, "./output/")))
    assert all(np.array_equal(in_folder[k], images[k]) for k in images)


def _huge_header(jpeg: bytes, side: int) -> bytes:
    """The JPEG with its frame header claiming side × side pixels (30000: 2.7 GB decoded)."""
    at = jpeg.index(b"\xff\xc0") + 5  # marker, length (2), precision (1), then height, width
    return jpeg[:at] + side.to_bytes(2, "big") * 2 + jpeg[at + 4:]


BAD = {
    "too few images": (lambda j: _tgz([m for m in _members(j) if m[0].name not in
                                        ("17.jpg", "300.jpg", "1000.jpg")]),
                       "holds 997 of the images; 1.jpg … 1000.jpg are needed (missing: 17.jpg, "
                       "300.jpg, 1000.jpg)"),
    "an unknown image": (lambda j: _tgz(_members(j) + [_file("1001.jpg", j[0])]),
                         "(unexpected: 1001.jpg)"),
    "wrong size": (lambda j: _tgz(_members(j[:4] + [_jpeg(np.zeros((48, 48, 3), np.uint8))]
                                           + j[5:])),
                   "5.jpg is 48×48; the images must be 32×32 or 64×64."),
    "a pixel bomb": (lambda j: _tgz(_members(j[:4] + [_huge_header(j[4], 30000)] + j[5:])),
                     "5.jpg claims more pixels than Pillow will decode (a decompression bomb); "
                     "the images must be 32×32 or 64×64."),
    "a large header": (lambda j: _tgz(_members(j[:4] + [_huge_header(j[4], 12000)] + j[5:])),
                       "5.jpg is 12000×12000; the images must be 32×32 or 64×64."),
    "corrupt JPEG": (lambda j: _tgz(_members(j[:4] + [j[4][:200]] + j[5:])),
                     "5.jpg is not a JPEG Pillow can decode"),
    "a PNG": (lambda j: _tgz(_members(j[:4] + [_jpeg(np.zeros((32, 32, 3), np.uint8),
                                                     format="PNG")] + j[5:])),
              "5.jpg is a PNG image, not a JPEG"),
    "greyscale": (lambda j: _tgz(_members(j[:4] + [_jpeg(np.zeros((32, 32), np.uint8))]
                                          + j[5:])),
                  "5.jpg is a L image; RGB is needed."),
    "a symbolic link": (lambda j: _tgz(_members(j[:6]) + [_special("7.jpg", tarfile.SYMTYPE,
                                                                   "/etc/passwd")]),
                        "a member is a symbolic link: 7.jpg -> /etc/passwd"),
    "a hard link": (lambda j: _tgz(_members(j[:6]) + [_special("7.jpg", tarfile.LNKTYPE,
                                                               "1.jpg")]),
                    "a member is a hard link: 7.jpg -> 1.jpg"),
    "a ../ path": (lambda j: _tgz([_file("../1.jpg", j[0])]),
                   "member ../1.jpg escapes the folder"),
    "an absolute path": (lambda j: _tgz([_file("/tmp/1.jpg", j[0])]),
                         "member /tmp/1.jpg is an absolute path"),
    "a device": (lambda j: _tgz([_special("1.jpg", tarfile.CHRTYPE)]),
                 "member 1.jpg is not a regular file"),
    "another file": (lambda j: _tgz(_members(j) + [_file("notes.txt", b"hi")]),
                     "member notes.txt is not an image named <n>.jpg"),
    "a huge member": (lambda j: _tgz([_file("3.jpg", bytes(MAX_MEMBER + 1))]),
                      f"3.jpg is {MAX_MEMBER + 1:,} bytes; an image may take at most"),
    "a decompression bomb": (lambda j: _tgz([_file(f".pad{i}", bytes(MAX_MEMBER))
                                             for i in range(70)]),
                             "unpacks to more than 32 MB"),
    "too many members": (lambda j: _tgz(_members(j) + [_file(f".x{i}", b"") for i in range(65)]),
                         "holds more than 1064 members"),
    "duplicate names": (lambda j: _tgz(_members(j) + [_file("output/1.jpg", j[0])]),
                        "1.jpg appear more than once"),
    "not a tar at all": (lambda j: b"id,value\n1,2\n", "is not a .tgz archive that can be read"),
    "gzip but not a tar": (lambda j: __import__("gzip").compress(b"x" * 5000),
                           "is not a .tgz archive that can be read"),
}


@pytest.mark.parametrize("case", BAD)
def test_each_bad_archive_gets_its_reason(tmp_path, face_jpegs, case):
    build, reason = BAD[case]
    with pytest.raises(ArtifactError, match=re.escape(reason)):
        _read(tmp_path, build(face_jpegs))


def test_an_archive_over_the_size_limit_is_refused(tmp_path, face_jpegs):
    big = replace(SPEC, max_bytes=100_000)
    (tmp_path / "s.tgz").write_bytes(_tgz(_members(face_jpegs)))
    with pytest.raises(ArtifactError, match=r"bytes; the limit is 100,000"):
        read_images(tmp_path / "s.tgz", big)


def test_an_uncompressed_tar_is_read_too(tmp_path, face_jpegs):
    assert len(_read(tmp_path, _tgz(_members(face_jpegs), compress=False))) == 1000


# ---- the judges ------------------------------------------------------------------------------

def test_the_judges_ship_small_as_plain_state_dicts():
    assert SHIPPED.stat().st_size < 1_000_000
    state = torch.load(SHIPPED, weights_only=True)
    assert set(state) == {"attributes", "face"}
    assert all(isinstance(v, torch.Tensor) for part in state.values() for v in part.values())
    judges = load_judges()
    assert not judges.attributes.training and not judges.face.training


def test_the_judges_read_held_out_faces_and_reject_what_bad_generators_make():
    judges = load_judges()
    report = hw06_judges.held_out_report(judges.attributes, judges.face, n=400)
    assert report["hair_colour accuracy"] > 0.95
    assert report["faces accepted"] >= 0.95
    rejected = {k: v for k, v in report.items() if k.endswith("rejected")}
    assert len(rejected) == len(hw06_judges.NEGATIVES) + 1
    assert min(rejected.values()) >= 0.8, rejected  # ghosted faces are the hardest
    for kind in ("noise", "smooth noise", "colour blobs", "flat colour", "untrained generator"):
        assert rejected[f"{kind} rejected"] >= 0.95, kind


def test_the_judge_training_is_deterministic():
    runs = [hw06_judges.train_judges(n_faces=40, epochs=1) for _ in range(2)]
    for a, b in zip(runs[0], runs[1], strict=True):
        for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True):
            assert torch.equal(x, y)


@pytest.mark.slow
def test_the_script_remakes_the_shipped_judges(tmp_path):
    """``python -m course_datasets.hw06_judges`` remakes the shipped judges: bit for bit on the
    CPU that made them; another CPU rounds differently and six epochs of training amplify it
    (measured on an AMD EPYC: weights 12 % apart, every held-out figure within 0.044)."""
    torch.set_num_threads(1)
    hw06_judges.main(["--out", str(tmp_path / "judges.pt")])
    made = torch.load(tmp_path / "judges.pt", weights_only=True)
    shipped = torch.load(SHIPPED, weights_only=True)
    for part in shipped:
        floats = [name for name, value in shipped[part].items() if value.is_floating_point()]
        apart = sum((made[part][n] - shipped[part][n]).square().sum() for n in floats)
        size = sum(shipped[part][n].square().sum() for n in floats)
        assert (apart / size).sqrt() < 0.3, f"{part}: {float((apart / size).sqrt()):.0%} apart"
    remade = hw06_judges.held_out_report(*vars(load_judges(tmp_path / "judges.pt")).values())
    original = hw06_judges.held_out_report(*vars(load_judges(SHIPPED)).values())
    assert {k: v for k, v in remade.items() if abs(v - original[k]) > 0.08} == {}


# ---- the metric ------------------------------------------------------------------------------

def test_frechet_distance_of_gaussians_has_its_closed_form():
    rng = np.random.RandomState(0)
    a, b = rng.normal(0, 1, (20000, 1)), rng.normal(2, 3, (20000, 1))
    assert frechet_distance(a, b) == pytest.approx((0 - 2) ** 2 + (1 - 3) ** 2, rel=0.03)
    c = rng.normal(size=(5000, 4))
    assert abs(frechet_distance(c, c)) < 1e-6


def test_the_generator_writes_reference_faces_only_into_the_key(key):
    faces = np.load(key / REFERENCE_FILE, allow_pickle=False)
    assert faces.shape == (N_REFERENCE, 64, 64, 3) and faces.dtype == np.uint8
    assert sorted(p.name for p in key.iterdir()) == sorted([FACTORS_FILE, REFERENCE_FILE,
                                                            THUMBNAILS_FILE])
    data = np.stack([np.asarray(f) for _, f in draw_faces(2022, 50, 64)])
    assert not (faces[:, None] == data[None]).all(axis=(2, 3, 4)).any()


def _score(tmp_path: Path, key: Path, images: list[np.ndarray]):
    (tmp_path / SPEC.file).write_bytes(_archive(images))
    return score_artifact(CONFIG, tmp_path / SPEC.file, key)


@pytest.mark.parametrize("real", ["real", "real32"])
def test_real_faces_reach_boss(tmp_path, key, cases, real):
    score = _score(tmp_path, key, cases[real])
    for half in (score.public, score.private):
        assert half["afd"] >= 0.95 and half["hair_coverage"] == 8
    assert (score.public_tier, score.private_tier) == ("boss", "boss"), score


@pytest.mark.parametrize("bad", ["noise", "untrained"])
def test_noise_and_an_untrained_generator_fail(tmp_path, key, cases, bad):
    score = _score(tmp_path, key, cases[bad])
    assert score.public["afd"] < 0.05 and score.private["afd"] < 0.05
    assert (score.public_tier, score.private_tier) == ("below simple", "below simple")


def test_a_collapsed_generator_covers_one_hair_colour(tmp_path, key, cases):
    score = _score(tmp_path, key, cases["collapsed"])
    assert score.public["hair_coverage"] == score.private["hair_coverage"] == 1
    assert score.public["afd"] > 0.9  # the one face is a good face, yet
    assert score.public_tier == "below simple"


def test_a_trained_dcgan_lands_between_real_faces_and_an_untrained_one(tmp_path, key, cases):
    scores = {name: _score(tmp_path, key, cases[name]).public
              for name in ("real", "dcgan", "untrained")}
    assert scores["real"]["fid"] < scores["dcgan"]["fid"] < scores["untrained"]["fid"], scores
    assert scores["untrained"]["afd"] < 0.5 < scores["dcgan"]["afd"] < scores["real"]["afd"]
    assert scores["dcgan"]["hair_coverage"] >= 7


def test_copies_of_the_training_faces_are_flagged_not_scored_down(tmp_path, key, cases):
    """The key's data faces (mini seed 2022, the first 4) copied 250 times each are flagged
    for a look by hand; real faces the students never had are not."""
    copied = [np.asarray(face) for _, face in draw_faces(2022, 4, 64)] * (SPEC.count // 4)
    score = _score(tmp_path, key, copied)
    assert score.flags == ("1000 of 1000 images are copies of the training faces (8×8 "
                           "thumbnails within 6 grey levels): check the notebook by hand",)
    assert _score(tmp_path, key, cases["real"]).flags == ()


def test_calibration_margins_are_bootstrap_errors_per_component(tmp_path, key, cases):
    from course_utils.grading.thresholds import margin_inputs

    (tmp_path / SPEC.file).write_bytes(_archive(cases["dcgan"]))
    inputs = margin_inputs(CONFIG, tmp_path / SPEC.file, key)
    assert inputs["n_public"] + inputs["n_private"] == SPEC.count
    for half in ("public", "private"):
        se = inputs[f"se_{half}"]
        assert set(se) == set(CONFIG.components)
        assert 1 < se["fid"] < 50 and 0.005 < se["afd"] < 0.05, se


def test_the_split_is_about_half_and_half(tmp_path, key, face_jpegs):
    from course_utils.grading.scoring import split

    public, private = split(CONFIG, [str(i) for i in range(1, 1001)])
    assert 450 < len(public) < 550 and len(public) + len(private) == 1000


# ---- the config and the grader -------------------------------------------------------------

def test_a_composite_tier_needs_every_component():
    boss = CONFIG.tiers["boss"]
    assert CONFIG.passes(dict(boss), "boss")
    for name in CONFIG.components:
        worse = dict(boss)
        worse[name] += 1 if name == "fid" else -0.01
        assert not CONFIG.passes(worse, "boss"), name
    swapped = replace(CONFIG, tiers={**CONFIG.tiers, "medium": CONFIG.tiers["boss"]})
    assert "strong must ask at least as much as medium" in tier_order_problem(swapped)
    assert tier_order_problem(CONFIG) == ""


def test_the_grader_scores_archives_and_gives_reasons(tmp_path, key, cases, face_jpegs,
                                                      monkeypatch):
    monkeypatch.delenv("COURSE_HOMEWORK_ROOT", raising=False)
    subs, out = tmp_path / "subs", tmp_path / "out"
    (subs / "folder").mkdir(parents=True)
    (subs / "good.tgz").write_bytes(_archive(cases["real"]))
    (subs / "folder" / SPEC.file).write_bytes(_archive(cases["noise"][:10] + cases["real"][10:]))
    (subs / "noise.tgz").write_bytes(_archive(cases["noise"]))
    copied = [np.asarray(face) for _, face in draw_faces(2022, 4, 64)] * (SPEC.count // 4)
    (subs / "copied.tgz").write_bytes(_archive(copied))
    (subs / "escape.tgz").write_bytes(_tgz([_file("../1.jpg", face_jpegs[0])]))
    (subs / "big.tgz").write_bytes(bytes(SPEC.max_bytes + 1))
    (subs / "link.tgz").symlink_to(subs / "good.tgz")
    args = ["hw06", str(subs), "--answer-key", str(key), "--out", str(out), "--artifacts"]
    assert cli.main(args) == 0
    rows = sheet(out)
    assert rows.pop("copied")["status"] == "ok"  # scored as usual, and flagged (below)
    assert {k: (v["status"], v["public_tier"]) for k, v in rows.items()} == {
        "good": ("ok", "boss"), "folder": ("ok", "boss"), "noise": ("ok", "below simple"),
        "escape": ("invalid-artifact", "not graded"), "big": ("invalid-artifact", "not graded"),
        "link": ("invalid-artifact", "not graded")}
    assert float(rows["good"]["public_afd"]) >= 0.95 and rows["good"]["private_hair_coverage"]
    assert float(rows["noise"]["public_fid"]) > float(rows["good"]["public_fid"])
    assert "1000 of 1000 images are copies" in sheet(out)["copied"]["flags"]
    assert rows["good"]["flags"] == ""
    assert "escapes the folder" in result(out, "escape")["reason"]
    assert "the limit is 2,000,000" in result(out, "big")["reason"]
    assert "symbolic link" in result(out, "link")["reason"]
    report = (out / "submissions" / "good" / "report.md").read_text()
    assert "| split | fid | afd | hair_coverage | tier |" in report
    kept = out / "submissions" / "good" / SPEC.file
    assert hashlib.sha256(kept.read_bytes()).digest() == hashlib.sha256(
        (subs / "good.tgz").read_bytes()).digest()
