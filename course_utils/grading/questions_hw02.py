"""HW02's auto-graded report questions: the official HW2 report questions 1 and 2.

1. "Implement 2 models with approximately the same number of parameters, (A) one narrower and
   deeper (e.g. hidden_layers=6, hidden_dim=1024) and (B) the other wider and shallower (e.g.
   hidden_layers=2, hidden_dim=1700). Report training/validation accuracies for both models."
2. "Add dropout layers, and report training/validation accuracies with dropout rates equal to
   (A) 0.25/(B) 0.5/(C) 0.75 respectively."

The notebook trains the models in a reduced profile and keeps them in ``report_runs``; the
locked export cell writes, per run, what it reads off the model itself (the shapes of its
``nn.Linear`` layers, its normalisation parameters, the rates of its ``nn.Dropout`` layers, its
parameter count, its validation accuracy measured at export) beside the accuracies per epoch
that the student's loop returned. These checks recompute the parameter count from the layer
shapes and test that the numbers fit together; each question earns 1 only when all its checks
pass, and the reason names the first one that failed.
"""

from __future__ import annotations

import math
from pathlib import Path

from course_utils.grading.questions import ReportError, question, value

N_FEATURES, N_CLASSES = 39, 41
MAX_PARAMETER_GAP = 0.10   # "approximately the same number of parameters": within 10 %
MEASURED_TOLERANCE = 0.002  # the measured validation accuracy equals one of the reported ones
LEARNED_MARGIN = 0.05       # a run that learned beats the majority class by this much
DEFAULT_MAJORITY = 0.2      # the majority-class share when the answer key is not at hand
Q1 = ("Q1-A", "Q1-B")
Q2 = {"Q2-A": 0.25, "Q2-B": 0.5, "Q2-C": 0.75}


def majority_share(answer_dir: Path) -> float:
    """Share of the most common class among the test frames (the answer key), or a default."""
    labels = Path(answer_dir) / "test_labels.csv"
    if not labels.is_file():
        return DEFAULT_MAJORITY
    counts: dict[str, int] = {}
    for line in labels.read_text().splitlines()[1:]:
        label = line.rpartition(",")[2]
        counts[label] = counts.get(label, 0) + 1
    return max(counts.values()) / sum(counts.values()) if counts else DEFAULT_MAJORITY


def _run(report: dict, name: str) -> dict:
    runs = value(report, "report_runs", dict)
    if name not in runs:
        raise ReportError(f"report.json has no report run {name!r}: train it in the report "
                          f"cell and keep it as report_runs[{name!r}] = (model, curves).")
    run = runs[name]
    if not isinstance(run, dict):
        raise ReportError(f"report run {name!r} is not an object; run the export cell unchanged.")
    if "error" in run:
        raise ReportError(f"report run {name!r} could not be described: {str(run['error'])[:200]}")
    return run


def _integer(run: dict, name: str, key: str) -> int:
    item = run.get(key)
    if not isinstance(item, int) or isinstance(item, bool) or item < 0:
        raise ReportError(f"report run {name!r}: {key!r} must be a count.")
    return item


def architecture(run: dict, name: str) -> list[list[int]]:
    """The run's ``[in, out]`` Linear shapes, after checking that they chain from a window of
    39-dim frames to 41 classes and that they (with the normalisation layers) hold every
    parameter of the model."""
    layers = run.get("linear_layers")
    if (not isinstance(layers, list) or len(layers) < 2
            or not all(isinstance(layer, list) and len(layer) == 3
                       and all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                               for v in layer[:2]) and isinstance(layer[2], bool)
                       for layer in layers)):
        raise ReportError(f"report run {name!r}: the model needs at least two nn.Linear layers "
                          "(an MLP like Classifier).")
    shapes = [layer[:2] for layer in layers]
    if shapes[0][0] % N_FEATURES or shapes[-1][1] != N_CLASSES or any(
            a[1] != b[0] for a, b in zip(shapes, shapes[1:], strict=False)):
        raise ReportError(f"report run {name!r}: its Linear layers {shapes} do not chain from "
                          f"a window of {N_FEATURES}-dim frames to {N_CLASSES} classes.")
    counted = sum(i * o + (o if bias else 0) for i, o, bias in layers)
    counted += _integer(run, name, "norm_parameters")
    parameters = _integer(run, name, "parameters")
    if parameters != counted:
        raise ReportError(f"report run {name!r}: the model has {parameters:,} parameters but its "
                          f"Linear and normalisation layers hold {counted:,}; the report models "
                          "must be MLPs like Classifier (no other layers with parameters).")
    return shapes


def accuracies(run: dict, name: str, majority: float) -> tuple[list[float], list[float]]:
    """The run's training and validation accuracy per epoch, checked: one of each per epoch,
    in [0, 1], a model that learned, and a validation accuracy measured on the model itself."""
    curves = []
    for key in ("train_acc", "val_acc"):
        items = run.get(key)
        if (not isinstance(items, list) or not items
                or not all(isinstance(v, int | float) and not isinstance(v, bool)
                           and math.isfinite(v) and 0 <= v <= 1 for v in items)):
            raise ReportError(f"report run {name!r}: {key!r} must list one accuracy between 0 "
                              "and 1 per epoch.")
        curves.append([float(v) for v in items])
    train, val = curves
    if len(train) != len(val):
        raise ReportError(f"report run {name!r}: {len(train)} training but {len(val)} validation "
                          "accuracies; report both after every epoch.")
    if max(val) < majority + LEARNED_MARGIN:
        raise ReportError(f"report run {name!r} did not learn: best validation accuracy "
                          f"{max(val):.3f}, guessing the most common class gives about "
                          f"{majority:.3f}.")
    measured = run.get("measured_val_acc")
    if not isinstance(measured, int | float) or isinstance(measured, bool):
        raise ReportError(f"report run {name!r}: no measured validation accuracy; run the export "
                          "cell unchanged.")
    if min(abs(v - measured) for v in val) > MEASURED_TOLERANCE:
        raise ReportError(f"report run {name!r}: the model itself scores {measured:.4f} on the "
                          f"validation frames, which is none of its reported validation "
                          f"accuracies ({', '.join(f'{v:.4f}' for v in val)}); report the "
                          "accuracies of the model you keep, on all validation frames.")
    return train, val


def _hidden(shapes: list[list[int]]) -> list[int]:
    return [o for _, o in shapes[:-1]]


def _summary(name: str, run: dict, shapes: list[list[int]], train: list[float],
             val: list[float]) -> str:
    widths = sorted(set(_hidden(shapes)))
    return (f"{name}: {len(shapes) - 1} hidden layers of width {'/'.join(map(str, widths))}, "
            f"{run['parameters']:,} parameters, train/validation accuracy "
            f"{train[-1]:.3f}/{val[-1]:.3f}")


@question("hw02", "q1_depth_vs_width")
def depth_against_width(report: dict, answer_dir: Path) -> tuple[float, str]:
    """Question 1: a narrower, deeper model A and a wider, shallower model B with about the same
    number of parameters and the same input, each with valid accuracies that belong to it."""
    majority = majority_share(answer_dir)
    (a, b) = runs = [_run(report, name) for name in Q1]
    shapes = [architecture(run, name) for run, name in zip(runs, Q1, strict=True)]
    curves = [accuracies(run, name, majority) for run, name in zip(runs, Q1, strict=True)]
    (sa, sb) = shapes
    if sa[0][0] != sb[0][0]:
        return 0.0, (f"Q1-A reads {sa[0][0]} inputs and Q1-B {sb[0][0]}: compare depth and width "
                     "on the same input window.")
    if len(sa) <= len(sb):
        return 0.0, (f"Q1-A has {len(sa) - 1} hidden layers and Q1-B {len(sb) - 1}: A must be "
                     "the deeper model.")
    width_a, width_b = (sum(_hidden(s)) / len(_hidden(s)) for s in shapes)
    if width_a >= width_b:
        return 0.0, (f"Q1-A's hidden layers are {width_a:.0f} wide on average and Q1-B's "
                     f"{width_b:.0f}: A must be the narrower model.")
    gap = abs(a["parameters"] - b["parameters"]) / max(a["parameters"], b["parameters"])
    if gap > MAX_PARAMETER_GAP:
        return 0.0, (f"Q1-A has {a['parameters']:,} parameters and Q1-B {b['parameters']:,}, "
                     f"{gap:.0%} apart: make them about the same (within "
                     f"{MAX_PARAMETER_GAP:.0%}).")
    if curves[0] == curves[1]:
        return 0.0, "Q1-A and Q1-B report identical accuracies: train each model on its own."
    return 1.0, "; ".join([*(_summary(n, r, s, *c) for n, r, s, c in
                             zip(Q1, runs, shapes, curves, strict=True)),
                           f"parameters {gap:.1%} apart"])


@question("hw02", "q2_dropout")
def dropout_rates(report: dict, answer_dir: Path) -> tuple[float, str]:
    """Question 2: three models of one architecture whose dropout layers have the rates 0.25,
    0.5 and 0.75, each with valid accuracies that belong to it; the training accuracy (measured
    with dropout on) falls from rate 0.25 to rate 0.75."""
    majority = majority_share(answer_dir)
    runs = [_run(report, name) for name in Q2]
    shapes = [architecture(run, name) for run, name in zip(runs, Q2, strict=True)]
    for run, (name, rate) in zip(runs, Q2.items(), strict=True):
        rates = run.get("dropout")
        if not isinstance(rates, list) or not rates:
            return 0.0, (f"{name} has no nn.Dropout layer: add dropout layers with the rate "
                         f"{rate}.")
        if any(not isinstance(p, int | float) or abs(p - rate) > 1e-9 for p in rates):
            return 0.0, f"{name}'s dropout layers have the rates {rates}; all must be {rate}."
    if any(s != shapes[0] for s in shapes):
        return 0.0, ("Q2-A, Q2-B and Q2-C differ in more than the dropout rate (their Linear "
                     f"layers: {shapes}); compare one architecture.")
    curves = [accuracies(run, name, majority) for run, name in zip(runs, Q2, strict=True)]
    if any(curves[i] == curves[j] for i, j in ((0, 1), (0, 2), (1, 2))):
        return 0.0, "two of the dropout runs report identical accuracies: train each on its own."
    if curves[2][0][-1] >= curves[0][0][-1]:
        return 0.0, (f"the training accuracy with dropout 0.75 ({curves[2][0][-1]:.3f}) is not "
                     f"below the one with 0.25 ({curves[0][0][-1]:.3f}); report the training "
                     "accuracy measured while training (with dropout on), as the official loop "
                     "does.")
    return 1.0, "; ".join(_summary(n, r, shapes[0], *c) for n, r, c in
                          zip(Q2, runs, curves, strict=True))

