"""Mini VoxCeleb speaker features in the official HW4 layout (ml2022spring-hw4).

Every utterance is a (T, 40) log-mel matrix built like speech: a sequence of phones, each a
shared spectral template held for a few frames, seen through the speaker's vocal tract and
voice, then through the recording channel, plus noise, with silence and noise bursts between
the phones. In the log domain the products become sums:

    frame = phone template at the speaker's warped frequencies (formant shift)
            + speaker envelope (low-rank spectral tilt) + speaker's voice rhythm
            + utterance channel offset + frame noise

What each part is for (the difficulty knobs below set how much each one matters):

* the *envelope* and the *warp* are the speaker's identity. Speakers come in small families
  whose envelopes and warps lie close together, so a classifier must draw tight boundaries
  between neighbours: an additive margin (AM-softmax) helps.
* the *channel* is a smooth random offset per utterance: it moves an utterance towards a
  neighbouring speaker, which again punishes loose decision boundaries.
* 20-40 % of the frames are silence or noise bursts with random spectra that carry no speaker
  information, so mean pooling mixes noise into the utterance vector while attention pooling
  can learn to skip those frames.
* speakers talk at their own rate (frames per phone) and with their own voice rhythm (a
  periodic swell of the low bands, different for the members of a family), which no single
  frame shows: the sample's Transformer has no positional encoding and cannot see the order
  of the frames, while the convolution of a Conformer block can hear both.

Speaker names are VoxCeleb ids (``id10001`` ...); file names are ``uttr-<32 hex>.pt`` from a
hash of the seed and the utterance number. The test answers (``Id,Category``) are written
only when ``answers_dir`` is given.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from course_utils.data import secret

VERSION = 3
SEED = 2022
N_MELS = 40

# ---- difficulty knobs -------------------------------------------------------------------
N_SPEAKERS = 60                 # official: 600
TRAIN_UTTERANCES = 35           # per speaker (official: about 94); 10 % validate: 6 batches
TEST_UTTERANCES = 14            # per speaker: 840 test utterances (official: 4000)
LENGTHS = (100, 400)            # frames per utterance, uniform
FAMILY_SIZE = 3                 # speakers per family of close neighbours
ENVELOPE_SCALE = 1.2            # spread of the families' envelopes (log-mel units)
ENVELOPE_DISTANCE = 0.3         # spread of the speakers inside a family
WARP_RANGE = 0.08               # families' formant warps are 1 ± WARP_RANGE
WARP_DISTANCE = 0.015           # spread of the warps inside a family
PERIODS = (2, 3, 4, 5, 6, 8)    # frames per cycle of a voice rhythm, distinct in a family
RHYTHM = 3.5                    # amplitude of the rhythm (log-mel units, on the low bands)
CHANNEL_SD = 0.35               # per-utterance channel offset (smooth over the bands)
FRAME_NOISE = 1.2               # independent noise on every band of every frame
SILENCE_FRACTION = (0.2, 0.4)   # share of silence / noise-burst frames per utterance
BURST_LEVEL = 2.0               # spread of the noise bursts' random spectra
N_PHONES = 24
SPEAKING_RATE = (3.0, 12.0)     # a speaker's mean frames per phone, uniform over speakers
RATE_JITTER = 0.3               # each phone lasts mean × (1 ± RATE_JITTER) frames

_BANDS = np.arange(N_MELS, dtype=np.float64)
_RHYTHM_SHAPE = np.exp(-0.5 * ((_BANDS - 8.0) / 10.0) ** 2)  # the voice's low bands


def _smooth_basis(rank: int) -> np.ndarray:
    """(rank, 40) low-frequency cosines over the mel bands: the shapes of tilts and channels."""
    return np.stack([np.cos(np.pi * (k + 1) * (_BANDS + 0.5) / N_MELS) for k in range(rank)])


def _weighted_sum(weights: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """sum_k weights[..., k] * basis[k] without BLAS (bit-identical on any thread count)."""
    return (weights[..., None] * basis).sum(axis=-2)


def _phone_templates(rng: np.random.RandomState) -> np.ndarray:
    """(N_PHONES, 3, 2): each phone's three formants as (centre band, height)."""
    centres = np.sort(rng.uniform(3.0, N_MELS - 4.0, size=(N_PHONES, 3)), axis=1)
    heights = rng.uniform(1.5, 3.5, size=(N_PHONES, 3))
    return np.stack([centres, heights], axis=-1)


def _phone_spectra(phones: np.ndarray, warp: float) -> np.ndarray:
    """(N_PHONES, 40) log spectra of every phone for a vocal tract warped by ``warp``."""
    centres, heights = phones[..., 0] * warp, phones[..., 1]
    bumps = heights[..., None] * np.exp(-0.5 * ((_BANDS - centres[..., None]) / 2.0) ** 2)
    return bumps.sum(axis=1) - 0.04 * _BANDS


def _speakers(rng: np.random.RandomState) -> tuple[np.ndarray, ...]:
    """Envelopes (N_SPEAKERS, 40), warps, speaking rates and rhythm periods; envelopes and
    warps lie close together within a family, rates and periods do not. Family warps and
    speaking rates are stratified, members sit at a fixed distance from their family's
    centre (version 3: version 2's random distances made one data seed's families much harder
    than another's for a bag-of-frames model)."""
    basis = _smooth_basis(6)
    n_families = -(-N_SPEAKERS // FAMILY_SIZE)
    family_env = rng.normal(0.0, ENVELOPE_SCALE, size=(n_families, 6))
    family_warp = 1.0 + WARP_RANGE * (2.0 * secret.stratified(rng, n_families) - 1.0)
    family = np.arange(N_SPEAKERS) // FAMILY_SIZE
    # each member sits at the same distance from its family's centre, in a random direction
    offsets = rng.normal(size=(N_SPEAKERS, 6))
    offsets *= ENVELOPE_DISTANCE * np.sqrt(6.0) / np.linalg.norm(offsets, axis=1, keepdims=True)
    coef = family_env[family] + offsets
    spacing = np.linspace(-1.0, 1.0, FAMILY_SIZE)
    spacing *= WARP_DISTANCE / spacing.std()  # evenly spaced warps with sd WARP_DISTANCE
    warps = family_warp[family] + np.concatenate(
        [rng.permutation(spacing) for _ in range(n_families)])[:N_SPEAKERS]
    low, high = SPEAKING_RATE
    rates = low + (high - low) * secret.stratified(rng, N_SPEAKERS)
    periods = np.concatenate([rng.choice(PERIODS, FAMILY_SIZE, replace=False)
                              for _ in range(n_families)])[:N_SPEAKERS]
    return _weighted_sum(coef, basis), warps, rates, periods


def _utterance(rng: np.random.RandomState, spectra: np.ndarray, envelope: np.ndarray,
               rate: float, period: int, length: int) -> np.ndarray:
    """One (length, 40) log-mel utterance of the speaker with these phone spectra."""
    frames = []
    while len(frames) < length:
        n = max(1, int(round(rate * rng.uniform(1.0 - RATE_JITTER, 1.0 + RATE_JITTER))))
        frames.extend([spectra[rng.randint(N_PHONES)] + envelope] * n)
    phase = rng.uniform(0.0, 2.0 * np.pi)
    rhythm = RHYTHM * np.sin(2.0 * np.pi * np.arange(length) / period + phase)
    speech = np.array(frames[:length]) + rhythm[:, None] * _RHYTHM_SHAPE
    n_silent = int(round(rng.uniform(*SILENCE_FRACTION) * length))
    silent = np.zeros(length, dtype=bool)
    while silent.sum() < n_silent:  # silence and bursts come in runs of a few frames
        start, run = rng.randint(length), rng.randint(3, 15)
        silent[start:start + run] = True
    floor = -4.0 + np.zeros(N_MELS)
    burst_basis = _smooth_basis(8)
    out = speech.copy()
    for start in np.flatnonzero(silent & ~np.r_[False, silent[:-1]]):
        end = start + np.argmin(np.r_[silent[start:], False])
        if rng.rand() < 0.5:
            out[start:end] = floor
        else:
            shape = _weighted_sum(rng.normal(0.0, BURST_LEVEL, 8), burst_basis)
            out[start:end] = shape + rng.uniform(-1.0, 1.0)
    channel = _weighted_sum(rng.normal(0.0, CHANNEL_SD, 6), _smooth_basis(6)) + rng.normal(0, 0.3)
    out = out + channel + rng.normal(0.0, FRAME_NOISE, size=out.shape)
    return np.round(out, 3).astype(np.float32)


def rhythm_shape() -> np.ndarray:
    """(40,) the bands that a speaker's voice rhythm swells."""
    return _RHYTHM_SHAPE.copy()


def speaker_traits(seed: secret.Seed = SEED) -> tuple[np.ndarray, ...]:
    """(envelopes, warps, speaking rates, rhythm periods) of the speakers, numbered by family."""
    rng = secret.rng(seed)
    _phone_templates(rng)
    return _speakers(rng)


def speaker_names(seed: secret.Seed = SEED) -> list[str]:
    """N_SPEAKERS sorted VoxCeleb-style names, ``id10001`` … ``id11251``."""
    rng = secret.rng(seed, 7)
    numbers = np.sort(rng.choice(np.arange(10001, 11252), size=N_SPEAKERS, replace=False))
    return [f"id{n}" for n in numbers]


def _file_name(seed: secret.Seed, index: int) -> str:
    return f"uttr-{hashlib.md5(f'hw04-{seed}-{index}'.encode()).hexdigest()}.pt"


def utterances(seed: secret.Seed = SEED) -> list[tuple[int, bool, np.ndarray]]:
    """Every utterance as (speaker index, is test, features), in generation order."""
    rng = secret.rng(seed)
    phones = _phone_templates(rng)
    envelopes, warps, rates, periods = _speakers(rng)
    out = []
    for s in range(N_SPEAKERS):
        spectra = _phone_spectra(phones, warps[s])
        for u in range(TRAIN_UTTERANCES + TEST_UTTERANCES):
            length = rng.randint(LENGTHS[0], LENGTHS[1] + 1)
            out.append((s, u >= TRAIN_UTTERANCES, _utterance(
                rng, spectra, envelopes[s], rates[s], periods[s], length)))
    return out


def generate(data_dir: str | Path, answers_dir: str | Path | None = None,
             seed: secret.Seed = SEED) -> None:
    """Write ``Dataset/`` (metadata, mapping, testdata, uttr-*.pt) and the answer key if asked."""
    folder = Path(data_dir) / "Dataset"
    folder.mkdir(parents=True, exist_ok=True)
    names = speaker_names(seed)
    speakers: dict[str, list[dict]] = {name: [] for name in names}
    test = []
    for index, (s, is_test, mel) in enumerate(utterances(seed)):
        path = _file_name(seed, index)
        torch.save(torch.from_numpy(mel), folder / path)
        entry = {"feature_path": path, "mel_len": int(len(mel))}
        if is_test:
            test.append((entry, s))
        else:
            speakers[names[s]].append(entry)
    order = secret.rng(seed, 1).permutation(len(test))
    test = [test[i] for i in order]
    mapping = {"speaker2id": {name: i for i, name in enumerate(names)},
               "id2speaker": {str(i): name for i, name in enumerate(names)}}
    (folder / "metadata.json").write_text(json.dumps({"n_mels": N_MELS, "speakers": speakers}))
    (folder / "mapping.json").write_text(json.dumps(mapping))
    (folder / "testdata.json").write_text(json.dumps(
        {"n_mels": N_MELS, "utterances": [entry for entry, _ in test]}))
    if answers_dir is not None:
        answers_dir = Path(answers_dir)
        answers_dir.mkdir(parents=True, exist_ok=True)
        lines = ["Id,Category"] + [f"{e['feature_path']},{names[s]}" for e, s in test]
        (answers_dir / "output.answers.csv").write_text("\n".join(lines) + "\n")
