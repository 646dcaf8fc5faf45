"""HW7: the mini DRCD data in the official layout, and the two shipped tiny BERTs."""

from __future__ import annotations

import csv
import json
import re
import shutil
from dataclasses import asdict
from pathlib import Path

import course_datasets.hw07_drcd as generator
import course_datasets.hw07_tiny_bert as tiny_bert
import numpy as np
import pytest
import torch
from homework_e2e import check_generator_matches_registry, generate

from course_utils.data.hw07 import (
    FILES,
    TINY_BERTS,
    SchemaError,
    check_drcd,
    check_questions,
    read_data,
    tiny_bert_dir,
)

HW = "hw07"
WINDOW = 150  # the sample's max_paragraph_len


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    return generate(HW, tmp_path_factory)


@pytest.fixture(scope="module")
def train(files) -> tuple[list[dict], list[str]]:
    return read_data(files[0] / "hw7_train.json")


@pytest.fixture(scope="module", autouse=True)
def offline():
    """The checkpoints load with the hub switched off, as in class."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        yield


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import BertTokenizerFast

    return BertTokenizerFast.from_pretrained(tiny_bert_dir("small"))


# ---- the generator and the official layout ---------------------------------------------------

def test_generator_is_deterministic_and_matches_the_registry(files, tmp_path):
    check_generator_matches_registry(HW, files[0], tmp_path)


def test_files_have_the_official_schema(files):
    assert check_drcd(files[0]) == {"hw7_train.json": 3000, "hw7_dev.json": 500,
                                    "hw7_test.json": 500}
    assert sorted(p.name for p in files[0].iterdir()) == sorted(FILES)
    questions, paragraphs = read_data(files[0] / "hw7_test.json")
    assert all(set(q) == {"id", "paragraph_id", "question_text"} for q in questions)
    assert [q["id"] for q in questions] == list(range(500))


def test_answers_sit_at_their_offsets_and_past_the_first_window(train):
    questions, paragraphs = train
    for q in questions:
        assert paragraphs[q["paragraph_id"]][q["answer_start"]:q["answer_end"] + 1] == \
            q["answer_text"]
    late = np.mean([q["answer_start"] >= WINDOW for q in questions])
    assert 0.3 < late < 0.8, late
    assert min(len(p) for p in paragraphs) > WINDOW + 40


def test_test_answers_go_only_to_the_answer_folder(files):
    data, key = files
    assert sorted(p.name for p in key.iterdir()) == [generator.ANSWER_FILE]
    rows = list(csv.reader(open(key / generator.ANSWER_FILE, encoding="utf-8")))
    questions, paragraphs = read_data(data / "hw7_test.json")
    assert rows[0] == ["ID", "Answer"] and len(rows) == 501
    assert all(a in paragraphs[q["paragraph_id"]] for q, (_, a) in zip(questions, rows[1:],
                                                                         strict=True))
    assert not any("," in a for _, a in rows[1:])  # the sample strips commas from answers


def test_distractors_make_the_answer_type_ambiguous(train):
    """A year question's paragraph names other years too; a person question's, other people."""
    questions, paragraphs = train
    years = [q for q in questions if re.fullmatch(r"\d+年", q["answer_text"])]
    other_year = np.mean([len(set(re.findall(r"\d+年", paragraphs[q["paragraph_id"]]))) > 1
                          for q in years])
    assert len(years) > 300 and other_year > 0.8, other_year



def test_every_question_paraphrase_is_used(train):
    templates = [t for relations in generator.RELATIONS.values()
                 for *_, questions in relations.values() for t in questions]
    patterns = [re.compile(re.escape(t).replace(re.escape("{e}"), ".+")) for t in templates]
    used = {i for q in train[0] for i, p in enumerate(patterns)
            if p.fullmatch(q["question_text"])}
    assert len(used) == len(templates) == 63


def test_schema_check_says_what_is_wrong(files, tmp_path):
    data = json.loads((files[0] / "hw7_dev.json").read_text(encoding="utf-8"))
    data["questions"][3]["answer_end"] += 1
    with pytest.raises(SchemaError, match="question 3: .*inclusive"):
        check_questions("hw7_dev.json", data, answers=True)
    del data["questions"][5]["paragraph_id"]
    with pytest.raises(SchemaError, match="question 5 lacks paragraph_id"):
        check_questions("hw7_dev.json", data, answers=False)
    with pytest.raises(SchemaError, match="'questions' and 'paragraphs'"):
        check_questions("hw7_dev.json", {"data": []}, answers=False)
    shutil.copytree(files[0], tmp_path / "d")
    (tmp_path / "d/hw7_test.json").unlink()
    with pytest.raises(SchemaError, match="lacks hw7_test.json"):
        check_drcd(tmp_path / "d")


def test_pretraining_corpus_is_apart_from_the_homework(train):
    zh, en = generator.corpus(200), generator.corpus(50, "en")
    assert zh == generator.corpus(200) and not set(zh) & set(train[1])
    assert all(len(p) > WINDOW for p in zh)
    assert all(re.fullmatch(r"[A-Za-z0-9 .,'\-]+", p) for p in en)
    with pytest.raises(ValueError, match="'zh' or 'en'"):
        generator.corpus(1, "fr")


def test_knobs_change_the_data(monkeypatch):
    rng = np.random.RandomState
    monkeypatch.setattr(generator, "ANSWER_POSITION", 6.0)
    late = generator.split(rng(0), 600)
    monkeypatch.setattr(generator, "ANSWER_POSITION", 0.0)
    monkeypatch.setattr(generator, "PARAGRAPH_CHARS", (600, 700))
    long = generator.split(rng(0), 300)

    def where(data):
        return np.mean([q["answer_start"] / len(data["paragraphs"][q["paragraph_id"]])
                        for q in data["questions"]])

    assert where(late) > where(generator.split(rng(0), 600)) + 0.1
    assert min(len(p) for p in long["paragraphs"]) >= 600


# ---- the vocabulary and the sample's tokenisation --------------------------------------------

def test_vocab_has_the_sample_special_ids_and_every_character(train, tokenizer):
    vocab = (tiny_bert_dir("small") / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert vocab == generator.vocabulary()
    assert [vocab.index(t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")] == \
        [0, 100, 101, 102, 103]  # the sample hard-codes 101/102 and pads with 0
    ids = tokenizer(train[1] + generator.corpus(50, "en"), add_special_tokens=False)["input_ids"]
    assert tokenizer.unk_token_id not in {i for p in ids for i in p}


def test_sample_tokenisation_recovers_every_answer(train, tokenizer):
    """The sample's char_to_token and decode().replace(' ', '') give back the answer text, so
    exact match is reachable; a third of the answers start past the first 150 tokens."""
    questions, paragraphs = train
    tokenized = tokenizer(paragraphs, add_special_tokens=False)
    late = 0
    for q in questions:
        enc = tokenized[q["paragraph_id"]]
        start, end = enc.char_to_token(q["answer_start"]), enc.char_to_token(q["answer_end"])
        late += start >= WINDOW
        answer = tokenizer.decode(enc.ids[start:end + 1]).replace(" ", "")
        assert answer == q["answer_text"]
    assert late > 0.3 * len(questions)


# ---- the shipped checkpoints -----------------------------------------------------------------

UNIGRAM_PLATEAU = pytest.mark.xfail(
    strict=True, reason="known gap: the shipped pre-training stops at the unigram plateau "
    "(held-out masked-token accuracy 0.17, the same characters whatever the context)")


def _record(size: str) -> dict:
    return json.loads((tiny_bert.SHIPPED / "hw07_tiny_bert.json").read_text())[size]


@pytest.mark.parametrize("size", ["small", "large"])
def test_shipped_weights_match_the_script_record(size):
    record = _record(size)
    assert tiny_bert.weights_digest(tiny_bert_dir(size)) == record["sha256_weights"]
    assert record["recipe"] == asdict(tiny_bert.RECIPES[size])
    accuracy = record["held_out_masked_accuracy"]
    assert accuracy["after"] > accuracy["before"] + 0.1


@UNIGRAM_PLATEAU
@pytest.mark.parametrize("size", ["small", "large"])
def test_pretraining_reaches_a_useful_masked_accuracy(size):
    assert _record(size)["held_out_masked_accuracy"]["after"] > 0.4


@pytest.mark.parametrize(("size", "hidden"), [("small", 64), ("large", 128)])
def test_checkpoints_load_offline_for_question_answering(size, hidden):
    from transformers import BertForQuestionAnswering, BertTokenizerFast

    folder = tiny_bert_dir(size)
    model = BertForQuestionAnswering.from_pretrained(folder)
    tokenizer = BertTokenizerFast.from_pretrained(folder)
    assert model.config.hidden_size == hidden and model.dtype == torch.float32
    assert sum(p.numel() for p in model.qa_outputs.parameters()) == 2 * hidden + 2
    enc = tokenizer(["林志遠生於1902年。"], ["林志遠是哪一年出生的？"], return_tensors="pt")
    out = model(**enc)
    assert out.start_logits.shape == enc["input_ids"].shape


@UNIGRAM_PLATEAU
def test_small_checkpoint_fills_in_masked_characters(tokenizer):
    from transformers import BertForMaskedLM

    model = BertForMaskedLM.from_pretrained(tiny_bert_dir("small")).eval()
    held_out = tiny_bert.blocks(tokenizer, {"zh": 20}, tiny_bert.HELD_OUT_SEED)
    assert tiny_bert.masked_accuracy(model, held_out, tokenizer.mask_token_id) > 0.4


def test_pretraining_script_is_deterministic(tmp_path):
    digests = []
    for run in ("a", "b"):
        entry = tiny_bert.make("small", tmp_path / run, steps=3)
        digests.append(entry["sha256_weights"])
    assert digests[0] == digests[1]
    assert sorted(p.name for p in (tmp_path / "a/hw07_tiny_bert").iterdir()) == sorted(
        p.name for p in tiny_bert_dir("small").iterdir())


def test_tiny_bert_dir_names_the_sizes(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="small, large"):
        tiny_bert_dir("base")
    monkeypatch.setitem(TINY_BERTS, "small", "no_such_folder")
    with pytest.raises(FileNotFoundError, match="python -m course_datasets.hw07_tiny_bert"):
        tiny_bert_dir("small")
