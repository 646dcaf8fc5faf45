"""The calibration rule (issue 11): a tier's threshold from its rung's runs, and the ladder check.

A rung's 10 runs give 20 half-scores (public and private). Its threshold is their 10th
percentile on the bad side, moved towards the bad side by one standard error of a half's
score: binomial ``sqrt(q(1-q)/n)`` for accuracy and exact match (``n`` the smaller half's item
count), a bootstrap over the half's items for MSE, BLEU and ROC AUC (taken from the half-score
nearest the quantile). The margin is the test-set noise a student's run meets on top of the
training noise the quantile already covers. Everything here is pure arithmetic on recorded
numbers, so a test can recompute the thresholds from ``grading.json`` alone.

A composite metric (HW6: FID, AFD, hair-colour coverage) is calibrated component by component,
each as a scalar metric of its own direction (:func:`component`); a run's record then holds a
dict per half, and its standard errors a dict per half too.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from course_utils.grading.artifact import read_answers, read_predictions
from course_utils.grading.config import TIERS, GradingConfig, tier_order_problem
from course_utils.grading.scoring import METRICS, is_public, split

QUANTILE = 0.1
RESAMPLES = 200
HALVES = ("public", "private")
MARGIN_KIND = {"accuracy": "binomial", "exact_match": "binomial", "mse": "bootstrap",
               "bleu": "bootstrap", "roc_auc": "bootstrap", "fid_afd": "bootstrap"}
BINOMIAL = {metric for metric, kind in MARGIN_KIND.items() if kind == "binomial"}

# scores[tier][seed] = {"data_seed": d, "public": x, "private": y, ...}
Scores = Mapping[str, Mapping[int, Mapping]]


def component(config: GradingConfig, name: str) -> GradingConfig:
    """Component ``name`` of a composite metric as a scalar metric: its direction and its
    thresholds."""
    return replace(config, metric=name, higher_is_better=config.higher_is_better[name],
                   tiers={t: config.tiers[t][name] for t in TIERS})


def project(record: Mapping, name: str) -> dict:
    """A run record (or official sample) with each per-component dict replaced by ``name``'s
    value."""
    return {k: v[name] if isinstance(v, Mapping) else v for k, v in record.items()}


def _components(config: GradingConfig, scores: Scores) -> dict[str, tuple[GradingConfig, dict]]:
    """Per component: its scalar config and the scores projected on it."""
    return {c: (component(config, c), {t: {s: project(r, c) for s, r in runs.items()}
                                       for t, runs in scores.items()})
            for c in config.components}


def fmt(value: float | Mapping) -> str:
    """A score for a message: ``0.5`` or ``fid 41.2, afd 0.99, hair_coverage 8``."""
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {float(v):.4g}" for k, v in value.items())
    return f"{float(value):.4g}"


def half_scores(runs: Mapping[int, Mapping]) -> list[float]:
    """A rung's half-scores: public and private of every run."""
    return [float(r[h]) for r in runs.values() for h in HALVES]


def bad_quantile(config: GradingConfig, values: Sequence[float]) -> float:
    """The 10th percentile on the bad side (the 90th for a lower-is-better metric)."""
    q = QUANTILE if config.higher_is_better else 1 - QUANTILE
    return float(np.quantile(values, q))


def good_quantile(config: GradingConfig, values: Sequence[float]) -> float:
    """The 90th percentile on the good side (the 10th for a lower-is-better metric)."""
    q = 1 - QUANTILE if config.higher_is_better else QUANTILE
    return float(np.quantile(values, q))


def _worse(config: GradingConfig, a: float, b: float) -> float:
    return min(a, b) if config.higher_is_better else max(a, b)


def _reaches(config: GradingConfig, score: float, threshold: float) -> bool:
    return score >= threshold if config.higher_is_better else score <= threshold


def standard_error(metric: str, pred: Sequence, truth: Sequence) -> float:
    """One standard error of ``metric`` on these items: binomial for a share of exact
    matches, else a bootstrap with a fixed generator (``RESAMPLES`` resamples of the items)."""
    n = len(truth)
    if metric in BINOMIAL:
        q = METRICS[metric](pred, truth)
        return math.sqrt(q * (1 - q) / n)
    idx = np.random.default_rng(0).integers(0, n, size=(RESAMPLES, n))
    if metric == "mse":
        errors = (np.asarray(pred, float) - np.asarray(truth, float)) ** 2
        return float(errors[idx].mean(axis=1).std(ddof=1))
    if metric == "bleu":
        from sacrebleu.metrics import BLEU

        bleu = BLEU(tokenize="zh")  # exactly scoring.bleu, from per-sentence statistics
        stats = np.asarray(bleu._extract_corpus_statistics(list(pred), [list(truth)]))
        values = [bleu._compute_score_from_stats(list(map(int, stats[i].sum(axis=0)))).score
                  for i in idx]
        return float(np.std(values, ddof=1))
    if metric == "roc_auc":
        scores, labels = np.asarray(pred, float), np.asarray(truth, float)
        values = [METRICS["roc_auc"](scores[i], labels[i]) for i in idx
                  if 0 < labels[i].sum() < n]  # a resample needs both classes
        return float(np.std(values, ddof=1))
    raise ValueError(f"no standard error for metric {metric!r}")


def margin_inputs(config: GradingConfig, artifact: Path, key_dir: Path) -> dict:
    """Per half, its item count and the standard error of its score: what a run contributes
    to its tier's margin (stored with the run, so predictions need not be kept)."""
    if config.artifact.format == "tgz_images":
        return _image_margin_inputs(config, artifact, key_dir)
    answers = read_answers(Path(key_dir) / config.answer_file, config.artifact)
    preds = read_predictions(artifact, config.artifact, answers.keys())
    out = {}
    for half in HALVES:
        ids = [i for i in answers
               if is_public(i, config.public_fraction, config.hw) == (half == "public")]
        out[f"n_{half}"] = len(ids)
        out[f"se_{half}"] = round(standard_error(
            config.metric, [preds[i] for i in ids], [answers[i] for i in ids]), 6)
    return out


def _image_margin_inputs(config: GradingConfig, artifact: Path, key_dir: Path) -> dict:
    """:func:`margin_inputs` of an image archive: bootstrap standard errors per component."""
    from course_utils.grading.faces import reference_features, standard_errors
    from course_utils.grading.images import read_images

    images = read_images(artifact, config.artifact)
    reference = reference_features(key_dir)
    out = {}
    for half, ids in zip(HALVES, split(config, list(images)), strict=True):
        out[f"n_{half}"] = len(ids)
        out[f"se_{half}"] = standard_errors([images[i] for i in ids], reference, RESAMPLES)
    return out


def tier_margin(config: GradingConfig, runs: Mapping[int, Mapping]) -> float | dict:
    """One standard error of a half's score at the rung's bad quantile (see the module doc);
    per component for a composite metric."""
    if config.components:
        return {c: tier_margin(component(config, c), {s: project(r, c) for s, r in runs.items()})
                for c in config.components}
    q = bad_quantile(config, half_scores(runs))
    if config.metric in BINOMIAL:
        n = min(int(r[f"n_{h}"]) for r in runs.values() for h in HALVES)
        return round(math.sqrt(q * (1 - q) / n), 6)
    nearest = min((abs(float(r[h]) - q), float(r[f"se_{h}"])) for r in runs.values()
                   for h in HALVES)
    return round(nearest[1], 6)


def thresholds(config: GradingConfig, scores: Scores, margins: Mapping[str, float | Mapping]
               ) -> dict[str, float | dict[str, float]]:
    """Per tier: the rung's bad quantile moved by its margin towards the bad side."""
    if config.components:
        parts = {c: thresholds(view, projected, {t: margins[t][c] for t in TIERS})
                 for c, (view, projected) in _components(config, scores).items()}
        return {t: {c: parts[c][t] for c in config.components} for t in TIERS}
    sign = -1.0 if config.higher_is_better else 1.0
    return {t: round(bad_quantile(config, half_scores(scores[t])) + sign * margins[t], 5)
            for t in TIERS}


def official_sample_problems(config: GradingConfig, sample: Mapping, version: int) -> list[str]:
    """Why ``grading.json["official_sample"]`` cannot be used (empty: it can)."""
    missing = [k for k in ("public", "private", "generator_version") if k not in sample]
    if missing:
        return [f"official_sample lacks {', '.join(missing)}"]
    if sample["generator_version"] != version:
        return [f"official_sample was measured on generator version "
                f"{sample['generator_version']}, the generator is now {version}: run the "
                "official sample again (or remove the entry) before calibrating"]
    return []


def lower_simple(config: GradingConfig, tiers: Mapping[str, float],
                 sample: Mapping | None) -> tuple[dict[str, float], dict | None]:
    """``tiers`` with *simple* lowered so the official sample reaches it on both halves, and
    ``{"from", "to"}`` when it was lowered (``None`` otherwise); per component for a composite
    metric (``{component: {"from", "to"}}``)."""
    tiers = dict(tiers)
    if not sample:
        return tiers, None
    if config.components:
        simple, lowered = dict(tiers["simple"]), {}
        for c in config.components:
            part, low = lower_simple(component(config, c), {t: tiers[t][c] for t in TIERS},
                                     project(sample, c))
            simple[c] = part["simple"]
            lowered.update({c: low} if low else {})
        return {**tiers, "simple": simple}, lowered or None
    worst = _worse(config, float(sample["public"]), float(sample["private"]))
    if _reaches(config, worst, tiers["simple"]):
        return tiers, None
    lowered = {"from": tiers["simple"], "to": worst}
    tiers["simple"] = worst
    return tiers, lowered


def final_tiers(config: GradingConfig, scores: Scores, margins: Mapping[str, float],
                sample: Mapping | None = None) -> tuple[dict[str, float], dict | None]:
    """The thresholds, then *simple* lowered for the official sample: ``(tiers, lowered)``."""
    return lower_simple(config, thresholds(config, scores, margins), sample)


def check_ladder(config: GradingConfig, scores: Scores, tiers: Mapping[str, float],
                 constants: Mapping[int, float] | None = None,
                 sample: Mapping | None = None) -> list[str]:
    """Problems with the ladder (empty: it separates).

    Thresholds strictly ordered; each rung's good-side 90th percentile below the next tier;
    every run learned (with ``constants``, the MSE of predicting the mean per data seed: a run
    must get halfway to 0 from it); the official ``sample`` (if any) below *medium*.
    """
    if config.components:
        return _check_composite_ladder(config, scores, tiers, sample)
    problems = []
    for tier, runs in scores.items():
        for seed, r in runs.items():
            constant = (constants or {}).get(int(r.get("data_seed", -1)))
            worst = max(float(r[h]) for h in HALVES)
            if constant is not None and worst > constant / 2:
                problems.append(f"{tier} run (seed {seed}, data seed {r.get('data_seed')}) did "
                                f"not learn: {worst:.4g} vs {constant:.4g} for a constant "
                                "prediction")
    for lower, upper in itertools.pairwise(TIERS):
        if _reaches(config, tiers[lower], tiers[upper]):
            problems.append(f"{upper} threshold {tiers[upper]:.4g} is not better than "
                            f"{lower}'s {tiers[lower]:.4g}")
        good = good_quantile(config, half_scores(scores[lower]))
        if _reaches(config, good, tiers[upper]):
            problems.append(f"{lower} rung's 90th percentile on its good side, {good:.4g}, "
                            f"reaches {upper} ({tiers[upper]:.4g})")
    if sample:
        best = max(float(sample[h]) for h in HALVES) if config.higher_is_better else min(
            float(sample[h]) for h in HALVES)
        if _reaches(config, best, tiers["medium"]):
            problems.append(f"the official sample scores {best:.4g}, which reaches medium "
                            f"({tiers['medium']:.4g}): it must stay simple")
    return problems


def _check_composite_ladder(config: GradingConfig, scores: Scores, tiers: Mapping,
                            sample: Mapping | None) -> list[str]:
    """:func:`check_ladder` for a composite metric: tiers ordered (never easier on a component,
    harder on one); no rung's good-side 90th percentiles reach the next tier on every
    component; the official sample below *medium*."""
    ladder = replace(config, tiers=dict(tiers))
    problems = [p for p in [tier_order_problem(ladder)] if p]
    views = _components(config, scores)
    for lower, upper in itertools.pairwise(TIERS):
        good = {c: good_quantile(view, half_scores(projected[lower]))
                for c, (view, projected) in views.items()}
        if ladder.passes(good, upper):
            problems.append(f"{lower} rung's 90th percentiles on its good side, {fmt(good)}, "
                            f"reach {upper} ({fmt(tiers[upper])})")
    if sample:
        best = {c: (max if view.higher_is_better else min)(float(sample[h][c]) for h in HALVES)
                for c, (view, _) in views.items()}
        if ladder.passes(best, "medium"):
            problems.append(f"the official sample scores {fmt(best)}, which reaches medium "
                            f"({fmt(tiers['medium'])}): it must stay simple")
    return problems


def check_held_out(config: GradingConfig, template: Mapping, reference: Mapping,
                   tiers: Mapping | None = None) -> list[str]:
    """Problems with the held-out runs: the template must be exactly *simple* and the
    reference at least *strong*, on both halves (``tiers`` default to the config's)."""
    ladder = replace(config, tiers=dict(tiers or config.tiers))
    problems = []
    for name, run, allowed in (("template", template, ("simple",)),
                               ("reference", reference, ("strong", "boss"))):
        for half in HALVES:
            got = ladder.tier(run[half] if config.components else float(run[half]))
            if got not in allowed:
                problems.append(f"held-out {name} {half} {fmt(run[half])} is {got}; "
                                f"it must be {' or '.join(allowed)}")
    return problems


def table(config: GradingConfig, scores: Scores, tiers: Mapping[str, float],
          margins: Mapping[str, float]) -> str:
    """A readable summary per rung: runs, quantiles, margin, threshold, and every half-score
    (a table per component for a composite metric)."""
    if config.components:
        return "\n".join(f"{c}:\n" + table(view, projected, {t: tiers[t][c] for t in TIERS},
                                             {t: margins[t][c] for t in TIERS})
                         for c, (view, projected) in _components(config, scores).items())
    lines = [f"{'rung':>6} {'runs':>4} {'bad q':>9} {'margin':>8} {'tier':>9} {'good q':>9}"
             "  half-scores (seed/data seed: public private)"]
    for t in TIERS:
        values = half_scores(scores[t])
        runs = "  ".join(f"{s}/{r.get('data_seed')}: {float(r['public']):.4g} "
                         f"{float(r['private']):.4g}" for s, r in scores[t].items())
        lines.append(f"{t:>6} {len(scores[t]):>4} {bad_quantile(config, values):>9.4g} "
                     f"{margins[t]:>8.3g} {tiers[t]:>9.4g} {good_quantile(config, values):>9.4g}"
                     f"  {runs}")
    return "\n".join(lines)
