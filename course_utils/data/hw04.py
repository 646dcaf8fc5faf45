"""HW4 speaker features: the official reading code and a schema check (introduced in HW04).

``data_dir`` is the ``Dataset/`` folder of the official sample code, i.e.
``resolve("hw04") / "Dataset"``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

N_MELS = 40


class SchemaError(ValueError):
    """The files do not have the official HW4 layout."""


def read_json(data_dir: str | Path, name: str) -> dict:
    """``json.load`` of ``metadata.json``, ``mapping.json`` or ``testdata.json``."""
    path = Path(data_dir) / name
    if not path.is_file():
        raise SchemaError(f"{path} is missing: data_dir must be the Dataset/ folder that holds "
                          "metadata.json, mapping.json, testdata.json and the uttr-*.pt files.")
    with path.open() as f:
        return json.load(f)


def load_mel(data_dir: str | Path, feature_path: str) -> torch.Tensor:
    """One utterance's (T, 40) log-mel FloatTensor, as the sample's ``torch.load`` reads it."""
    return torch.load(os.path.join(data_dir, feature_path), weights_only=True)


def _check_entries(entries: list, what: str) -> None:
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {"feature_path", "mel_len"}:
            raise SchemaError(f"{what}: every utterance must be "
                              f"{{'feature_path': 'uttr-….pt', 'mel_len': T}}, not {entry!r}.")


def check_speaker_data(data_dir: str | Path, n_loaded: int = 3) -> None:
    """Raise :class:`SchemaError` unless ``data_dir`` has the official Dataset/ layout.

    Checks the three JSON files against each other and loads the first ``n_loaded``
    utterances of the training and test lists ((T, 40) float32 with T = ``mel_len``).
    """
    data_dir = Path(data_dir)
    metadata, mapping = read_json(data_dir, "metadata.json"), read_json(data_dir, "mapping.json")
    testdata = read_json(data_dir, "testdata.json")
    for name, content, key in (("metadata.json", metadata, "speakers"),
                               ("testdata.json", testdata, "utterances")):
        if content.get("n_mels") != N_MELS or key not in content:
            raise SchemaError(f"{name} must hold 'n_mels': {N_MELS} and '{key}'.")
    if set(mapping) != {"speaker2id", "id2speaker"}:
        raise SchemaError("mapping.json must hold exactly 'speaker2id' and 'id2speaker'.")
    speakers = metadata["speakers"]
    speaker2id, id2speaker = mapping["speaker2id"], mapping["id2speaker"]
    if set(speaker2id) != set(speakers):
        raise SchemaError("mapping.json's speaker2id must list the same speakers as metadata.json.")
    if sorted(speaker2id.values()) != list(range(len(speaker2id))):
        raise SchemaError("speaker2id must number the speakers 0 … n-1.")
    if id2speaker != {str(i): s for s, i in speaker2id.items()}:
        raise SchemaError("id2speaker must be the inverse of speaker2id, with string keys "
                          "('0', '1', …) as json.dump writes them.")
    train = [u for utterances in speakers.values() for u in utterances]
    _check_entries(train, "metadata.json")
    _check_entries(testdata["utterances"], "testdata.json")
    for entry in train[:n_loaded] + testdata["utterances"][:n_loaded]:
        mel = load_mel(data_dir, entry["feature_path"])
        if mel.dtype != torch.float32 or tuple(mel.shape) != (entry["mel_len"], N_MELS):
            raise SchemaError(f"{entry['feature_path']}: expected a float32 tensor of shape "
                              f"({entry['mel_len']}, {N_MELS}), got {mel.dtype} "
                              f"{tuple(mel.shape)}.")


def read_speaker_data(data_dir: str | Path) -> tuple[dict, dict, dict]:
    """Check ``data_dir`` and return (metadata, mapping, testdata) as the sample reads them."""
    check_speaker_data(data_dir)
    return (read_json(data_dir, "metadata.json"), read_json(data_dir, "mapping.json"),
            read_json(data_dir, "testdata.json"))
