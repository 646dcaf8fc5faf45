"""HW6 notebooks: the template built from the reference, the official sample in it, the
gradient-penalty report question, torchvision's image helpers, the calibration, smoke runs,
the held-out runs and the sandboxed grader."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

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
from PIL import Image

from course_utils.grading.questions import check_report
from course_utils.grading.questions_hw06 import PROBE_NORMS, gradient_penalty
from course_utils.images import make_grid, read_image, save_image
from course_utils.transforms import ToPILImage

HW = "hw06"
SOLUTIONS = {"discriminator", "trainer", "config", "report_question_2"}
QUESTIONS = ("gradient_penalty",)


# ---- the notebooks ---------------------------------------------------------------------------

def test_template_is_built_from_the_reference():
    check_template_is_built(HW)


def test_parameters_cell():
    check_parameters_cell(HW, ("IMG_SIZE", "FEATURE_DIM"))


def test_roles():
    check_roles(HW, SOLUTIONS)


def test_calibration():
    check_calibration(HW)


def test_template_is_the_official_sample():
    """The sample's data set, models, loss, optimizer, loop and inference are cells of the
    template, with its notes and TODOs; none of the ladder's changes is."""
    template = notebooks(HW)[1]
    source = "\n".join(c.source for c in template.cells if c.cell_type == "code")
    for official in (
            "class CrypkoDataset(Dataset):", "fnames = glob.glob(os.path.join(root, '*'))",
            "transforms.Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),",
            "class Generator(nn.Module):", "def dconv_bn_relu(self, in_dim, out_dim):",
            "nn.ConvTranspose2d(in_dim, out_dim, kernel_size=5, stride=2,",
            "class Discriminator(nn.Module):", "Remove last sigmoid layer for WGAN",
            "Use nn.InstanceNorm2d instead", "last = [nn.Sigmoid()]",
            "norm = nn.BatchNorm2d(out_dim)",
            "def weights_init(m):", "m.weight.data.normal_(0.0, 0.02)",
            "self.loss = nn.BCELoss()", "WGAN: use RMSprop optimizer",
            "Implement gradient penalty function", "        pass",
            "gradient_penalty = self.gp(r_imgs, f_imgs)", "loss_D = (r_loss + f_loss) / 2",
            "loss_G = self.loss(f_logit, r_label)",
            '#     p.data.clamp_(-self.config["clip_value"], self.config["clip_value"])',
            "if self.steps % self.config[\"n_critic\"] == 0:", '"model_type": "GAN",',
            '"batch_size": 64,', '"lr": 1e-4,', '"betas": (0.5, 0.999),', '"z_dim": 100,',
            "save_image(imgs[i], os.path.join(OUT_DIR, 'output', f'{i+1}.jpg'))",
            "def inference(self, G_path, n_generate=1000, n_output=30, show=False):",
            "grad_norms = {}"):
        assert official in source, official
    for recipe in ("spectral_norm", "G_ema", "lambda_gp", "LADDER", "hinge",
                   "InstanceNorm2d(out_dim"):
        assert recipe not in source, recipe


# ---- the report question (a trusted check on report.json) -------------------------------------

def _report(penalty) -> dict:
    """report.json's probe as the export cell writes it, for ``penalty(w_norm)``."""
    return {"probes": {"gradient_penalty": {str(w): {"output": penalty(w)}
                                            for w in PROBE_NORMS}}}


def test_gradient_penalty_wants_lambda_times_the_squared_distance_from_one():
    assert gradient_penalty(_report(lambda w: 10 * (w - 1) ** 2), None) == (
        1.0, "gp is lambda * mean((||grad D|| - 1)^2) with lambda = 10")
    assert gradient_penalty(_report(lambda w: (w - 1) ** 2), None)[0] == 1.0  # lambda = 1
    for wrong in (lambda w: 10 * (w ** 2 - 1) ** 2,            # squared norm
                  lambda w: 10 * abs(w - 1),                   # no square
                  lambda w: 10 * (2 * w - 1) ** 2,             # one norm over a batch of 4
                  lambda w: 10 * w ** 2,                       # no - 1
                  lambda w: 0.0):
        points, why = gradient_penalty(_report(wrong), None)
        assert points == 0.0, why
    untouched = {"probes": {"gradient_penalty": {str(w): {"error": "gp returned None"}
                                                 for w in PROBE_NORMS}}}
    assert gradient_penalty(untouched, None) == (
        0.0, "TrainerGAN.gp gave no value (gp returned None)")
    answers = check_report(HW, ["gradient_penalty"], {"probes": {}}, Path("."))
    assert answers[0].points == 0.0 and "export cell" in answers[0].detail


def test_the_export_cells_probe_gives_the_formula_for_a_correct_gp():
    """The reference's gp, run on the export cell's probe discriminators, earns the point; the
    template's (``pass``) does not."""
    reference, template = notebooks(HW)
    runs = {}
    for name, nb in (("reference", reference), ("template", template)):
        trainer_cell = next(c.source for c in nb.cells
                            if c.metadata.get("course", {}).get("grade_id") == "trainer")
        export = next(c.source for c in nb.cells
                      if c.metadata.get("course", {}).get("grade_id") == "export")
        probe = export[:export.index("out_dir = Path(OUT_DIR)")]
        from course_utils.authoring import strip_solution
        namespace = {"torch": torch, "nn": torch.nn, "device": torch.device("cpu")}
        exec("import copy, os, logging\nfrom datetime import datetime\n"  # noqa: S102
             "from torch.autograd import Variable\n"
             + (strip_solution(trainer_cell) if name == "template" else trainer_cell)
             + "\n" + probe, namespace)
        trainer = namespace["TrainerGAN"].__new__(namespace["TrainerGAN"])
        trainer.config, trainer.D = {"lambda_gp": 10}, None
        runs[name] = _probes(namespace["probe_gp"], trainer)
    assert gradient_penalty(runs["reference"], None)[0] == 1.0
    assert gradient_penalty(runs["template"], None)[0] == 0.0


def _probes(probe_gp, trainer) -> dict:
    return {"probes": {"gradient_penalty": {str(w): probe_gp(trainer, w) for w in PROBE_NORMS}}}


# ---- torchvision's image helpers ---------------------------------------------------------------

def test_images_round_trip_like_torchvision(tmp_path):
    x = torch.rand(5, 3, 4, 6, generator=torch.Generator().manual_seed(0))
    grid = make_grid(x, nrow=2)
    assert grid.shape == (3, 3 * (4 + 2) + 2, 2 * (6 + 2) + 2)
    assert torch.equal(grid[:, 2:6, 10:16], x[1]) and float(grid[:, 0].abs().sum()) == 0.0
    save_image(x[0], tmp_path / "a.png")
    back = read_image(tmp_path / "a.png")
    assert back.dtype == torch.uint8 and back.shape == (3, 4, 6)
    assert torch.equal(back, (x[0] * 255 + 0.5).clamp(0, 255).to(torch.uint8))
    assert ToPILImage()(back).size == (6, 4)
    save_image(x, tmp_path / "grid.jpg", nrow=5)
    assert Image.open(tmp_path / "grid.jpg").size == (5 * 8 + 2, 4 + 4)


# ---- smoke runs --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    return generate(HW, tmp_path_factory)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(files, tmp_path, run_env, which):
    """Both notebooks run in seconds, and the real grader reads their submission.tgz and
    their report (the gradient penalty: the reference's earns it, the template's does not)."""
    score, seconds, work = run_graded(HW, which, *files, tmp_path, FAST_DEV_RUN=True)
    assert seconds < 60
    assert set(score.public) == {"fid", "afd", "hair_coverage"}
    with tarfile.open(work / "submission.tgz") as tar:
        assert sorted(tar.getnames()) == sorted(f"{i}.jpg" for i in range(1, 1001))
    assert report_questions(HW, work, files[1]) == {
        "gradient_penalty": 1.0 if which == "reference" else 0.0}
    report = json.loads((work / "report.json").read_text())
    assert len(report["loss_D"]) == 1 == len(report["loss_G"])


test_reference_reaches_strong_on_held_out_seeds, test_template_scores_simple_on_held_out_seeds = (
    held_out_tests(HW))


@pytest.mark.slow
def test_course_grade_runs_both_in_the_sandbox(tmp_path, files):
    """The grader, end to end (bwrap sandbox, grading profile, scoring, report questions) on
    the default seeds (data 2022, SEED 2022): the template is simple on both halves, the
    reference at least strong (strong on both halves in the last measurement: FID 870 / 900
    against boss's 667, though its AFD 0.055 / 0.065 reaches boss's 0.052), and the report
    question gives the reference its point only."""
    check_course_grade(HW, *files, tmp_path, QUESTIONS,
                       reference_tiers=frozenset({"strong", "boss"}),
                       template_halves=("public", "private"))
