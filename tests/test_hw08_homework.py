"""HW8 notebooks: the template built from the reference, the official sample in it, the two
auto-graded questions (each shown to fail wrong answers with a reason), smoke runs, held-out
seeds and the sandboxed grader end to end."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
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
from sklearn.metrics import roc_auc_score

from course_utils.authoring import strip_solution
from course_utils.data.hw08 import (
    N_LABELLED_PROBES,
    N_SCORE_PROBES,
    labelled_probes,
    score_probes,
)
from course_utils.grading.questions import check_report
from course_utils.grading.questions_hw08 import anomaly_score, probe_auc

HW = "hw08"
SOLUTIONS = {"model", "config", "training", "score", "report_question_2", "probe_auc"}
QUESTIONS = ("anomaly_score", "probe_auc")


# ---- the notebooks ---------------------------------------------------------------------------

def test_template_is_built_from_the_reference():
    check_template_is_built(HW)


def test_parameters_cell():
    check_parameters_cell(HW)


def test_roles():
    check_roles(HW, SOLUTIONS)


def test_calibration():
    check_calibration(HW)


def _code(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_template_is_the_official_sample():
    """The sample's models, data set, configuration, loop, checkpoints and inference are cells
    of the template; none of the ladder's changes is."""
    template = _code(notebooks(HW)[1])
    for official in (
            "train = np.load(data_dir / 'data/trainingset.npy', allow_pickle=True)",
            "same_seeds(SEED)", "class fcn_autoencoder(nn.Module):",
            "nn.Linear(64 * 64 * 3, 128),", "nn.Linear(12, 3)", "nn.Linear(3, 12),",
            "class conv_autoencoder(nn.Module):",
            "nn.ConvTranspose2d(48, 24, 4, stride=2, padding=1),",
            "class VAE(nn.Module):", "def reparametrize(self, mu, logvar):",
            "def loss_vae(recon_x, x, mu, logvar, criterion):",
            "KLD = torch.sum(KLD_element).mul_(-0.5)",
            "class CustomTensorDataset(TensorDataset):",
            "transforms.Lambda(lambda x: 2. * x/255. - 1.),",
            "batch_size = 2000", "learning_rate = 1e-3",
            "model_classes = {'fcn': fcn_autoencoder(), 'cnn': conv_autoencoder(), 'vae': VAE()}",
            "criterion = nn.MSELoss()",
            "optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)",
            "loss = loss_vae(output[0], img, output[1], output[2], criterion)",
            "torch.save(model, 'best_model_{}.pt'.format(model_type))",
            "torch.save(model, 'last_model_{}.pt'.format(model_type))",
            "eval_batch_size = 200", "eval_loss = nn.MSELoss(reduction='none')",
            "checkpoint_path = f'last_model_{model_type}.pt'",
            "loss = eval_loss(output, img).sum([1, 2, 3])", "return torch.sqrt(loss)",
            "df = pd.DataFrame(anomality, columns=['score'])",
            "df.to_csv(out_file, index_label = 'ID')", "probe_auc = None"):
        assert official in template, official
    for recipe in ("multi_encoder", "LADDER", "noise", "feature_weight", "avg_pool2d",
                   "nearest_distance", "roc_auc_score"):
        assert recipe not in template, recipe


# ---- the auto-graded questions (trusted checks on report.json) --------------------------------

def _pairs() -> tuple[torch.Tensor, torch.Tensor]:
    return tuple(torch.from_numpy(a) for a in score_probes())


def _score_report(score) -> dict:
    """report.json's anomaly_score probe for a score function ``score(img, output)``."""
    img, output = _pairs()
    return {"probes": {"anomaly_score": [float(s) for s in score(img, output)]}}


def test_anomaly_score_wants_the_recoloured_patch_above_diffuse_error():
    def pooled(img, output):
        return ((F.avg_pool2d(output, 4) - F.avg_pool2d(img, 4)) ** 2).sum([1, 2, 3]).sqrt()

    points, why = anomaly_score(_score_report(pooled), None)
    assert (points, why) == (1.0, "a recoloured patch scores above diffuse error in 100% of "
                                  "the pairs")
    largest = anomaly_score(_score_report(lambda i, o: (o - i).abs().flatten(1).max(1).values),
                            None)
    assert largest[0] == 1.0
    for wrong in (lambda i, o: ((o - i) ** 2).sum([1, 2, 3]).sqrt(),  # the sample's score
                  lambda i, o: ((o - i) ** 2).mean([1, 2, 3]),         # MSE: the same order
                  lambda i, o: (o - i).abs().sum([1, 2, 3]),           # L1
                  lambda i, o: torch.zeros(len(i))):                   # constant: ties
        points, why = anomaly_score(_score_report(wrong), None)
        assert points == 0.0 and "compare the images at a coarser scale" in why, why
    n = 2 * N_SCORE_PROBES
    for report, reason in (
            ({"probes": {"anomaly_score": [1.0] * (n - 1)}}, f"one score per probe image, {n}"),
            ({"probes": {"anomaly_score": [1.0] * (n - 1) + [math.nan]}}, "not a finite number"),
            ({"probes": {"anomaly_score": None, "anomaly_score_error": "ValueError: shape"}},
             "anomaly_score gave no output (ValueError: shape)"),
            ({"probes": {}}, "anomaly_score gave no output (no value)"),
            ({}, "run the export cell unchanged")):
        answer = check_report(HW, ["anomaly_score"], report, Path("."))[0]
        assert answer.points == 0.0 and reason in answer.detail, answer.detail


def _auc_report(scores, auc) -> dict:
    return {"probes": {"probe_auc": {"scores": [float(s) for s in scores], "auc": auc}}}


def test_probe_auc_is_recomputed_and_must_reach_the_bar():
    images, labels = labelled_probes()
    assert images.shape == (N_LABELLED_PROBES, 64, 64, 3) and labels.mean() == 0.5
    rng = np.random.RandomState(0)
    good = labels + rng.normal(0, 0.4, len(labels))
    auc = float(roc_auc_score(labels, good))
    assert auc > 0.85
    assert probe_auc(_auc_report(good, auc), None) == (
        1.0, f"AUC {auc:.4f} on the labelled probe set, as you computed it")
    weak = labels + rng.normal(0, 3, len(labels))
    weak_auc = float(roc_auc_score(labels, weak))
    points, why = probe_auc(_auc_report(weak, weak_auc), None)
    assert points == 0.0 and f"is {weak_auc:.4f}; at least 0.85" in why
    for report, reason in (
            (_auc_report(good, None), "probe_auc is None"),
            (_auc_report(good, 1 - auc), "is not the ROC AUC of your probe scores"),
            (_auc_report(-good, auc), "is not the ROC AUC of your probe scores"),
            (_auc_report(good, "0.9"), "must be a finite number"),
            (_auc_report(good[:-1], auc), f"one score per probe image, {N_LABELLED_PROBES}"),
            ({"probes": {"probe_auc": None, "probe_auc_error": "NameError: x"}},
             "probe_auc gave no output (NameError: x)")):
        answer = check_report(HW, ["probe_auc"], report, Path("."))[0]
        assert answer.points == 0.0 and reason in answer.detail, answer.detail


def _notebook_anomaly_score(nb, which: str):
    """The ``anomaly_score`` function of a notebook's score cell (the template's as built)."""
    cell = next(c.source for c in nb.cells
                if c.metadata.get("course", {}).get("grade_id") == "score")
    source = strip_solution(cell) if which == "template" else cell
    tree = ast.parse(source)
    function = next(node for node in tree.body
                    if isinstance(node, ast.FunctionDef) and node.name == "anomaly_score")
    namespace = {"torch": torch, "F": F, "eval_loss": torch.nn.MSELoss(reduction="none")}
    exec(ast.unparse(function), namespace)  # noqa: S102
    return namespace["anomaly_score"]


def test_the_reference_score_passes_the_probe_and_the_samples_does_not():
    reference, template = notebooks(HW)
    got = {which: anomaly_score(_score_report(_notebook_anomaly_score(nb, which)), None)[0]
           for which, nb in (("reference", reference), ("template", template))}
    assert got == {"reference": 1.0, "template": 0.0}


# ---- end to end: papermill in the grading profile --------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    return generate(HW, tmp_path_factory)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(files, tmp_path, run_env, which):
    """Both notebooks run in seconds; the real grader reads their prediction.csv and report
    (the reference's score function earns its point, the template's does not)."""
    score, seconds, work = run_graded(HW, which, *files, tmp_path, FAST_DEV_RUN=True)
    assert seconds < 60
    assert 0.0 <= score.public <= 1.0 and 0.0 <= score.private <= 1.0
    report = json.loads((work / "report.json").read_text())
    assert len(report["train_loss"]) == 1
    points = report_questions(HW, work, files[1])
    assert points["anomaly_score"] == (1.0 if which == "reference" else 0.0)
    if which == "template":
        assert points["probe_auc"] == 0.0


test_reference_reaches_strong_on_held_out_seeds, test_template_scores_simple_on_held_out_seeds = (
    held_out_tests(HW))


@pytest.mark.slow
def test_course_grade_runs_both_in_the_sandbox(tmp_path, files):
    """The grader, end to end: bwrap sandbox, grading profile, scoring, report questions."""
    check_course_grade(HW, *files, tmp_path, QUESTIONS)
