"""Calibrate a homework's tiers from measured runs of its template and reference (HW01).

    python -m course_utils.grading.calibrate hw01 --seeds 0 1 2

For every seed, papermill runs the student template (it sets *simple*) and the reference with
``TIER`` = medium, strong and boss, each in a fresh folder with ``grading.json``'s grading
parameters. Each ``pred.csv`` is scored against an answer key made by the homework's
generator. A threshold is the worst seed's score (on the worse of the public and private
halves) plus a metric-specific tolerance, in the metric's direction. The thresholds must be
strictly ordered, their gaps wider than the seed spread, and no run may reach the tier above
its own; otherwise nothing is written and the generator's difficulty knobs need retuning.
Then ``grading.json`` gets the tiers and a ``calibration`` record.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import itertools
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import papermill
import torch

from course_utils.authoring import template_paths
from course_utils.data.registry import spec
from course_utils.grading.artifact import read_answers
from course_utils.grading.config import TIERS, GradingConfig, homework_root, load_config
from course_utils.grading.scoring import score_artifact
from course_utils.runtime import FAST_DEV_RUN_ENV, PROFILE_ENV

# How far below (above, for lower-is-better) the worst calibration run a threshold sits.
TOLERANCE = {"mse": ("relative", 0.05), "accuracy": ("absolute", 0.005),
             "bleu": ("absolute", 0.5)}
RUN_ENV = {"OMP_NUM_THREADS": "1", "MPLBACKEND": "agg", "PYTHONHASHSEED": "0"}


class CalibrationError(RuntimeError):
    """The ladder does not separate; the message shows the scores and what failed."""


def tolerance(metric: str, score: float) -> float:
    """The margin added to the worst calibration score of a rung."""
    kind, value = TOLERANCE[metric]
    return value * abs(score) if kind == "relative" else value


def constant_score(config: GradingConfig, key: Path) -> float | None:
    """The score of predicting one constant, the answers' mean (MSE only): a run must beat it."""
    if config.metric != "mse":
        return None
    truth = list(read_answers(key / config.answer_file, config.artifact).values())
    mean = sum(truth) / len(truth)
    return sum((t - mean) ** 2 for t in truth) / len(truth)


def run_notebook(notebook: Path, parameters: dict, parent: Path) -> tuple[Path, float]:
    """Execute ``notebook`` in a fresh folder under ``parent`` (also its OUT_DIR); return the
    folder and the seconds it took, kernel start included."""
    work = Path(tempfile.mkdtemp(prefix="run-", dir=parent))
    start = time.perf_counter()
    papermill.execute_notebook(str(notebook), str(work / "executed.ipynb"),
                               parameters={**parameters, "OUT_DIR": str(work)},
                               kernel_name="python3", cwd=str(work), progress_bar=False)
    return work, time.perf_counter() - start


def _worst(config: GradingConfig, values) -> float:
    return (min if config.higher_is_better else max)(values)


def _best(config: GradingConfig, values) -> float:
    return (max if config.higher_is_better else min)(values)


def thresholds(config: GradingConfig, scores: dict[str, dict[int, dict]]) -> dict[str, float]:
    """Per tier: the worst run (any seed, either half) moved by the tolerance, leniently."""
    sign = -1.0 if config.higher_is_better else 1.0
    tiers = {}
    for tier, runs in scores.items():
        worst = _worst(config, [v for r in runs.values() for v in r.values()])
        tiers[tier] = worst + sign * tolerance(config.metric, worst)
    return tiers


def check_ladder(config: GradingConfig, scores: dict[str, dict[int, dict]],
                 tiers: dict[str, float], constant: float | None = None) -> list[str]:
    """Problems with the ladder (empty: it separates). With ``constant`` (the score of a
    constant prediction), a run that does not get halfway to 0 from it did not learn."""
    problems = [f"{tier} run with seed {seed} did not learn: {max(r.values()):.4g} vs "
                f"{constant:.4g} for a constant prediction"
                for tier, runs in scores.items() for seed, r in runs.items()
                if constant is not None and max(r.values()) > constant / 2]
    per_seed = {t: [_worst(config, r.values()) for r in runs.values()]
                for t, runs in scores.items()}
    spread = {t: max(v) - min(v) for t, v in per_seed.items()}
    for lower, upper in itertools.pairwise(TIERS):
        gap = (tiers[upper] - tiers[lower]) * (1 if config.higher_is_better else -1)
        if gap <= 0:
            problems.append(f"{upper} threshold {tiers[upper]:.4g} is not better than "
                            f"{lower}'s {tiers[lower]:.4g}")
        elif gap <= max(spread[lower], spread[upper]):
            problems.append(f"gap {lower}→{upper} ({gap:.4g}) is not wider than the seed spread "
                            f"({spread[lower]:.4g}, {spread[upper]:.4g})")
        best = _best(config, [v for r in scores[lower].values() for v in r.values()])
        if _best(config, [best, tiers[upper]]) == best:
            problems.append(f"a {lower} run scores {best:.4g}, which reaches {upper} "
                            f"({tiers[upper]:.4g})")
    return problems


def _generator_record(hw: str) -> dict:
    module = importlib.import_module(spec(hw).generator)
    return {"module": spec(hw).generator, "version": module.VERSION, "seed": module.SEED}


def calibrate(hw: str, seeds: list[int], root: Path | None = None, note: str = "",
              log=print) -> dict:
    """Run the ladder, check it, and return the new ``tiers`` and ``calibration`` entries."""
    config = load_config(hw, root)
    reference, template = template_paths(hw, root)
    saved = {k: os.environ.pop(k) for k in (PROFILE_ENV, FAST_DEV_RUN_ENV) if k in os.environ}
    os.environ.update(RUN_ENV)
    scores: dict[str, dict[int, dict]] = {t: {} for t in TIERS}
    runtimes: dict[str, dict[int, float]] = {t: {} for t in TIERS}
    try:
        with tempfile.TemporaryDirectory(prefix=f"calibrate-{hw}-") as tmp:
            data, key = Path(tmp) / "data", Path(tmp) / "key"
            spec(hw).generate()(data, key)
            constant = constant_score(config, key)
            for seed in seeds:
                for tier in TIERS:
                    notebook, extra = (template, {}) if tier == "simple" else (
                        reference, {"TIER": tier})
                    parameters = {**config.grading_parameters, **extra, "SEED": seed,
                                  "DATA_DIR": str(data)}
                    work, seconds = run_notebook(notebook, parameters, Path(tmp))
                    score = score_artifact(config, work / config.artifact.file, key)
                    scores[tier][seed] = {"public": score.public, "private": score.private}
                    runtimes[tier][seed] = round(seconds, 1)
                    log(f"{hw} seed {seed} {tier:>6}: public {score.public:.4f} "
                        f"private {score.private:.4f} ({seconds:.0f} s)")
    finally:
        os.environ.update(saved)
    tiers = thresholds(config, scores)
    problems = check_ladder(config, scores, tiers, constant)
    table = json.dumps({"tiers": tiers, "scores": scores}, indent=1)
    if problems:
        raise CalibrationError(f"{hw}: the ladder does not separate; retune the generator's "
                               "difficulty knobs.\n  " + "\n  ".join(problems) + "\n" + table)
    kind, value = TOLERANCE[config.metric]
    return {"tiers": {t: round(v, 5) for t, v in tiers.items()}, "calibration": {
        "date": datetime.date.today().isoformat(),
        "seeds": seeds,
        "profile": config.grading_parameters,
        "generator": _generator_record(hw),
        "tolerance": {kind: value},
        "rungs": {"simple": "template", **{t: f"reference, TIER={t}" for t in TIERS[1:]}},
        "scores": {t: {str(s): {k: round(v, 5) for k, v in r.items()} for s, r in runs.items()}
                   for t, runs in scores.items()},
        "runtime_s": {t: {str(s): v for s, v in r.items()} for t, r in runtimes.items()},
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
                   f"{platform.python_version()}, torch {torch.__version__}",
        **({"note": note} if note else {}),
    }}


def write(hw: str, entries: dict, root: Path | None = None) -> Path:
    """Store the new tiers and calibration record in ``grading.json``, keeping other keys."""
    path = (root or homework_root()) / hw / "grading.json"
    raw = json.loads(path.read_text())
    raw.update(entries)
    path.write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n")
    load_config(hw, root)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m course_utils.grading.calibrate",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("hw")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--note", default="", help="a remark stored with the record")
    parser.add_argument("--dry-run", action="store_true", help="check, but do not write")
    args = parser.parse_args(argv)
    try:
        entries = calibrate(args.hw, args.seeds, note=args.note)
    except CalibrationError as err:
        sys.exit(str(err))
    print(json.dumps(entries["tiers"]))
    if not args.dry_run:
        print(f"wrote {write(args.hw, entries)}")


if __name__ == "__main__":
    main()
