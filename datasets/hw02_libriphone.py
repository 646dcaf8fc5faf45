"""Mini LibriSpeech phoneme frames in the official HW2 layout (ml2022spring-hw2).

A phone-HMM speaks each utterance: silence, then phones drawn from a bigram phone language
model (each phone has a few likely successors), each held for a Poisson number of frames, then
silence. Every phone has a mean vector of 13 "MFCC" statics; the 41 phones fall into 10
confusable groups (nasals, voiced stops, front vowels, ...) whose members sit close together.
The frame trajectory is the sequence of phone means, smoothed by a moving average
(coarticulation ramps at the phone boundaries), shifted and scaled per speaker, plus AR(1)
frame noise. Δ and ΔΔ (HTK regression, window 2) are appended and each utterance is normalised
per dimension (CMVN), as in the official features.

What each model can use (the difficulty knobs below set how much):

* one frame: the phone's mean under heavy noise; members of a group are easily confused;
* a window of frames: the noise averages out within a phone and the neighbours show the
  coarticulation ramps;
* the whole utterance: the phone language model and the durations.

The spec's prototype (noise 2.4, 4 likely successors) was too easy for these sizes and gave a
BiLSTM no edge over a 21-frame window; more noise and a sharper LM (2 successors) restore the
official ladder.

Version 2: the phone model (the phone means, the bigram LM, the durations: the "language") is
the same in every data set, drawn from ``LANGUAGE_SEED``; the seed draws the speakers, the
utterances and the noise. In version 1 the seed drew the language too, and the rungs' accuracies
moved by up to 0.07 between generator seeds (the template 0.41 on seed 2022, 0.48 on 2023),
more than the gaps between the tiers; a fixed language leaves only the sampling spread. The
default data (seed 2022) is byte-identical to version 1.

The test labels are written only when ``answers_dir`` is given, together with the phone key
(names, confusable groups, likely successors), kept for analysing a model's confusions.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from course_utils.data import hw02, secret

VERSION = 2
SEED = 2022
LANGUAGE_SEED = 2022  # the phone model of every data set (version 2)
PHONES = hw02.PHONES
GROUPS = hw02.GROUPS
N_STATIC = 13

# ---- difficulty knobs -------------------------------------------------------------------
N_TRAIN, N_TEST = 400, 100       # utterances
N_SPEAKERS = 40                  # speakers (LibriSpeech-style ids speaker-chapter-index)
PHONES_PER_UTTERANCE = (14, 26)  # uniform range of spoken phones per utterance
GROUP_SPREAD = 3.0               # sd of the group centres (per static dimension)
PHONE_SPREAD = 1.0               # sd of a phone around its group centre: confusability
NOISE = 4.5                      # sd of the frame noise
NOISE_AR = 0.5                   # AR(1) coefficient of the frame noise over time
COARTICULATION = 5               # width (frames) of the moving average between phones
SUCCESSORS = 2                   # likely successors per phone in the bigram LM (random)
LM_SHARPNESS = 0.95              # probability mass on those successors
DURATION = {"vowel": 8.0, "consonant": 5.0, "sil": 12.0}  # Poisson means (+1 frame)
SPEAKER_SHIFT, SPEAKER_SCALE = 1.0, 0.15  # per-speaker offset sd and log-scale sd


def _phone_model(rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(41, 13) phone means, the (41, 41) bigram matrix and the per-phone duration means."""
    centres = rng.normal(0.0, GROUP_SPREAD, (len(GROUPS), N_STATIC))
    means = np.zeros((len(PHONES), N_STATIC))
    durations = np.zeros(len(PHONES))
    for g, (kind, members) in enumerate(GROUPS.values()):
        for name in members:
            p = PHONES.index(name)
            means[p] = centres[g] + rng.normal(0.0, PHONE_SPREAD, N_STATIC)
            durations[p] = DURATION[kind]
    speech = [p for p in range(len(PHONES)) if PHONES[p] not in hw02.SILENCE]
    bigram = np.zeros((len(PHONES), len(PHONES)))
    for p in range(len(PHONES)):
        others = [q for q in speech if q != p]
        likely = rng.choice(others, SUCCESSORS, replace=False)
        bigram[p, others] = (1.0 - LM_SHARPNESS) / len(others)
        bigram[p, likely] += LM_SHARPNESS * rng.dirichlet(np.ones(SUCCESSORS))
    return means, bigram, durations


def _phone_sequence(rng: np.random.RandomState, bigram: np.ndarray,
                    durations: np.ndarray) -> np.ndarray:
    """Frame labels of one utterance: silence, phones from the bigram LM, silence."""
    sil = PHONES.index("sil")
    n = rng.randint(PHONES_PER_UTTERANCE[0], PHONES_PER_UTTERANCE[1] + 1)
    phones = [sil]
    p = rng.choice(len(PHONES), p=bigram[sil])
    for _ in range(n):
        phones.append(p)
        p = rng.choice(len(PHONES), p=bigram[p])
    phones.append(sil)
    return np.repeat(phones, [1 + rng.poisson(durations[q]) for q in phones])


def _deltas(x: np.ndarray, window: int = 2) -> np.ndarray:
    """HTK regression deltas along time, repeating the edge frames."""
    padded = np.concatenate([x[:1].repeat(window, 0), x, x[-1:].repeat(window, 0)])
    t = len(x)
    out = sum(n * (padded[window + n: window + n + t] - padded[window - n: window - n + t])
              for n in range(1, window + 1))
    return out / (2 * sum(n * n for n in range(1, window + 1)))


def _features(rng: np.random.RandomState, labels: np.ndarray, means: np.ndarray,
              speaker: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """(T, 39) float32 features of one utterance: statics + Δ + ΔΔ, CMVN, rounded."""
    target = means[labels]
    kernel = np.ones(COARTICULATION) / COARTICULATION
    half = COARTICULATION // 2
    padded = np.concatenate([target[:1].repeat(half, 0), target, target[-1:].repeat(half, 0)])
    smooth = np.stack([np.convolve(padded[:, d], kernel, mode="valid")
                       for d in range(N_STATIC)], axis=1)
    white = rng.normal(0.0, NOISE * np.sqrt(1.0 - NOISE_AR**2), target.shape)
    noise = np.empty_like(white)
    noise[0] = rng.normal(0.0, NOISE, N_STATIC)
    for t in range(1, len(white)):
        noise[t] = NOISE_AR * noise[t - 1] + white[t]
    shift, scale = speaker
    static = (smooth + shift) * scale + noise
    delta = _deltas(static)
    feats = np.concatenate([static, delta, _deltas(delta)], axis=1)
    feats = (feats - feats.mean(axis=0)) / feats.std(axis=0)
    return np.round(feats, 4).astype(np.float32)


def utterance_ids(rng: np.random.RandomState, n: int) -> list[str]:
    """Unique LibriSpeech-style ids ``speaker-chapter-index``, sorted like the official lists."""
    speakers = np.sort(rng.choice(np.arange(19, 9000), N_SPEAKERS, replace=False))
    chapters = {s: np.sort(rng.choice(np.arange(1000, 200000), 2, replace=False))
                for s in speakers}
    ids: set[str] = set()
    while len(ids) < n:
        s = speakers[rng.randint(N_SPEAKERS)]
        ids.add(f"{s}-{chapters[s][rng.randint(2)]}-{rng.randint(0, 120):04d}")
    return sorted(ids)


def corpus(seed: secret.Seed = SEED) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """{'train'|'test': {utterance id: (features (T, 39), labels (T,))}}."""
    rng = secret.rng(seed)
    _phone_model(rng)  # drawn and dropped: keeps version 1's random stream (and default data)
    means, bigram, durations = _phone_model(secret.rng(LANGUAGE_SEED))
    names = utterance_ids(rng, N_TRAIN + N_TEST)
    order = rng.permutation(len(names))
    splits = {"train": sorted(names[i] for i in order[:N_TRAIN]),
              "test": sorted(names[i] for i in order[N_TRAIN:])}
    speakers = sorted({name.split("-")[0] for name in names})
    voice = {s: (rng.normal(0.0, SPEAKER_SHIFT, N_STATIC),
                 np.exp(rng.normal(0.0, SPEAKER_SCALE, N_STATIC))) for s in speakers}
    out: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {"train": {}, "test": {}}
    for name in sorted(names):
        split = "train" if name in splits["train"] else "test"
        labels = _phone_sequence(rng, bigram, durations)
        out[split][name] = (_features(rng, labels, means, voice[name.split("-")[0]]), labels)
    return out


def phone_key(seed: secret.Seed = SEED) -> dict:
    """The phone names, the confusable groups, and each phone's likely successors in the LM
    (a model that reads whole utterances mostly confuses such neighbours at phone boundaries)."""
    _, bigram, _ = _phone_model(secret.rng(LANGUAGE_SEED))  # the same for every seed
    likely = np.argsort(-bigram, axis=1, kind="stable")[:, :SUCCESSORS]
    return {"phones": list(PHONES),
            "groups": {name: list(members) for name, (_, members) in GROUPS.items()},
            "likely_successors": {PHONES[p]: [PHONES[q] for q in likely[p]]
                                  for p in range(len(PHONES))}}


def generate(data_dir: str | Path, answers_dir: str | Path | None = None,
             seed: secret.Seed = SEED) -> None:
    """Write ``libriphone/`` (splits, train labels, features); the test labels if asked."""
    root = Path(data_dir) / "libriphone"
    data = corpus(seed)
    for split, utterances in data.items():
        folder = root / "feat" / split
        folder.mkdir(parents=True, exist_ok=True)
        for name, (feats, _) in utterances.items():
            torch.save(torch.from_numpy(feats), folder / f"{name}.pt")
        (root / f"{split}_split.txt").write_text("".join(f"{n}\n" for n in utterances))
    (root / "train_labels.txt").write_text("".join(
        f"{name} {' '.join(map(str, labels))}\n" for name, (_, labels) in data["train"].items()))
    if answers_dir is not None:
        answers_dir = Path(answers_dir)
        answers_dir.mkdir(parents=True, exist_ok=True)
        labels = np.concatenate([lab for _, lab in data["test"].values()])
        (answers_dir / "test_labels.csv").write_text(
            "Id,Class\n" + "".join(f"{i},{c}\n" for i, c in enumerate(labels)))
        (answers_dir / "phone_groups.json").write_text(json.dumps(phone_key(seed), indent=1) + "\n")
