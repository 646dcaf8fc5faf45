"""HW5: the mini TED2020 data in the official layout, the notebooks, the calibrated tiers."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import course_datasets.hw05_ted2020 as generator
import pytest
import sacrebleu
import torch
from homework_e2e import (
    check_calibration,
    check_course_grade,
    check_generator_matches_registry,
    check_parameters_cell,
    check_roles,
    check_template_is_built,
    generate,
    held_out_tests,
    notebooks,
    run_graded,
)

from course_utils.data import resolve
from course_utils.data.hw05 import (
    FILES,
    SchemaError,
    check_ted2020,
    clean_corpus,
    clean_s,
    read_lines,
    strQ2B,
)
from course_utils.grading import load_config, read_predictions
from course_utils.grading.questions_hw05 import gradient_norm, positional_embedding
from course_utils.seq2seq import SinusoidalPositionalEmbedding

HW = "hw05"
RAW = Path("DATA/rawdata")
SOLUTIONS = {"config", "model", "arch", "lr_schedule", "back_translation", "checkpoint",
             "report_problem_1", "report_problem_2"}
QUESTIONS = {"positional_embedding", "gradient_norm"}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    return generate(HW, tmp_path_factory)


@pytest.fixture(scope="module")
def corpus(files) -> dict[str, list[str]]:
    raw = files[0] / RAW
    return {name: read_lines(raw / name) for name in FILES}


# ---- the generator and the official layout ---------------------------------------------------

def test_generator_is_deterministic_and_matches_the_registry(files, tmp_path):
    check_generator_matches_registry(HW, files[0], tmp_path)


def test_files_have_the_official_layout(files, corpus):
    counts = check_ted2020(files[0])
    assert counts == {FILES[0]: generator.N_TRAIN, FILES[1]: generator.N_TRAIN,
                      FILES[2]: generator.N_TEST, FILES[3]: generator.N_TEST,
                      FILES[4]: generator.N_MONO}
    assert set(corpus[FILES[3]]) == {"。"}
    assert all(line.endswith(("。", "？")) for line in corpus[FILES[1]][:500])
    assert all(line[0].isupper() and line.endswith((".", "?")) for line in corpus[FILES[0]][:500])
    files_written = sorted(p.relative_to(files[0]).as_posix() for p in files[0].rglob("*")
                           if p.is_file())
    assert files_written == sorted(f"{RAW}/{f}" for f in FILES)


def test_answers_go_only_to_the_answer_folder(files, corpus):
    data, key = files
    answers = read_lines(key / load_config(HW).answer_file)
    assert [p.name for p in key.iterdir()] == ["test.zh.answers"]
    assert len(answers) == generator.N_TEST and all(answers)
    # written as clean_corpus leaves Chinese: half-width punctuation, no spaces
    assert all(a == strQ2B(a) and " " not in a for a in answers)
    text = "\n".join(corpus[FILES[4]])
    assert sum(a.rstrip("。?") in text for a in answers[:200]) == 0  # not leaked via mono


def test_schema_check_says_what_is_wrong(files, tmp_path):
    import shutil

    shutil.copytree(files[0] / "DATA", tmp_path / "DATA")
    (tmp_path / RAW / FILES[3]).write_text("。\n" * (generator.N_TEST - 1) + "答案\n")
    with pytest.raises(SchemaError, match="placeholder"):
        check_ted2020(tmp_path)
    (tmp_path / RAW / FILES[1]).unlink()
    with pytest.raises(SchemaError, match="raw.zh"):
        check_ted2020(tmp_path)


def test_official_cleaning_reads_the_mini_files_via_resolve(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    folder = resolve(HW)
    assert (folder / RAW / FILES[0]).is_file()
    prefix = tmp_path / "train_dev.raw"
    for lang, name in (("en", FILES[0]), ("zh", FILES[1])):
        Path(f"{prefix}.{lang}").write_text((folder / RAW / name).read_text(encoding="utf-8"),
                                            encoding="utf-8")
    clean_corpus(prefix, "en", "zh")
    en, zh = read_lines(f"{prefix}.clean.en"), read_lines(f"{prefix}.clean.zh")
    assert len(en) == len(zh) > 0.99 * generator.N_TRAIN  # the length filters keep almost all
    assert en[0].endswith(" .") or en[0].endswith(" ?")
    assert zh[0].endswith(" 。") or zh[0].endswith(" ?")
    assert clean_s("你好？（笑）", "zh") == "你好 ?"


# ---- the signal the ladder relies on ---------------------------------------------------------

def _noun_share(lines: list[str], nouns: list[tuple]) -> float:
    text = "".join(lines)
    return sum(text.count(n[2]) for n in nouns) / max(len(lines), 1)


def test_talk_nouns_are_rare_in_the_parallel_corpus(corpus):
    parallel = _noun_share(corpus[FILES[1]], generator.MONO_NOUNS)
    mono = _noun_share(corpus[FILES[4]], generator.MONO_NOUNS)
    assert mono > 8 * parallel and parallel > 0  # rare, not absent
    answers_like = [zh for _, zh in generator.corpus(300, generator.TALK,
                                                     __import__("numpy").random.RandomState(1),
                                                     generator.NAMES)]
    assert _noun_share(answers_like, generator.MONO_NOUNS) > 8 * parallel


def test_the_grammar_has_its_constructions(corpus):
    zh, en = corpus[FILES[1]], corpus[FILES[0]]
    share = {name: sum(bool(re.search(p, s)) for s in zh) / len(zh) for name, p in
             [("relative clause", "的那"), ("question", "嗎？$"), ("negation", "不|沒有"),
              ("measure word", "[一兩三四五][隻本位個輛張把條頭匹首]")]}
    assert all(0.1 < v < 0.9 for v in share.values()), share
    nested = sum(s.count("that") >= 2 for s in en) / len(en)
    assert nested > 0.03
    names = Counter(w for s in zh for w in re.findall("[A-Z][a-z]+", s))
    assert len(names) > 100 and set(names) <= set(generator.NAMES[: generator.N_NAMES // 2])


def test_a_word_for_word_translation_scores_low(corpus):
    """Word order matters: translating word by word (ignoring reordering) is far from the refs."""
    lexicon = {en: zh for en, _, zh, _, _ in generator.NOUNS}
    lexicon.update({base: zh for base, _, _, zh, _ in generator.VERBS})
    lexicon.update(dict(generator.ADJECTIVES))
    hyps = ["".join(lexicon.get(w.lower().strip(".?"), "") for w in s.split())
            for s in corpus[FILES[0]][:300]]
    refs = [strQ2B(s) for s in corpus[FILES[1]][:300]]
    assert sacrebleu.corpus_bleu(hyps, [refs], tokenize="zh").score < 15


# ---- the report questions (trusted checks on report.json) ------------------------------------

def _pe_report(rows: int = 64, dim: int = 16) -> dict:
    emb = SinusoidalPositionalEmbedding.get_embedding(rows, dim, padding_idx=1)
    unit = torch.nn.functional.normalize(emb, dim=-1)
    return {"pos_emb": emb.tolist(), "pos_similarity": (unit @ unit.T).tolist()}


def test_the_official_report_problems_are_in_both_notebooks_word_for_word():
    official = (
        "Visualize the similarity between different pairs of positional embedding and briefly "
        "explain the result.",
        "Given a (N x D) positional embedding lookup table, you aim to get a (N x N) "
        '"similarity matrix" by calculating similarity between different pairs of embeddings in '
        "the table. You need to visualize the similarity matrix and briefly explain the result. "
        "In this problem, we focus on the positional embeddings of the decoder.",
        "Clip gradient norm and visualize the changes of gradient norm in different steps. "
        "Circle two places with gradient explosion.",
    )
    for nb in notebooks(HW):
        text = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
        assert [line for line in official if line not in text] == []


def test_problem_1_recomputes_the_cosine_similarity_and_wants_position():
    good = _pe_report()
    assert positional_embedding(good, None)[0] == 1.0
    assert positional_embedding({"pos_emb": None, "pos_similarity": None}, None) == (
        0.0, "report.json has no pos_emb (the report cell leaves it None)")
    wrong = {**good, "pos_similarity": (torch.tensor(good["pos_similarity"]) * 0.9).tolist()}
    assert positional_embedding(wrong, None)[1].startswith("pos_similarity differs")
    noise = torch.randn(64, 16, generator=torch.Generator().manual_seed(0))
    unit = torch.nn.functional.normalize(noise, dim=-1)
    random = {"pos_emb": noise.tolist(), "pos_similarity": (unit @ unit.T).tolist()}
    points, why = positional_embedding(random, None)
    assert points == 0.0 and "not more similar" in why
    small = _pe_report(rows=8)
    assert "at least 16 positions" in positional_embedding(small, None)[1]
    cut = {**good, "pos_similarity": [r[:10] for r in good["pos_similarity"][:10]]}
    assert "N x N" in positional_embedding(cut, None)[1]


def _gn_report(**change) -> dict:
    norms = [0.5 + 0.01 * i for i in range(50)]
    norms[7], norms[30] = 3.0, 1.5
    return {"grad_norms": norms, "n_steps": 50, "clip_norm": 1.0, "explosion_steps": [7, 30],
            **change}


def test_problem_2_wants_one_norm_per_step_and_two_clipped_steps():
    assert gradient_norm(_gn_report(), None)[0] == 1.0
    assert gradient_norm(_gn_report(grad_norms=[]), None)[0] == 0.0
    assert "optimizer steps" in gradient_norm(_gn_report(n_steps=60), None)[1]
    assert "clip_norm = 1.0" in gradient_norm(_gn_report(clip_norm=5.0), None)[1]
    points, why = gradient_norm(_gn_report(explosion_steps=[7, 8]), None)
    assert points == 0.5 and "1 do" in why
    assert gradient_norm(_gn_report(explosion_steps=[]), None)[0] == 0.5
    assert gradient_norm(_gn_report(grad_norms=[1.0] * 50), None)[0] == 0.0
    assert gradient_norm(_gn_report(grad_norms=[float("nan")] * 50), None)[0] == 0.0


def test_a_sample_that_repeats_to_the_length_limit_is_still_read(tmp_path):
    """The official sample at its own settings on the mini set (a GPU, 2026-12-04) wrote 1000
    lines of up to 870 bytes (574,149 bytes) repeating phrases up to ``max_len_b``: the grader
    must score such a file (near 0 BLEU), not refuse it for its size."""
    spec = load_config(HW).artifact
    line = "這支奇怪的筆" * 48  # 864 bytes of UTF-8
    (tmp_path / spec.file).write_text("\n".join([line] * 1000) + "\n", encoding="utf-8")
    preds = read_predictions(tmp_path / spec.file, spec, [str(i) for i in range(1000)])
    assert len(preds) == 1000 and len(line.encode()) == 864


def test_grading_lists_the_two_official_report_problems():
    assert set(load_config(HW).questions) == QUESTIONS


# ---- the notebooks ---------------------------------------------------------------------------

def test_template_is_built_from_the_reference():
    check_template_is_built(HW)


def test_template_is_the_official_sample():
    """The sample's model, loss, optimizer and loop are cells of the template, not imports."""
    template = notebooks(HW)[1]
    source = "\n".join(c.source for c in template.cells if c.cell_type == "code")
    for official in (
            "def get_rate(d_model, step_num, warmup_step):", "lr = 0.001",
            "# HINT: TODO: switch to TransformerEncoder & TransformerDecoder",
            "# encoder = TransformerEncoder(args, src_dict, encoder_embed_tokens)",
            "class RNNEncoder(FairseqEncoder):", "class AttentionLayer(nn.Module):",
            "class RNNDecoder(FairseqIncrementalDecoder):",
            "class Seq2Seq(FairseqEncoderDecoderModel):",
            "class LabelSmoothedCrossEntropyCriterion(nn.Module):",
            "def train_one_epoch(epoch_itr, model, task, criterion, optimizer, accum_steps=1):",
            "gnorm = nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)",
            "def validate_and_save(", "def try_load_checkpoint(", "class NoamOpt:",
            "smoothing=0.1", "clip_norm = 1.0", "# 3000~4000 would suffice",
            "def init_params(module):", "clean_corpus(data_prefix, src_lang, tgt_lang)",
            "# add_transformer_args(arch_args)",
            'try_load_checkpoint(model, name="avg_last_5_checkpoint.pt")', "max_len_a = 1.2",
            "keep_last_epochs = 5", "pos_emb = None", "explosion_steps = []"):
        assert official in source, official
    assert "stats.setdefault(\"grad_norm\"" not in source  # problem 2 is the student's


def test_parameters_cell():
    check_parameters_cell(HW, ("N_TRAIN", "VOCAB_SIZE"))


def test_roles():
    check_roles(HW, SOLUTIONS)


def test_calibration():
    check_calibration(HW)


# ---- end to end: papermill in the grading profile --------------------------------------------

test_reference_reaches_strong_on_held_out_seeds, test_template_scores_simple_on_held_out_seeds = (
    held_out_tests(HW))


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(files, tmp_path, run_env, which):
    _, seconds, work = run_graded(HW, which, *files, tmp_path, FAST_DEV_RUN=True)
    assert seconds < 60
    lines = (work / "prediction.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == generator.N_TEST
    report = json.loads((work / "report.json").read_text())
    assert report["train_loss"][-1] < report["train_loss"][0]


@pytest.mark.slow
def test_course_grade_runs_both_in_the_sandbox(tmp_path, files):
    """The grader, end to end: bwrap sandbox, grading profile, scoring, report questions."""
    check_course_grade(HW, *files, tmp_path, QUESTIONS)
