"""HW7 DRCD files: the sample's ``read_data``, a schema check, and the shipped tiny BERTs
(introduced in HW07; the checkpoints also serve L07)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

FILES = ("hw7_train.json", "hw7_dev.json", "hw7_test.json")
ANSWER_FIELDS = ("answer_text", "answer_start", "answer_end")
TINY_BERTS = {"small": "hw07_tiny_bert", "large": "hw07_tiny_bert_large"}


class SchemaError(ValueError):
    """A file does not have the official HW7 layout."""


def read_data(file: str | Path) -> tuple[list[dict], list[str]]:
    """The sample's reader: ``(questions, paragraphs)`` of one ``hw7_*.json`` file."""
    with open(file, encoding="utf-8") as reader:
        data = json.load(reader)
    return data["questions"], data["paragraphs"]


def check_questions(name: str, data: object, answers: bool) -> int:
    """Raise :class:`SchemaError` unless ``data`` (one file's JSON) has the official fields,
    valid paragraph ids and, when ``answers``, spans that hold their answer text; return the
    number of questions."""
    if not isinstance(data, dict) or set(data) != {"questions", "paragraphs"}:
        raise SchemaError(f"{name} must be one JSON object with the keys 'questions' and "
                          "'paragraphs' (as hw7_data.zip has it).")
    paragraphs = data["paragraphs"]
    if not all(isinstance(p, str) for p in paragraphs):
        raise SchemaError(f"{name}: 'paragraphs' must be a list of strings.")
    fields = ("id", "paragraph_id", "question_text") + ANSWER_FIELDS * answers
    for i, q in enumerate(data["questions"]):
        missing = [f for f in fields if f not in q]
        if missing:
            raise SchemaError(f"{name}: question {i} lacks {', '.join(missing)}.")
        if not 0 <= q["paragraph_id"] < len(paragraphs):
            raise SchemaError(f"{name}: question {q['id']} names paragraph {q['paragraph_id']}, "
                              f"but there are {len(paragraphs)} paragraphs.")
        if answers:
            span = paragraphs[q["paragraph_id"]][q["answer_start"]:q["answer_end"] + 1]
            if span != q["answer_text"]:
                raise SchemaError(f"{name}: question {q['id']}: paragraph[answer_start:answer_end"
                                  f" + 1] is {span!r}, not the answer {q['answer_text']!r} "
                                  "(answer_end is an inclusive character index).")
    return len(data["questions"])


def check_drcd(data_dir: str | Path) -> dict[str, int]:
    """Raise :class:`SchemaError` unless ``data_dir`` holds the three official HW7 files (the
    test questions without answers); return the number of questions per file."""
    data_dir = Path(data_dir)
    missing = [f for f in FILES if not (data_dir / f).is_file()]
    if missing:
        raise SchemaError(f"{data_dir} lacks {', '.join(missing)}: unzip hw7_data.zip there.")
    counts = {}
    for name in FILES:
        try:
            data = json.loads((data_dir / name).read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise SchemaError(f"{name} is not valid JSON: {err}") from None
        counts[name] = check_questions(name, data, answers=name != "hw7_test.json")
    return counts


def tiny_bert_dir(size: str = "small") -> Path:
    """The folder of a shipped tiny BERT (``"small"``: 2 layers, hidden 64; ``"large"``: 4
    layers, hidden 128) for ``BertForQuestionAnswering.from_pretrained`` and
    ``BertTokenizerFast.from_pretrained``: it needs no download."""
    if size not in TINY_BERTS:
        raise ValueError(f"size must be one of {', '.join(TINY_BERTS)}, not {size!r}")
    folder = Path(str(resources.files("course_datasets").joinpath("_shipped", TINY_BERTS[size])))
    if not (folder / "model.safetensors").is_file():
        raise FileNotFoundError(f"{folder} holds no checkpoint: reinstall course_utils, or make "
                                "it with python -m course_datasets.hw07_tiny_bert")
    return folder
