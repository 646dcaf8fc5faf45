"""HW7 notebooks: the template built from the reference, the official sample in it, the three
report questions (window starts, the best valid span, the answer's text), and runs in the
grading profile (smoke runs, held-out seeds, the sandboxed grader)."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from homework_e2e import (
    check_calibration,
    check_course_grade,
    check_parameters_cell,
    check_roles,
    check_template_is_built,
    generate,
    held_out_tests,
    notebooks,
    report_questions,
    run_graded,
)
from transformers import BertTokenizerFast

from course_utils.data.hw07 import tiny_bert_dir
from course_utils.grading import load_config
from course_utils.grading import questions_hw07 as q

HW = "hw07"
SOLUTIONS = {"span_functions", "dataset", "postprocessing", "training", "testing"}
QUESTIONS = ("windows", "best_span", "answer_text")


def _cell(nb, grade_id: str) -> str:
    return next(c.source for c in nb.cells
                if c.metadata.get("course", {}).get("grade_id") == grade_id)


# ---- the notebooks ---------------------------------------------------------------------------

def test_template_is_built_from_the_reference():
    check_template_is_built(HW)


def test_parameters_cell():
    check_parameters_cell(HW, ("BERT_SIZE",))


def test_roles():
    check_roles(HW, SOLUTIONS)


def test_template_is_the_official_sample():
    """The sample's dataset, windows, evaluate, training loop and result.csv are cells of the
    template, with its TODOs; none of the ladder's changes is."""
    template = notebooks(HW)[1]
    source = "\n".join(c.source for c in template.cells if c.cell_type == "code")
    for official in (
            "class QA_Dataset(Dataset):", "self.max_question_len = 40",
            "self.max_paragraph_len = 150", "##### TODO: Change value of doc_stride #####",
            "self.doc_stride = 150", "##### TODO: Preprocessing #####",
            "mid = (answer_start_token + answer_end_token) // 2",
            "for i in range(0, len(tokenized_paragraph), self.doc_stride):",
            "def padding(self, input_ids_question, input_ids_paragraph):",
            "train_batch_size = 32", "def evaluate(data, output):",
            "##### TODO: Postprocessing #####",
            "start_prob, start_index = torch.max(output.start_logits[k], dim=0)",
            "answer = tokenizer.decode(data[0][0][k][start_index : end_index + 1])",
            "return answer.replace(' ','')", "fp16_training = False",
            "num_epoch = EPOCHS or 1", "learning_rate = 1e-4", "logging_step = 100",
            "optimizer = AdamW(model.parameters(), lr=learning_rate)",
            "##### TODO: Apply linear learning rate decay #####",
            "accelerator.backward(output.loss)",
            "BertForQuestionAnswering.from_pretrained(bert_dir)",
            "BertTokenizerFast.from_pretrained(bert_dir)",
            'f.write("ID,Answer\\n")',
            "f.write(f\"{test_question['id']},{result[i].replace(',','')}\\n\")"):
        assert official in source, official
    for recipe in ("hints[", "LADDER", "scheduler", "random.randint", "window_starts(len",
                   "postprocess(", "get_linear_schedule"):
        assert recipe not in source, recipe


def test_calibration():
    check_calibration(HW)


def test_the_models_load_from_the_shipped_folders_offline():
    template = notebooks(HW)[1]
    source = "\n".join(c.source for c in template.cells if c.cell_type == "code")
    assert 'os.environ.setdefault("HF_HUB_OFFLINE", "1")' in source
    assert 'tiny_bert_dir(BERT_SIZE or "small")' in source
    assert "bert-base-chinese\")" not in source


# ---- the report questions (trusted checks on report.json) -------------------------------------

def _report(windows=q.window_starts, span=q.best_span, text=None) -> dict:
    """report.json's probes as the export cell writes them, for these three functions."""
    def run(function, *args):
        try:
            return {"output": json.loads(json.dumps(function(*args)))}
        except Exception as err:  # noqa: BLE001  (the export cell records any error)
            return {"error": f"{type(err).__name__}: {err}"}
    text = text or (lambda paragraph, answer: answer)
    return {"probes": {
        "windows": {",".join(map(str, a)): run(windows, *a) for a in q.WINDOW_PROBES},
        "best_span": {name: run(span, *a) for name, a in q.SPAN_PROBES.items()},
        "answer_text": {answer: run(text, p, answer) for p, answer in q.TEXT_PROBES}}}


def test_windows_wants_no_window_inside_the_one_before():
    assert q.windows(_report(), None) == (1.0, "the window starts are right for all 6 probes")
    sample = _report(windows=lambda n, length, stride: list(range(0, n, stride)))
    points, why = q.windows(sample, None)
    assert points == 0.0 and why == (
        "window_starts(paragraph_len, max_paragraph_len, doc_stride) for 415,150,75 should be "
        "[0, 75, 150, 225, 300], not [0, 75, 150, 225, 300, 375] (a window that lies inside "
        "the one before it adds nothing)")
    ends = _report(windows=lambda n, length, stride: list(range(0, max(n - length, 0) + 1, stride)))
    assert q.windows(ends, None)[0] == 0.0  # misses the paragraph's tail


def test_best_span_wants_a_valid_span_and_the_best_one():
    assert q.best_span_question(_report(), None)[0] == 1.0
    def argmax(s, e, n):
        return max(range(len(s)), key=s.__getitem__), max(range(len(e)), key=e.__getitem__)
    points, why = q.best_span_question(_report(span=argmax), None)
    assert points == 0.0 and why.startswith(
        "best_span(start_logits, end_logits, max_answer_len) for end_before_start should be "
        "(2, 4), not [2, 1]")
    def one_longer(s, e, n):
        return q.best_span(s, e, n + 1)
    points, why = q.best_span_question(_report(span=one_longer), None)
    assert points == 0.0 and "too_long should be (4, 7), not [3, 7]" in why


def test_answer_text_wants_the_paragraphs_own_characters():
    assert q.answer_text(_report(), None)[0] == 1.0
    decoded = _report(text=lambda p, a: a.lower().replace("龘", "[UNK]").replace(" ", ""))
    points, why = q.answer_text(decoded, None)
    assert points == 0.0 and why.startswith(
        "answer_text(paragraph, offsets, start, end) for 龘山市 should be '龘山市', not [UNK]山市")


def test_an_untouched_template_and_a_missing_export_score_zero():
    def stub(*args):
        raise NotImplementedError
    untouched = _report(windows=stub, span=stub, text=stub)
    for check in (q.windows, q.best_span_question, q.answer_text):
        points, why = check(untouched, None)
        assert points == 0.0 and "gave no value" in why and "NotImplementedError" in why
    from course_utils.grading.questions import check_report
    answers = check_report(HW, list(QUESTIONS), {"probes": {}}, Path("."))
    assert [a.points for a in answers] == [0.0] * 3
    assert all("run the export cell" in a.detail for a in answers)
    assert load_config(HW).questions == QUESTIONS


def test_the_export_cell_asks_the_graders_probes():
    export = _cell(notebooks(HW)[1], "export")
    literals = {node.targets[0].id: ast.literal_eval(node.value)
                for node in ast.parse(export).body if isinstance(node, ast.Assign)
                and node.targets[0].id.endswith("_PROBES")}
    assert literals == {"WINDOW_PROBES": q.WINDOW_PROBES, "SPAN_PROBES": q.SPAN_PROBES,
                        "TEXT_PROBES": q.TEXT_PROBES}


@pytest.mark.parametrize("which", ["reference", "template"])
def test_the_export_cell_scores_the_reference_full_and_the_template_zero(tmp_path, which):
    """The reference's functions, run by the export cell on the probes with the shipped
    tokenizer, earn every question; the template's stubs earn none."""
    reference, template = notebooks(HW)
    nb = reference if which == "reference" else template
    namespace = {
        "torch": torch, "json": json, "Path": Path, "OUT_DIR": str(tmp_path),
        "tokenizer": BertTokenizerFast.from_pretrained(tiny_bert_dir("small")),
        "num_epoch": 1, "learning_rate": 1e-4, "dev_set": SimpleNamespace(doc_stride=150),
        "history": {"train_loss": [1.0], "dev_exact_match": [0.0]},
        "result_file": "result.csv", "result": []}
    exec(_cell(nb, "span_functions") + "\n" + _cell(nb, "export"), namespace)  # noqa: S102
    points = report_questions(HW, tmp_path, tmp_path)
    assert points == dict.fromkeys(QUESTIONS, 1.0 if which == "reference" else 0.0)


def test_the_text_probes_hold_unknown_characters_and_spaces():
    tokenizer = BertTokenizerFast.from_pretrained(tiny_bert_dir("small"))
    for paragraph, answer in q.TEXT_PROBES:
        encoding = tokenizer([paragraph], add_special_tokens=False)[0]
        first = paragraph.index(answer)
        start = encoding.char_to_token(first)
        end = encoding.char_to_token(first + len(answer) - 1)
        decoded = tokenizer.decode(encoding.ids[start:end + 1]).replace(" ", "")
        assert decoded != answer, answer  # the sample's decode gets each of them wrong
        assert paragraph[encoding.offsets[start][0]:encoding.offsets[end][1]] == answer


# ---- the signal the ladder relies on ---------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    return generate(HW, tmp_path_factory)


def _datasets(nb, data_dir: Path, **hints) -> dict:
    """The notebook's span functions and dataset cell run on the mini data (``hints`` stand in
    for the reference's ladder cell)."""
    import random

    from torch.utils.data import DataLoader, Dataset

    from course_utils.data.hw07 import read_data

    tokenizer = BertTokenizerFast.from_pretrained(tiny_bert_dir("small"))
    namespace = {"torch": torch, "random": random, "Dataset": Dataset, "DataLoader": DataLoader,
                 "hints": hints, "tokenizer": tokenizer}
    for split in ("train", "dev", "test"):
        questions, paragraphs = read_data(data_dir / f"hw7_{split}.json")
        namespace[f"{split}_questions"] = questions
        namespace[f"{split}_questions_tokenized"] = tokenizer(
            [x["question_text"] for x in questions], add_special_tokens=False)
        namespace[f"{split}_paragraphs_tokenized"] = tokenizer(paragraphs,
                                                               add_special_tokens=False)
    random.seed(0)
    exec(_cell(nb, "span_functions") + "\n" + _cell(nb, "dataset"), namespace)  # noqa: S102
    return namespace


def _answer_places(namespace: dict, n: int = 300) -> list[float]:
    """Where the answer's first token sits in the training window (0 = first paragraph token,
    1 = last), for training questions whose paragraph is longer than one window; each window
    must hold its answer."""
    dataset, places = namespace["train_set"], []
    for idx in range(n):
        question = dataset.questions[idx]
        if len(dataset.tokenized_paragraphs[question["paragraph_id"]]) <= 200:
            continue
        input_ids, _, _, start, end = dataset[idx]
        decoded = namespace["tokenizer"].decode(input_ids[start:end + 1]).replace(" ", "")
        assert decoded == question["answer_text"], (idx, decoded)
        question_len = int((input_ids[:60] == 102).nonzero()[0]) + 1
        places.append((start - question_len) / dataset.max_paragraph_len)
    return places


def test_the_sample_centres_the_training_window_and_the_reference_does_not(files):
    reference, template = notebooks(HW)
    centred = _answer_places(_datasets(template, files[0]))
    anywhere = _answer_places(_datasets(reference, files[0], doc_stride=75, random_window=True))
    assert len(centred) > 100 and len(anywhere) > 100
    def middle(places):  # the share of answers within 0.05 of the window's middle
        return sum(abs(p - 0.5) < 0.05 for p in places) / len(places)
    # the sample's window is centred on the answer unless the paragraph's start or end is near
    assert middle(centred) > 0.5 and middle(anywhere) < 0.2, (middle(centred), middle(anywhere))
    assert min(anywhere) < 0.1 and max(anywhere) > 0.85


def test_test_windows_follow_window_starts(files):
    reference, template = notebooks(HW)
    for nb, stride in ((template, 150), (reference, 75)):
        namespace = _datasets(nb, files[0], doc_stride=stride, random_window=False)
        dev = namespace["dev_set"]
        for idx in range(50):
            n = len(dev.tokenized_paragraphs[dev.questions[idx]["paragraph_id"]])
            windows = dev[idx][0].shape[0]
            expected = (len(q.window_starts(n, 150, stride)) if nb is reference
                        else len(range(0, n, stride)))
            assert windows == expected, (n, stride)


# ---- end to end: papermill in the grading profile --------------------------------------------


test_reference_reaches_strong_on_held_out_seeds, test_template_scores_simple_on_held_out_seeds = (
    held_out_tests(HW))


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(files, tmp_path, run_env, which):
    """Both notebooks run in seconds, and the real grader reads their result.csv and report."""
    score, seconds, work = run_graded(HW, which, *files, tmp_path, FAST_DEV_RUN=True)
    assert seconds < 60
    assert 0.0 <= score.public <= 1.0 and 0.0 <= score.private <= 1.0
    lines = (work / "result.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "ID,Answer" and len(lines) == 501
    assert report_questions(HW, work, files[1]) == dict.fromkeys(
        QUESTIONS, 1.0 if which == "reference" else 0.0)
    report = json.loads((work / "report.json").read_text())
    # the reference climbs to boss: 5 epochs of 3 batches, its loss falling; one dev evaluation
    assert len(report["train_loss"]) == report["num_epoch"] == (5 if which == "reference" else 1)
    assert len(report["dev_exact_match"]) == 1
    if which == "reference":
        assert report["train_loss"][-1] < report["train_loss"][0]


@pytest.mark.slow
def test_course_grade_runs_both_in_the_sandbox(tmp_path, files):
    """The grader, end to end: bwrap sandbox, grading profile, scoring, report questions."""
    check_course_grade(HW, *files, tmp_path, QUESTIONS)
