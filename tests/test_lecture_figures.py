"""Every lecture cell that builds a figure leaves it in the stored outputs (issue 9 §3): a
trailing `;` after `plot_…(...)`, or a figure that is built and closed, shows nothing on
GitHub, nbviewer or Kaggle."""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
# A call that draws: our plot_*/demo_* helpers, interactive_demo, or pyplot drawing directly.
BUILDS_A_FIGURE = re.compile(
    r"(?<!def )\b(?:plot_\w+|demo_\w+|interactive_demo)\s*\("
    r"|\bplt\.(?:figure|subplots?|plot|imshow|scatter|hist|bar|contourf?|matshow)\s*\("
)
NUMBERS_ONLY = "[1]"  # demo_x(...)[1] keeps only the numbers of a (figure, numbers) demo
# Cells that are not run on a CPU, that stop on purpose, or that only print the checks.
SKIPPED_TAGS = {"optional-gpu", "raises-exception", "nbval-check-output"}


def builds_a_figure(source: str) -> bool:
    """True when ``source`` calls something that draws and keeps more than its numbers."""
    for match in BUILDS_A_FIGURE.finditer(source):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(source)):
            depth += {"(": 1, ")": -1}.get(source[end], 0)
            if depth == 0:
                break
        if not source.startswith(NUMBERS_ONLY, end + 1):
            return True
    return False


def figure_cells_without_image(nb: nbformat.NotebookNode) -> list[str]:
    """'cell N (id …): first line' for each figure-building code cell with no image/png."""
    missing = []
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or SKIPPED_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if builds_a_figure(cell.source) and not any(
                "image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            first_line = cell.source.strip().splitlines()[0]
            missing.append(f"cell {number} (id {cell.get('id')}): {first_line}")
    return missing


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_every_figure_a_cell_builds_is_stored(path):
    missing = figure_cells_without_image(nbformat.read(path, as_version=4))
    assert not missing, (
        f"{path.relative_to(ROOT)}: these cells build a figure but store no image (drop a "
        "trailing `;`, display(fig) the returned figure, then re-execute):\n  "
        + "\n  ".join(missing))


def test_the_check_sees_a_discarded_figure():
    shown = nbformat.v4.new_code_cell("L03.plot_samples(x)", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})])
    discarded = nbformat.v4.new_code_cell("L03.plot_samples(x);")
    definition = nbformat.v4.new_code_cell("def plot_mine(x):\n    return x")
    gpu_only = nbformat.v4.new_code_cell("plt.plot(x)", metadata={"tags": ["optional-gpu"]})
    numbers = nbformat.v4.new_code_cell("n = {1: L02c.demo_scaling(f(2), s=1)[1]}")
    nb = nbformat.v4.new_notebook(cells=[shown, discarded, definition, gpu_only, numbers])
    assert figure_cells_without_image(nb) == [
        f"cell 1 (id {discarded.id}): L03.plot_samples(x);"]
