"""The `optional-gpu` cells that train only at GPU scale still run: each is executed in the
`ci` profile (a few steps) together with the cells it needs, so a library change that breaks
it fails here although the committed `cpu` outputs only say "skipped"."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course_utils.runtime import PROFILE_ENV

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
CASES = {  # notebook -> (a line of its optional-gpu cell, text that cell prints when it trains)
    "L06_gan": ("if PIX2PIX_STEPS:", "saturation of the shapes"),
    "L07_bert_gpt": ("if DNA_STEPS:", "test accuracy after"),
}


def up_to_optional_cell(name: str, marker: str) -> tuple[nbformat.NotebookNode, int]:
    """The notebook's code cells up to its optional-gpu cell that contains ``marker``, and
    that cell's index."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    target = next(i for i, c in enumerate(code) if marker in c.source)
    assert "optional-gpu" in code[target].metadata.get("tags", []), f"{name}: cell not tagged"
    nb.cells = code[: target + 1]
    return nb, target


@pytest.mark.parametrize("name", sorted(CASES))
def test_optional_gpu_cell_trains_in_the_ci_profile(name, monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "ci")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    marker, trained = CASES[name]
    nb, target = up_to_optional_cell(name, marker)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    printed = "".join(o.get("text", "") for o in nb.cells[target].outputs)
    assert trained in printed and "skipped" not in printed, printed
