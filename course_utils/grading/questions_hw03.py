"""HW03's auto-graded report questions: the two official ones and the curriculum's probes.

- ``train_tfm`` (official Q1): the export cell applies the student's ``train_tfm`` 10 times to one
  fixed probe image and writes a 16×16 thumbnail of each result; here the distinct thumbnails
  are counted (5 or more: the point).
- ``residual_network`` (official Q2): the export cell gives the student's ``Residual_Network``
  fixed public weights (drawn by name from one seeded generator), runs it on a fixed probe input
  and writes its output; here the same weights run through the official graph's residual
  connections (functional code, nothing of the student's) and the outputs must agree.
- ``mixup``, ``soft_cross_entropy``, ``tta_aggregate``, ``ensemble_logits``, ``ensemble_vote``
  (curriculum: HW03 "Auto-graded probes"): the export cell runs the student's functions on
  fixed probe tensors; here the grader draws the same tensors itself and computes each answer
  from the formula written out.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.grading.questions import (
    ReportError,
    close,
    question,
    value,
)

N_CLASSES = 11
TUPLES = {"mixup"}  # probes that return several tensors


def probe_inputs() -> dict:
    """The export cell's probe tensors, drawn in the same order from the same generator."""
    g = torch.Generator().manual_seed(2022)
    return {
        "img_a": torch.rand(2, 3, 4, 4, generator=g), "img_b": torch.rand(2, 3, 4, 4, generator=g),
        "label_a": torch.tensor([1, 4]), "label_b": torch.tensor([4, 10]), "lam": 0.3,
        "logits": torch.randn(4, 11, generator=g),
        "soft_target": torch.rand(4, 11, generator=g).softmax(dim=-1),
        "test_logits": torch.randn(5, 11, generator=g),
        "view_logits": torch.randn(3, 5, 11, generator=g),
        "tta_weight": 0.4, "model_logits": torch.randn(3, 5, 11, generator=g),
        "votes": torch.tensor([[0, 2, 5, 7, 1, 3], [2, 2, 5, 1, 4, 3], [2, 9, 6, 7, 4, 8]]),
    }


def expected_outputs() -> dict:
    """The trusted answers, each from its formula."""
    p = probe_inputs()
    one_hot = torch.eye(N_CLASSES)
    lam = p["lam"]
    log_softmax = p["logits"] - p["logits"].exp().sum(-1, keepdim=True).log()
    votes = torch.stack([(p["votes"] == c).sum(0) for c in range(N_CLASSES)], dim=-1)
    winners = [min(c for c in range(N_CLASSES) if row[c] == row.max()) for row in votes]
    return {
        "mixup": [(lam * p["img_a"] + (1 - lam) * p["img_b"]).tolist(),
                  (lam * one_hot[p["label_a"]] + (1 - lam) * one_hot[p["label_b"]]).tolist()],
        "soft_cross_entropy": float(-(p["soft_target"] * log_softmax).sum(-1).mean()),
        "tta_aggregate": (p["tta_weight"] * p["test_logits"]
                          + (1 - p["tta_weight"]) * p["view_logits"].mean(0)).tolist(),
        "ensemble_logits": p["model_logits"].mean(0).tolist(),
        "ensemble_vote": winners,
    }


HINTS = {
    "mixup": "λ·a + (1 − λ)·b for the images, and for the labels as one-hot vectors",
    "soft_cross_entropy": "−Σ target · log_softmax(logits), summed over classes, averaged over "
                          "the batch",
    "tta_aggregate": "weight · test_tfm logits + (1 − weight) · the mean of the views' logits",
    "ensemble_logits": "the mean of the models' logits",
    "ensemble_vote": "the most frequent class per item; a tie goes to the lowest class index",
}


def _probe_check(name: str) -> None:
    @question("hw03", name)
    def check(report: dict, answer_dir: Path) -> tuple[float, str]:
        probe = value(report, "probes", dict).get(name)
        if not isinstance(probe, dict):
            raise ReportError(f"report.json['probes'] has no {name!r}: run the export cell.")
        if "error" in probe:
            return 0.0, f"{name} raised {str(probe['error'])[:120]}"
        expected, got = expected_outputs()[name], probe.get("output")
        if name in TUPLES:  # (images, labels): parts of different shapes
            expected, got = list(expected), got if isinstance(got, list) else [got]
        else:
            expected, got = [expected], [got]
        if len(got) == len(expected) and all(
                close(g, e, atol=1e-4) for g, e in zip(got, expected, strict=True)):
            return 1.0, f"{name} matches the formula"
        return 0.0, f"{name} differs from the expected {HINTS[name]}"
    check.__doc__ = f"The student's {name} on the probe: {HINTS[name]}."


for _name in HINTS:
    _probe_check(_name)


# ---- Q1: train_tfm gives 5+ different results of one image ---------------------------------

Q1_CALLS, Q1_NEEDED, THUMB = 10, 5, 16
GREY_LEVEL = 1 / 255  # two thumbnails differ when some value differs by more than this


def distinct_results(thumbnails: list) -> int:
    """How many of the thumbnails differ from all the ones before them (by > one grey level)."""
    kept: list[np.ndarray] = []
    for thumb in thumbnails:
        t = np.asarray(thumb, dtype=float)
        if not all(t.shape != k.shape or np.abs(t - k).max() > GREY_LEVEL for k in kept):
            continue
        kept.append(t)
    return len(kept)


@question("hw03", "train_tfm")
def train_tfm(report: dict, answer_dir: Path) -> tuple[float, str]:
    """Q1: the student's train_tfm, called 10 times on one image, gives 5 or more different
    results (thumbnails that differ by more than one grey level; pixel noise does not count)."""
    q1 = value(report, "q1_train_tfm", dict)
    if "error" in q1:
        return 0.0, f"train_tfm raised {str(q1['error'])[:160]}"
    out = q1.get("output")
    if not isinstance(out, dict) or not isinstance(out.get("thumbnails"), list):
        raise ReportError("report.json['q1_train_tfm'] has no thumbnails: run the export cell.")
    thumbs = out["thumbnails"]
    if len(thumbs) != Q1_CALLS:
        raise ReportError(f"report.json['q1_train_tfm'] holds {len(thumbs)} results, not "
                          f"{Q1_CALLS}: run the export cell unchanged.")
    arrays = [np.asarray(t, dtype=float) for t in thumbs]
    if not all(a.ndim == 3 and a.shape[1:] == (THUMB, THUMB) and np.isfinite(a).all()
               for a in arrays):
        return 0.0, "train_tfm must return an image tensor (C, H, W): end it with ToTensor()"
    n = distinct_results(arrays)
    if n >= Q1_NEEDED:
        return 1.0, f"{n} different results of {Q1_CALLS} calls on one image"
    return 0.0, (f"only {n} different result(s) of {Q1_CALLS} calls on one image; "
                 f"{Q1_NEEDED}+ are needed: add random transforms to train_tfm")


# ---- Q2: Residual_Network's skip connections ---------------------------------------------

# The official skeleton's layers: (name, in channels, out channels, stride).
Q2_CONVS = (("cnn_layer1", 3, 64, 1), ("cnn_layer2", 64, 64, 1), ("cnn_layer3", 64, 128, 2),
            ("cnn_layer4", 128, 128, 1), ("cnn_layer5", 128, 256, 2), ("cnn_layer6", 256, 256, 1))
Q2_LINEARS = (("fc_layer.0", 256 * 32 * 32, 256), ("fc_layer.2", 256, 11))
PROBE_SEED = 2022


def residual_parameters() -> list[tuple[str, list[int]]]:
    """The official ``Residual_Network``'s state_dict: names and shapes, in its order."""
    names = []
    for layer, c_in, c_out, _ in Q2_CONVS:
        names += [(f"{layer}.0.weight", [c_out, c_in, 3, 3]), (f"{layer}.0.bias", [c_out])]
        names += [(f"{layer}.1.{k}", [c_out]) for k in ("weight", "bias", "running_mean",
                                                         "running_var")]
        names.append((f"{layer}.1.num_batches_tracked", []))
    for layer, n_in, n_out in Q2_LINEARS:
        names += [(f"{layer}.weight", [n_out, n_in]), (f"{layer}.bias", [n_out])]
    return names


def probe_weights() -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """The export cell's public weights and probe input: drawn in sorted name order from one
    generator (running variances in [0.5, 1.5), weights uniform with variance 1/fan_in,
    batch-norm scales 1 + N(0, 0.01), biases and running means N(0, 0.01)), then the input
    U[0, 1)."""
    g = torch.Generator().manual_seed(PROBE_SEED)
    shapes = dict(residual_parameters())
    state = {}
    for name in sorted(shapes):
        shape = shapes[name]
        if name.endswith("num_batches_tracked"):
            continue
        if name.endswith("running_var"):
            state[name] = 0.5 + torch.rand(shape, generator=g)
        elif len(shape) > 1:
            bound = math.sqrt(3 / math.prod(shape[1:]))
            state[name] = (2 * torch.rand(shape, generator=g) - 1) * bound
        elif name.endswith("weight"):
            state[name] = 1 + 0.1 * torch.randn(shape, generator=g)
        else:
            state[name] = 0.1 * torch.randn(shape, generator=g)
    return state, torch.rand(2, 3, 128, 128, generator=g)


def residual_forward(state: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The official graph (slides, Q2): cnn_layer1 → ReLU → cnn_layer2 → + → ReLU → cnn_layer3
    → ReLU → cnn_layer4 → + → ReLU → cnn_layer5 → ReLU → cnn_layer6 → + → ReLU → fc_layer,
    each addition adding the ReLU output that entered the layer before it; eval mode."""
    def layer(name: str, h: torch.Tensor, stride: int) -> torch.Tensor:
        h = F.conv2d(h, state[f"{name}.0.weight"], state[f"{name}.0.bias"], stride, 1)
        return F.batch_norm(h, state[f"{name}.1.running_mean"], state[f"{name}.1.running_var"],
                            state[f"{name}.1.weight"], state[f"{name}.1.bias"], False, 0.1, 1e-5)

    strides = {name: stride for name, _, _, stride in Q2_CONVS}
    with torch.no_grad():
        h = x
        for first, second in (("cnn_layer1", "cnn_layer2"), ("cnn_layer3", "cnn_layer4"),
                              ("cnn_layer5", "cnn_layer6")):
            h = F.relu(layer(first, h, strides[first]))
            h = F.relu(layer(second, h, strides[second]) + h)
        h = F.relu(F.linear(h.flatten(1), state["fc_layer.0.weight"], state["fc_layer.0.bias"]))
        return F.linear(h, state["fc_layer.2.weight"], state["fc_layer.2.bias"])


@functools.lru_cache(maxsize=1)
def expected_residual_output() -> torch.Tensor:
    state, x = probe_weights()
    return residual_forward(state, x)


@question("hw03", "residual_network")
def residual_network(report: dict, answer_dir: Path) -> tuple[float, str]:
    """Q2: with the public probe weights, the student's Residual_Network computes what the
    official graph's residual connections compute (the skeleton's layers unchanged)."""
    q2 = value(report, "q2_residual_network", dict)
    if "error" in q2:
        return 0.0, f"Residual_Network raised {str(q2['error'])[:160]}"
    out = q2.get("output")
    if not isinstance(out, dict) or not isinstance(out.get("parameters"), list):
        raise ReportError("report.json['q2_residual_network'] has no parameters: run the export "
                          "cell.")
    expected_names = residual_parameters()
    got = [(p[0], list(p[1])) for p in out["parameters"]
           if isinstance(p, list) and len(p) == 2 and isinstance(p[1], list)]
    if sorted(got) != sorted(expected_names):
        return 0.0, ("Residual_Network's layers differ from the official skeleton: modify only "
                     "its forward part")
    expected = expected_residual_output()
    scale = max(1.0, float(expected.abs().max()))
    if close(out.get("output"), expected.tolist(), atol=1e-3 * scale):
        return 1.0, "Residual_Network's output matches the graph's residual connections"
    return 0.0, ("Residual_Network's output differs from what the residual connections of the "
                 "graph (the slides' figure) give")
