"""Demos and advisory self-checks of notebook 00 (PyTorch basics and the working environment).

Every ``demo_*`` function is pure: ``demo(**params) -> (figure, numbers)``, so the notebook's
widgets are only UI and tests can call the functions directly. Randomness is drawn inside
``torch.random.fork_rng`` and never disturbs the notebook's global seed.
"""

from __future__ import annotations

import copy
import math
import shutil
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.checkpoint import load_checkpoint, save_checkpoint
from course_utils.device import device
from course_utils.exercises import Mistake, NotAttempted, attempt, expect, report
from course_utils.plots import COLORS
from course_utils.runtime import environment

# --------------------------------------------------------------------------- tensor shapes

SHAPE_OPS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "x.transpose(0, 1)": lambda x: x.transpose(0, 1),
    "x.reshape(-1)": lambda x: x.reshape(-1),
    "x.reshape(-1, 2)": lambda x: x.reshape(-1, 2),
    "x.unsqueeze(0)": lambda x: x.unsqueeze(0),
    "x.unsqueeze(-1)": lambda x: x.unsqueeze(-1),
    "x.squeeze()": lambda x: x.squeeze(),
    "torch.cat([x, x], dim=0)": lambda x: torch.cat([x, x], dim=0),
    "torch.cat([x, x], dim=-1)": lambda x: torch.cat([x, x], dim=-1),
}
"""The operations of the tensor-shape drill, keyed by the code they run."""

INPUT_SHAPES: tuple[tuple[int, ...], ...] = ((3,), (2, 3), (1, 3), (3, 1), (2, 1, 3), (2, 3, 2))
"""Input shapes offered by the drill's dropdown."""


def _dim_labels(ndim: int) -> tuple[str, str]:
    if ndim <= 1:
        return ("dim 0" if ndim == 1 else "scalar"), ""
    if ndim == 2:
        return "dim 1", "dim 0"
    return f"dim {ndim - 1}", f"dims 0…{ndim - 2} flattened"


def draw_tensor(ax: Axes, t: torch.Tensor, title: str, vmax: float | None = None) -> None:
    """Draw ``t`` as a grid: the last dim runs across, all other dims are stacked downwards
    (white lines separate the 2-D slices of a tensor with 3 or more dims).

    Each cell shows its value; with a shared ``vmax`` the same value has the same colour in
    every panel, so you can follow elements through an operation.
    """
    values = t.detach().cpu().numpy()
    grid = values.reshape(1, 1) if values.ndim == 0 else values.reshape(-1, values.shape[-1])
    top = float(vmax if vmax is not None else max(grid.max(), 1))
    ax.imshow(grid, cmap="viridis", vmin=0, vmax=top)
    if grid.size <= 96:
        for (row, col), v in np.ndenumerate(grid):
            ax.text(col, row, f"{v:g}", ha="center", va="center", fontsize=8,
                    color="white" if v < 0.6 * top else "black")
    if t.ndim >= 3:
        for k in range(t.shape[-2], grid.shape[0], t.shape[-2]):
            ax.axhline(k - 0.5, color="white", lw=3)
    xlabel, ylabel = _dim_labels(t.ndim)
    ax.set_xticks(range(grid.shape[1]))
    ax.set_yticks(range(grid.shape[0]) if t.ndim >= 2 else [])
    ax.set(title=f"{title}\nshape {tuple(t.shape)}", xlabel=xlabel, ylabel=ylabel)
    ax.grid(False)


def plot_tensors(tensors: Mapping[str, torch.Tensor], title: str = "",
                 vmax: float | None = None) -> Figure:
    """Side-by-side :func:`draw_tensor` panels, one per ``{label: tensor}``."""
    fig, axes = plt.subplots(1, len(tensors), figsize=(2.9 * len(tensors), 3.2), squeeze=False)
    plt.close(fig)
    for ax, (label, t) in zip(axes[0], tensors.items(), strict=True):
        draw_tensor(ax, t, label, vmax)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def demo_tensor_shapes(op: str = "x.transpose(0, 1)",
                       shape: tuple[int, ...] = (2, 3)) -> tuple[Figure, dict[str, object]]:
    """Demo 1 (tensor-shape drill): apply ``op`` to ``x = torch.arange(n).reshape(shape)``.

    Returns the input/output picture and the shapes; an invalid combination shows the error
    message PyTorch gives instead of raising.
    """
    x = torch.arange(math.prod(shape)).reshape(shape)
    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(8.0, 3.4))
    plt.close(fig)
    vmax = max(x.numel() - 1, 1)
    draw_tensor(ax_in, x, "input x", vmax)
    numbers: dict[str, object] = {"input shape": list(shape)}
    try:
        out = SHAPE_OPS[op](x)
    except (RuntimeError, IndexError) as error:
        message = f"{type(error).__name__}: {error}"
        ax_out.axis("off")
        ax_out.text(0.5, 0.5, textwrap.fill(message, 38), ha="center", va="center",
                    color=COLORS[1], transform=ax_out.transAxes)
        ax_out.set_title(op)
        numbers["error"] = message
    else:
        draw_tensor(ax_out, out, op, vmax)
        numbers["output shape"] = list(out.shape)
        if out.numel() == x.numel():
            numbers["reading order kept"] = torch.equal(out.reshape(-1), x.reshape(-1))
    fig.suptitle("Same value = same colour: follow the elements through the operation")
    fig.tight_layout()
    return fig, numbers


SHAPE_PUZZLES: tuple[str, ...] = (
    "torch.zeros(2, 3).transpose(0, 1)",
    "torch.zeros(1, 5, 1).squeeze()",
    "torch.zeros(5).unsqueeze(1)",
    "torch.zeros(2, 3, 4).reshape(6, -1)",
    "torch.cat([torch.zeros(2, 3), torch.zeros(4, 3)], dim=0)",
    "torch.cat([torch.zeros(2, 3), torch.zeros(2, 5)], dim=1)",
    "torch.zeros(4, 1) + torch.zeros(3)",
    "torch.zeros(2, 3, 4).transpose(0, 2)",
    "nn.Linear(10, 32)(torch.zeros(8, 10))",
    "torch.zeros(16, 1, 28, 28).reshape(16, -1)",
)
"""Ten shape puzzles; each is the code whose result's ``.shape`` is the answer."""


def puzzle_answer(expression: str) -> tuple[int, ...]:
    """The shape that ``expression`` (one of :data:`SHAPE_PUZZLES`) really produces."""
    with torch.random.fork_rng(devices=[]):
        return tuple(eval(expression, {"torch": torch, "nn": nn}).shape)


def check_shape_puzzles(answers: Mapping[int, Sequence[int] | None], reveal: bool = False) -> str:
    """Exercise 1: mark ``{puzzle number: shape}``; ``reveal=True`` also prints the answers.

    Prints one line per puzzle, then the verdict line; returns the verdict.
    """
    def body() -> None:
        if all(answers.get(number) is None for number in range(1, len(SHAPE_PUZZLES) + 1)) \
                and not reveal:
            raise NotAttempted
        correct = 0
        for number, expression in enumerate(SHAPE_PUZZLES, start=1):
            truth, given = puzzle_answer(expression), answers.get(number)
            if given is None:
                mark, note = "·", "not answered yet"
            elif tuple(given) == truth:
                mark, note, correct = "✓", "", correct + 1
            else:
                mark, note = "✗", f"you said {tuple(given)}"
            if reveal:
                note = f"{note}  → {truth}".strip()
            print(f"{mark} {number:>2}. {expression:<55} {note}".rstrip())
        if correct < len(SHAPE_PUZZLES):
            raise Mistake(f"{correct}/{len(SHAPE_PUZZLES)} correct; Demo 1 shows each operation.")
    return report("ten shape puzzles", body, success=f"{len(SHAPE_PUZZLES)}/10 correct.")


# --------------------------------------------------------------------------- data loader


def loader_batches(n: int, batch_size: int, shuffle: bool, drop_last: bool = False,
                   seed: int = 0, epochs: int = 2) -> list[list[list[int]]]:
    """The sample indices of every batch, for each of ``epochs`` passes over one DataLoader."""
    loader = DataLoader(TensorDataset(torch.arange(n)), batch_size=batch_size, shuffle=shuffle,
                        drop_last=drop_last, generator=torch.Generator().manual_seed(seed))
    return [[batch.tolist() for (batch,) in loader] for _ in range(epochs)]


def demo_dataloader(n: int = 10, batch_size: int = 3, shuffle: bool = True,
                    drop_last: bool = False, seed: int = 0) -> tuple[Figure, dict[str, object]]:
    """Demo 2 (DataLoader visualizer): which samples land in which batch, over two epochs."""
    epochs = loader_batches(n, batch_size, shuffle, drop_last, seed)
    n_batches = max(len(epochs[0]), 1)
    width = n + 0.5 * n_batches
    fig, ax = plt.subplots(figsize=(min(max(6.0, 0.38 * width + 2.5), 16.0), 2.7))
    plt.close(fig)
    for row, batches in enumerate(epochs):
        x = 0.0
        for b, batch in enumerate(batches):
            for index in batch:
                ax.add_patch(Rectangle((x, -row - 0.4), 0.9, 0.8, color=COLORS[b % len(COLORS)]))
                ax.text(x + 0.45, -row, str(index), ha="center", va="center", fontsize=8,
                        color="white")
                x += 1
            x += 0.5
        seen = {i for batch in batches for i in batch}
        for index in sorted(set(range(n)) - seen):
            ax.add_patch(Rectangle((x, -row - 0.4), 0.9, 0.8, facecolor="lightgrey",
                                   edgecolor="grey", hatch="//"))
            ax.text(x + 0.45, -row, str(index), ha="center", va="center", fontsize=8)
            x += 1
    handles = [Patch(color=COLORS[b % len(COLORS)], label=f"batch {b + 1}")
               for b in range(min(n_batches, len(COLORS)))]
    if drop_last and n % batch_size:
        handles.append(Patch(facecolor="lightgrey", edgecolor="grey", hatch="//",
                             label="dropped (drop_last)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set(xlim=(-0.3, width + 0.5), ylim=(-1.6, 0.6), yticks=[0, -1],
           yticklabels=["epoch 1", "epoch 2"], xticks=[],
           xlabel="order in which the loader yields the sample indices (gaps separate batches)",
           title=f"DataLoader(N={n}, batch_size={batch_size}, shuffle={shuffle}, "
                 f"drop_last={drop_last})")
    ax.grid(False)
    fig.tight_layout()
    numbers = {"batches per epoch": len(epochs[0]),
               "batch sizes": [len(batch) for batch in epochs[0]],
               "epoch 2 order differs": epochs[0] != epochs[1]}
    return fig, numbers


def check_batches_per_epoch(fn: Callable[[int, int, bool], int]) -> str:
    """Exercise 2: ``fn(n, batch_size, drop_last)`` equals ``len(DataLoader(...))``."""
    def body() -> None:
        for n in (1, 9, 10, 12, 100):
            for bs in (1, 3, 4, 10, 32):
                for drop in (False, True):
                    truth = len(DataLoader(range(n), batch_size=bs, drop_last=drop))
                    got = attempt(fn, n, bs, drop)
                    expect(got == truth, f"n={n}, batch_size={bs}, drop_last={drop}: you give "
                                         f"{got}, len(DataLoader(...)) is {truth}.")
    return report("batches per epoch", body, success="all 50 cases match len(DataLoader(...)).")


# --------------------------------------------------------------------------- models and loops


def check_small_mlp(build: Callable[[], nn.Module]) -> str:
    """Exercise 3: ``build()`` returns the 10 → 32 → 1 sigmoid network of the Checks."""
    def body() -> None:
        model = attempt(build)
        try:
            out = model(torch.zeros(4, 10))
        except Exception as error:  # report the learner's error in words
            hint = " (a trailing comma in __init__ turns a layer into a tuple)" \
                if "not callable" in str(error) else ""
            raise Mistake(f"model(torch.zeros(4, 10)) raised {type(error).__name__}: "
                          f"{error}{hint}") from None
        expect(tuple(out.shape) == (4, 1), f"the output shape is {tuple(out.shape)}; "
                                           "expected (4, 1): one number per sample.")
        n_params = sum(p.numel() for p in model.parameters())
        expect(n_params == 385, f"{n_params} parameters; expected 10·32 + 32 + 32·1 + 1 = 385.")
        expect(any(isinstance(m, nn.Sigmoid) for m in model.modules()),
               "no registered nn.Sigmoid: assign it to an attribute without a trailing comma.")
    return report("fix the model", body, success="output (4, 1), 385 parameters, every layer "
                                                 "registered.")


def _batch_loss_and_grads(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                          criterion: nn.Module) -> tuple[float, list[torch.Tensor]]:
    twin = copy.deepcopy(model)
    twin.zero_grad(set_to_none=True)
    loss = criterion(twin(x), y)
    loss.backward()
    return loss.item(), [p.grad.clone() for p in twin.parameters()]


def check_train_step(step: Callable[..., float]) -> str:
    """Advisory check of ``step(model, x, y, criterion, optimizer) -> float`` (one SGD step).

    It calls ``step`` three times on one batch of a tiny regression and says what is missing:
    the returned loss, ``backward()``, ``step()``, or ``zero_grad()`` (gradients that
    accumulate are caught on the second call).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = nn.Linear(3, 1)
        x, y = torch.randn(16, 3), torch.randn(16, 1)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for call in range(1, 4):
        loss_before, fresh = _batch_loss_and_grads(model, x, y, criterion)
        before = [p.detach().clone() for p in model.parameters()]
        try:
            loss = step(model, x, y, criterion, optimizer)
        except Exception as error:  # report any error to the learner
            return f"✗ call {call}: step raised {type(error).__name__}: {error}"
        if not isinstance(loss, float):
            return f"✗ return loss.item() (a Python float), not {type(loss).__name__}"
        if not math.isclose(loss, loss_before, rel_tol=1e-5):
            return "✗ the returned loss is not criterion(model(x), y) before the update"
        if any(p.grad is None for p in model.parameters()):
            return "✗ p.grad is None: call loss.backward()"
        if all(torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True)):
            return "✗ the parameters did not move: call optimizer.step() after loss.backward()"
        if not all(torch.allclose(p.grad, g, atol=1e-6)
                   for p, g in zip(model.parameters(), fresh, strict=True)):
            return (f"✗ call {call}: p.grad holds more than this batch's gradient — gradients "
                    "accumulate; call optimizer.zero_grad() before loss.backward()")
        losses.append(loss)
    if not losses[-1] < losses[0]:
        return f"✗ the loss did not decrease ({losses[0]:.4g} → {losses[-1]:.4g})"
    return (f"✓ fresh gradients every call, parameters move, loss {losses[0]:.4g} → "
            f"{losses[-1]:.4g}")


def plot_loss_curves(curves: Mapping[str, Sequence[float]], title: str = "Training loss",
                     ylabel: str = "loss (log scale)") -> Figure:
    """Loss per epoch on a log axis; a curve that reaches inf/NaN ends with a ✗ marker."""
    fig, ax = plt.subplots()
    plt.close(fig)
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        finite = np.isfinite(values)
        last = len(values) if finite.all() else int(np.argmin(finite))
        line, = ax.plot(np.arange(1, last + 1), values[:last], label=label)
        if last < len(values) and last > 0:
            ax.plot(last, values[last - 1], "X", ms=10, color=line.get_color(),
                    label=f"{label}: inf/NaN after epoch {last}")
    ax.set_yscale("log")
    ax.set(title=title, xlabel="epoch", ylabel=ylabel)
    ax.legend()
    return fig


def dropout_bn_model(p: float = 0.5, width: int = 8) -> nn.Sequential:
    """A tiny 4 → width → 1 regressor with BatchNorm and Dropout (demo 4)."""
    return nn.Sequential(nn.Linear(4, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Dropout(p),
                         nn.Linear(width, 1))


def demo_train_vs_eval(p: float = 0.5, passes: int = 3,
                       seed: int = 0) -> tuple[Figure, dict[str, object]]:
    """Demo 4: the same batch through a dropout + BN model, ``passes`` times in each mode."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = dropout_bn_model(p)
        x = torch.randn(6, 4)
        outputs = {}
        for mode in ("train", "eval"):
            model.train(mode == "train")
            with torch.no_grad():
                outputs[mode] = torch.stack([model(x).squeeze(1) for _ in range(passes)])
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.2), sharey=True)
    plt.close(fig)
    spread = {}
    for ax, (mode, out) in zip(axes, outputs.items(), strict=True):
        for k, values in enumerate(out):
            ax.plot(np.arange(len(values)) + 0.08 * (k - (passes - 1) / 2), values, "o",
                    ms=5, alpha=0.85, label=f"pass {k + 1}")
        spread[mode] = (out.max(0).values - out.min(0).values).max().item()
        ax.set(title=f"model.{mode}(): max spread {spread[mode]:.3g}", xlabel="sample in batch",
               ylabel="model output")
        ax.legend(fontsize=8)
    fig.suptitle(f"Same input, {passes} forward passes (dropout p={p:g} + BatchNorm)")
    fig.tight_layout()
    return fig, {"max spread in train()": spread["train"], "max spread in eval()": spread["eval"]}


# --------------------------------------------------------------------------- environment

COLAB_RULES: tuple[str, ...] = (
    "Runtime → Change runtime type → GPU before you start (the kernel restarts)",
    "`!cmd` runs in a throw-away shell (a `!cd` is forgotten); `%cd` changes the notebook's folder",
    "files in /content vanish when the session closes: download what you want to keep",
    "mounting Drive works, but copy data to the working directory: Drive I/O is slow and has "
    "quotas",
    "idle sessions disconnect: save checkpoints and be ready to resume",
    "`gdown --id` is obsolete, and this course never downloads: data comes from course_utils",
)
KAGGLE_RULES: tuple[str, ...] = (
    "GPU = one P100 with 16 GB (Settings → Accelerator); debug on CPU, then switch it on",
    "about 30 GPU hours a week, 12 h per run; the quota resets Saturday 08:00 Taipei time, and "
    "using the GPU this week can earn extra time next week",
    "output is capped at 20 GB: keep the best checkpoint, not one per epoch",
    "'Save Version → Save & Run All' runs in the background and may go moderately over the quota",
    "checkpoint-as-dataset: run → save the output as a dataset → Add data → load → rerun → "
    "submit submission.csv",
    "two runs can go in parallel: use them for a seed or split ensemble",
    "the public leaderboard scores part of the test set; the private one decides the grade",
)


def rule_checklist(env: str) -> str:
    """The rules for ``env`` ('colab' or 'kaggle'; 'local' shows both) as a checklist."""
    groups = {"colab": [("Colab", COLAB_RULES)], "kaggle": [("Kaggle", KAGGLE_RULES)]}
    lines = []
    for name, rules in groups.get(env, [("Colab", COLAB_RULES), ("Kaggle", KAGGLE_RULES)]):
        lines.append(f"{name}:")
        lines += [f"  ☐ {rule}" for rule in rules]
    return "\n".join(lines)


def environment_report() -> dict[str, object]:
    """Where this notebook runs: environment, torch, device, GPU name and memory, free disk."""
    dev = device()
    report: dict[str, object] = {"environment": environment(), "torch": torch.__version__,
                                 "device": str(dev), "CPU threads": torch.get_num_threads()}
    if dev.type == "cuda":
        props = torch.cuda.get_device_properties(dev)
        report["GPU"] = props.name
        report["GPU memory (GiB)"] = round(props.total_memory / 2**30, 1)
    else:
        report["GPU"] = "none (this notebook is sized for a CPU)"
    report["free disk (GiB)"] = round(shutil.disk_usage(".").free / 2**30, 1)
    return report


def checkpoint_roundtrip(folder: str | Path) -> dict[str, object]:
    """Save a model + SGD-momentum optimizer with the course helper, load both into fresh ones.

    Returns the largest parameter difference, the restored epoch and whether the momentum
    buffers came back, i.e. whether training could resume exactly.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model, fresh = nn.Linear(4, 2), nn.Linear(4, 2)
        x = torch.randn(8, 4)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(x).square().mean().backward()
    optimizer.step()
    path = save_checkpoint(Path(folder) / "selfcheck.pt", model, optimizer, epoch=3)
    fresh_optimizer = torch.optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
    epoch = load_checkpoint(path, fresh, fresh_optimizer)
    diff = max((a - b).abs().max().item()
               for a, b in zip(model.parameters(), fresh.parameters(), strict=True))
    buffers = [(optimizer.state[a]["momentum_buffer"], fresh_optimizer.state[b]["momentum_buffer"])
               for a, b in zip(model.parameters(), fresh.parameters(), strict=True)]
    momentum = all(torch.equal(a, b) for a, b in buffers)
    return {"max |Δparam|": diff, "epoch restored": epoch, "momentum restored": momentum}
