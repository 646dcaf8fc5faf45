"""Calibrate a homework's tiers from measured runs of its template and reference (issue 11).

    flock /tmp/calibrate.lock python -m course_utils.grading.calibrate hw01 \\
        --cache /tmp/me/calib-hw01.json [--jobs 2] [--note "..."]

Each rung (simple: the template; medium, strong, boss: the reference with ``TIER``) runs once
per training seed (default 0-9), run *i* on generator (data) seed ``data_seeds[i % k]``
(default the generator's SEED, SEED+1, SEED+2), in the grading profile of ``grading.json``.
Each data seed's mini set and answer key are generated once. A tier's threshold is the rung's
10th percentile on its bad side over its 20 half-scores, moved by one standard error of a
half's score towards the bad side (see ``course_utils.grading.thresholds``). With
``grading.json["official_sample"]``, *simple* is lowered so the official sample reaches it.

The ladder must separate (thresholds strictly ordered, each rung's good-side 90th percentile
below the next tier, every run learned); then the template and the reference run on the
held-out seeds ``HELD_OUT``, never calibrated on: the template must be simple and the
reference at least strong on both halves. Otherwise a table is printed, nothing is written and
the exit status is non-zero. ``--cache`` keeps every finished run (invalidated when the
generator version, the grading profile, the notebooks or a shipped model change), so a
rerun resumes.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path

import course_datasets
import papermill

from course_utils.authoring import template_paths
from course_utils.data.registry import spec
from course_utils.grading.artifact import read_answers
from course_utils.grading.config import TIERS, GradingConfig, homework_root, load_config
from course_utils.grading.scoring import score_artifact
from course_utils.grading.thresholds import (
    BINOMIAL,
    MARGIN_KIND,
    QUANTILE,
    RESAMPLES,
    check_held_out,
    check_ladder,
    final_tiers,
    fmt,
    margin_inputs,
    official_sample_problems,
    table,
    thresholds,  # noqa: F401  (old callers' import)
    tier_margin,
)
from course_utils.runtime import FAST_DEV_RUN_ENV, PROFILE_ENV

# Checkpoints and judges shipped with the course (course_datasets/_shipped).
SHIPPED = Path(course_datasets.__file__).resolve().parent / "_shipped"
RUN_ENV = {"OMP_NUM_THREADS": "1", "MPLBACKEND": "agg", "PYTHONHASHSEED": "0"}
SEEDS = list(range(10))
# Never calibrated on: the held-out check's training seed (the official samples' seed) and
# generator seed.
HELD_OUT = {"seed": 5201314, "data_seed": 4242}
RUNGS = {"simple": "template", **{t: f"reference, TIER={t}" for t in TIERS[1:]}}


class CalibrationError(RuntimeError):
    """The ladder does not separate or the held-out check fails; the message says why."""


def run_notebook(notebook: Path, parameters: dict, parent: Path) -> tuple[Path, float]:
    """Execute ``notebook`` in a fresh folder under ``parent`` (also its OUT_DIR); return the
    folder and the seconds it took, kernel start included."""
    work = Path(tempfile.mkdtemp(prefix="run-", dir=parent))
    start = time.perf_counter()
    papermill.execute_notebook(str(notebook), str(work / "executed.ipynb"),
                               parameters={**parameters, "OUT_DIR": str(work)},
                               kernel_name="python3", cwd=str(work), progress_bar=False)
    return work, time.perf_counter() - start


def constant_score(config: GradingConfig, key: Path) -> float | None:
    """The score of predicting one constant, the answers' mean (MSE only): a run must beat it."""
    if config.metric != "mse":
        return None
    truth = list(read_answers(key / config.answer_file, config.artifact).values())
    mean = sum(truth) / len(truth)
    return sum((t - mean) ** 2 for t in truth) / len(truth)


def generator_record(hw: str) -> dict:
    """The generator's module, version and default seed."""
    module = importlib.import_module(spec(hw).generator)
    return {"module": spec(hw).generator, "version": module.VERSION, "seed": module.SEED}


def default_data_seeds(hw: str) -> list[int]:
    """The generator's SEED, SEED+1, SEED+2."""
    seed = generator_record(hw)["seed"]
    return [seed, seed + 1, seed + 2]


def pairs(seeds: list[int], data_seeds: list[int]) -> list[tuple[int, int]]:
    """Run *i* pairs training seed ``seeds[i]`` with data seed ``data_seeds[i % k]``."""
    return [(s, data_seeds[i % len(data_seeds)]) for i, s in enumerate(seeds)]


def check_seeds(seeds: list[int], data_seeds: list[int]) -> None:
    """Refuse the held-out seeds and repeated seeds."""
    if HELD_OUT["seed"] in seeds or HELD_OUT["data_seed"] in data_seeds:
        raise CalibrationError(f"the held-out seeds {HELD_OUT} are never calibrated on")
    if len(set(seeds)) != len(seeds) or len(set(data_seeds)) != len(data_seeds) or not seeds:
        raise CalibrationError(f"seeds must be distinct: {seeds}, data seeds {data_seeds}")


def digest(hw: str, config: GradingConfig, root: Path | None = None) -> str:
    """What a cached run depends on: generator version, grading profile, both notebooks and
    the shipped models a notebook or the scorer may load (HW6's judges, HW7's tiny BERTs)."""
    h = hashlib.sha256(json.dumps([hw, generator_record(hw), config.grading_parameters],
                                  sort_keys=True).encode())
    shipped = sorted(p for p in SHIPPED.rglob("*") if p.is_file())
    for path in [*template_paths(hw, root), *shipped]:
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


class Cache:
    """Finished runs in a JSON file, keyed by ``rung/seed/data_seed``; dropped when the
    digest differs. Without a path it only lives in memory."""

    def __init__(self, path: Path | None, digest: str, log: Callable[[str], None]) -> None:
        self.path, self.digest, self.runs = path, digest, {}
        if path and path.exists():
            raw = json.loads(path.read_text())
            if raw.get("digest") == digest:
                self.runs = raw["runs"]
                log(f"cache {path}: {len(self.runs)} finished runs")
            else:
                log(f"cache {path}: generator, profile or notebooks changed; starting afresh")

    def put(self, key: str, run: dict) -> None:
        self.runs[key] = run
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"digest": self.digest, "runs": self.runs}, indent=1))
            tmp.replace(self.path)


def _execute(notebook: str, parameters: dict, parent: str) -> tuple[str, float]:
    work, seconds = run_notebook(Path(notebook), parameters, Path(parent))
    return str(work), seconds


def run_all(jobs: list[tuple[str, Path, dict, Path]], n_jobs: int,
            done: Callable[[str, Path, float], None]) -> None:
    """Run ``(key, notebook, parameters, parent)`` jobs, ``n_jobs`` at a time (each in its
    own process), calling ``done(key, work_dir, seconds)`` as each finishes."""
    if n_jobs <= 1:
        for key, notebook, parameters, parent in jobs:
            done(key, *run_notebook(notebook, parameters, parent))
        return
    with ProcessPoolExecutor(n_jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_execute, str(nb), p, str(parent)): key
                   for key, nb, p, parent in jobs}
        for future in as_completed(futures):
            work, seconds = future.result()
            done(futures[future], Path(work), seconds)


def calibrate(hw: str, seeds: list[int] | None = None, data_seeds: list[int] | None = None,
              root: Path | None = None, note: str = "", jobs: int = 1,
              cache_path: Path | None = None, rungs: list[str] | None = None,
              log: Callable[[str], None] = print) -> dict:
    """Run (or take from the cache) every rung and the held-out check; return the new
    ``tiers`` and ``calibration`` entries. Raises ``CalibrationError`` when the ladder does not
    separate or the held-out check fails."""
    seeds = list(SEEDS if seeds is None else seeds)
    data_seeds = list(default_data_seeds(hw) if data_seeds is None else data_seeds)
    rungs = list(rungs or TIERS)
    check_seeds(seeds, data_seeds)
    config = load_config(hw, root)
    generator = generator_record(hw)
    raw = json.loads(((root or homework_root()) / hw / "grading.json").read_text())
    sample = raw.get("official_sample")
    if sample and (problems := official_sample_problems(config, sample, generator["version"])):
        raise CalibrationError(f"{hw}: " + "; ".join(problems))
    reference, template = template_paths(hw, root)
    cache = Cache(cache_path, digest(hw, config, root), log)
    saved = {k: os.environ.pop(k) for k in (PROFILE_ENV, FAST_DEV_RUN_ENV) if k in os.environ}
    os.environ.update(RUN_ENV)
    try:
        with tempfile.TemporaryDirectory(prefix=f"calibrate-{hw}-") as tmp:
            sets: dict[int, tuple[Path, Path]] = {}

            def data(data_seed: int) -> tuple[Path, Path]:
                if data_seed not in sets:
                    folder = Path(tmp) / f"data-{data_seed}"
                    spec(hw).generate()(folder / "data", folder / "key", seed=data_seed)
                    sets[data_seed] = folder / "data", folder / "key"
                return sets[data_seed]

            def job(key: str, which: str, seed: int, data_seed: int, extra: dict) -> tuple:
                notebook = template if which == "template" else reference
                parameters = {**config.grading_parameters, **extra, "SEED": seed,
                              "DATA_DIR": str(data(data_seed)[0])}
                return key, notebook, parameters, Path(tmp)

            meta: dict[str, tuple[str, int, int]] = {}

            def done(key: str, work: Path, seconds: float) -> None:
                tier, seed, data_seed = meta[key]
                key_dir = data(data_seed)[1]
                score = score_artifact(config, work / config.artifact.file, key_dir)
                run = {"data_seed": data_seed, "public": _rounded(score.public),
                       "private": _rounded(score.private), "seconds": round(seconds, 1),
                       "constant": constant_score(config, key_dir),
                       **margin_inputs(config, work / config.artifact.file, key_dir)}
                cache.put(key, run)
                log(f"{hw} {tier:>9} seed {seed} data {data_seed}: public {fmt(run['public'])} "
                    f"private {fmt(run['private'])} ({seconds:.0f} s) "
                    f"[{len(cache.runs)} runs done]")
                sys.stdout.flush()

            todo = []
            for tier in rungs:
                for seed, data_seed in pairs(seeds, data_seeds):
                    key = f"{tier}/{seed}/{data_seed}"
                    meta[key] = (tier, seed, data_seed)
                    if key not in cache.runs:
                        which = "template" if tier == "simple" else "reference"
                        todo.append(job(key, which, seed, data_seed,
                                        {} if tier == "simple" else {"TIER": tier}))
            log(f"{hw}: {len(meta) - len(todo)} runs cached, {len(todo)} to run")
            run_all(todo, jobs, done)
            scores = {t: {s: cache.runs[f"{t}/{s}/{d}"] for s, d in pairs(seeds, data_seeds)}
                      for t in rungs}
            if set(rungs) != set(TIERS):
                log(table_partial(config, scores))
                return {}
            margins = {t: tier_margin(config, scores[t]) for t in TIERS}
            tiers, lowered = final_tiers(config, scores, margins, sample)
            constants = {r["data_seed"]: r["constant"] for runs in scores.values()
                         for r in runs.values() if r.get("constant") is not None}
            summary = table(config, scores, tiers, margins)
            log(summary)
            if problems := check_ladder(config, scores, tiers, constants, sample):
                raise CalibrationError(f"{hw}: the ladder does not separate; retune the "
                                       "generator's difficulty knobs.\n  "
                                       + "\n  ".join(problems) + "\n" + summary)
            todo = []
            for which in ("template", "reference"):
                key = f"held_out/{which}/{HELD_OUT['seed']}/{HELD_OUT['data_seed']}"
                meta[key] = (f"held-out {which}", HELD_OUT["seed"], HELD_OUT["data_seed"])
                if key not in cache.runs:
                    todo.append(job(key, which, HELD_OUT["seed"], HELD_OUT["data_seed"], {}))
            run_all(todo, jobs, done)
    finally:
        for name in RUN_ENV:
            os.environ.pop(name, None)
        os.environ.update(saved)
    held = {which: cache.runs[f"held_out/{which}/{HELD_OUT['seed']}/{HELD_OUT['data_seed']}"]
            for which in ("template", "reference")}
    held_out = {**HELD_OUT, **{
        which: {"public": r["public"], "private": r["private"],
                "tiers": [_tier(config, tiers, r[h]) for h in ("public", "private")],
                "seconds": r["seconds"]} for which, r in held.items()}}
    if problems := check_held_out(config, held["template"], held["reference"], tiers):
        raise CalibrationError(f"{hw}: the held-out check fails (seed {HELD_OUT['seed']}, data "
                               f"seed {HELD_OUT['data_seed']}).\n  " + "\n  ".join(problems)
                               + "\n" + summary + f"\nheld out: {json.dumps(held_out)}")
    return {"tiers": tiers, "calibration": record(
        config, seeds, data_seeds, scores, margins, generator, held_out, lowered, note)}


def _rounded(score: float | dict[str, float]) -> float | dict[str, float]:
    """A score rounded to 5 decimals (each component of a composite one)."""
    if isinstance(score, dict):
        return {k: round(v, 5) for k, v in score.items()}
    return round(score, 5)


def _tier(config: GradingConfig, tiers: dict, score: float | dict[str, float]) -> str:
    return replace(config, tiers=tiers).tier(score)


def table_partial(config: GradingConfig, scores: dict) -> str:
    """The scores of a partial run (``--rungs``), for a look without thresholds."""
    return "\n".join(f"{t:>6}: " + "  ".join(f"{s}/{r['data_seed']}: {fmt(r['public'])} | "
                                             f"{fmt(r['private'])}" for s, r in runs.items())
                     for t, runs in scores.items())


def record(config: GradingConfig, seeds: list[int], data_seeds: list[int], scores: dict,
           margins: dict, generator: dict, held_out: dict, lowered: dict | None,
           note: str) -> dict:
    """The ``calibration`` entry of ``grading.json``."""
    import torch

    return {
        "date": datetime.date.today().isoformat(),
        "seeds": seeds,
        "data_seeds": data_seeds,
        "rule": {"quantile": QUANTILE, "margin": MARGIN_KIND[config.metric],
                 **({"resamples": RESAMPLES} if config.metric not in BINOMIAL else {})},
        "margins": margins,
        "official_sample_lowered_simple": lowered,
        "profile": config.grading_parameters,
        "generator": generator,
        "rungs": RUNGS,
        "scores": {t: {str(s): {k: r[k] for k in ("data_seed", "public", "private")}
                       for s, r in runs.items()} for t, runs in scores.items()},
        "runtime_s": {t: {str(s): r["seconds"] for s, r in runs.items()}
                      for t, runs in scores.items()},
        "held_out": held_out,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
                   f"{platform.python_version()}, torch {torch.__version__}",
        **({"note": note} if note else {}),
    }


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
    parser.add_argument("--seeds", type=int, nargs="+", default=SEEDS,
                        help="training seeds (default 0-9)")
    parser.add_argument("--data-seeds", type=int, nargs="+",
                        help="generator seeds (default SEED, SEED+1, SEED+2)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at once")
    parser.add_argument("--cache", type=Path, help="JSON file of finished runs, to resume")
    parser.add_argument("--rungs", nargs="+", choices=TIERS,
                        help="run only these rungs and print their scores (no thresholds)")
    parser.add_argument("--note", default="", help="a remark stored with the record")
    parser.add_argument("--dry-run", action="store_true", help="check, but do not write")
    args = parser.parse_args(argv)
    try:
        entries = calibrate(args.hw, args.seeds, args.data_seeds, note=args.note,
                            jobs=args.jobs, cache_path=args.cache, rungs=args.rungs,
                            log=lambda m: print(m, flush=True))
    except CalibrationError as err:
        sys.exit(str(err))
    if not entries:
        return
    print(json.dumps({"tiers": entries["tiers"],
                      "held_out": entries["calibration"]["held_out"]}), flush=True)
    if not args.dry_run:
        print(f"wrote {write(args.hw, entries)}")


if __name__ == "__main__":
    main()
