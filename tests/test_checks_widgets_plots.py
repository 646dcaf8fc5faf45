import configparser
import re
from pathlib import Path

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest
import torch

from course_utils import (
    GLOSSARY,
    History,
    InteractiveDemo,
    format_value,
    plot_error_surface,
    plot_fit_1d,
    plot_history,
    plot_image_grid,
    print_checks,
    relation,
    term,
    term_table,
)
from course_utils.widgets import Controls, numbers_text

matplotlib.use("Agg")


def test_format_value_rounds_to_four_significant_digits():
    assert format_value(3.14159265) == "3.142"
    assert format_value(-0.0) == "0"
    assert format_value(-1e-12) == "-1e-12"
    assert format_value(385) == "385"
    assert format_value(True) == "True"
    assert format_value(torch.tensor([2.0, 4.0, 6.0])) == "[2, 4, 6]"
    assert format_value(np.array([[0.123456, 1]])) == "[[0.1235, 1]]"


def test_relation_prints_truth_and_both_sides():
    assert str(relation(0.5, "<", 1.23456)) == "True (0.5 < 1.235)"
    assert not relation(2, "<=", 1).holds
    with pytest.raises(ValueError, match="Unknown relation"):
        relation(1, "<<", 2)


def test_ci_compares_a_relation_by_its_truth_value_and_operator_only():
    """tests/nbval_sanitize.cfg, applied as nbval applies it: the numbers of a relation vary
    from one CPU to another, its verdict and the other values of a Checks cell must not."""
    config = configparser.ConfigParser()
    config.read(Path(__file__).with_name("nbval_sanitize.cfg"))

    def sanitized(text: str) -> str:
        for section in config.sections():
            text = re.sub(config[section]["regex"], config[section]["replace"], text)
        return text

    def line(value) -> str:
        return f"name : {value}"

    assert sanitized(line(relation(0.412, "<", 0.996))) == sanitized(line(relation(0.402, "<", 1)))
    flipped = relation(0.03, ">", 0.031)
    assert sanitized(line(flipped)) != sanitized(line(relation(0.04, ">", 0.007)))
    assert sanitized(line(relation(1, "<", 2))) != sanitized(line(relation(1, "<=", 2)))
    assert sanitized(line(0.412)) != sanitized(line(0.402))  # plain values stay pinned


def test_print_checks_aligns_names(capsys):
    print_checks({"params": 385, "GD error < 1e-3": relation(2e-4, "<", 1e-3)})
    out = capsys.readouterr().out.splitlines()
    assert out == ["params          : 385", "GD error < 1e-3 : True (0.0002 < 0.001)"]


def _demo(w=1.0, b=0.0):
    fig = plot_fit_1d(np.arange(3), np.arange(3), {"line": (np.arange(3), w * np.arange(3) + b)})
    return fig, {"w": w, "loss": (w - 1) ** 2 + b**2}


def test_interactive_demo_renders_default_then_follows_controls():
    w = widgets.FloatSlider(value=1.0, min=0, max=2)
    b = widgets.FloatSlider(value=0.0, min=-1, max=1)
    demo = InteractiveDemo(_demo, {"w": w, "b": b})
    fig, text = demo.render()
    assert isinstance(fig, matplotlib.figure.Figure)
    assert text == "w = 1 | loss = 0"
    w.value, b.value = 2.0, 0.5
    assert demo.render()[1] == "w = 2 | loss = 1.25"


def test_interactive_demo_show_leaves_a_static_figure(monkeypatch):
    shown = []
    monkeypatch.setattr("course_utils.widgets.display",
                        lambda obj, **kw: shown.append(obj) or _Handle())
    InteractiveDemo(_demo, {"w": widgets.FloatSlider(value=1.0)}).show()
    assert isinstance(shown[0], matplotlib.figure.Figure)
    assert "loss = 0" in shown[1].data
    assert isinstance(shown[2], Controls)


def test_controls_read_as_a_hint_where_widgets_cannot_render():
    controls = Controls([widgets.FloatSlider(description="w"), widgets.IntSlider(description="b")])
    bundle = controls._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # live Jupyter: the sliders
    assert bundle["text/plain"].startswith("Run the notebook to move these controls")
    assert bundle["text/plain"].endswith("defaults): w, b") and "VBox" not in bundle["text/plain"]


class _Handle:
    def update(self, obj):
        pass


def test_numbers_text_handles_empty():
    assert numbers_text(None) == ""


def test_glossary_terms_and_table():
    assert term("gradient descent") == "gradient descent（梯度下降）"
    with pytest.raises(KeyError, match="add it there"):
        term("flux capacitor")
    table = term_table(["loss", "epoch"]).data
    assert "| loss | 損失 |" in table and table.startswith("| English | 繁體中文 |")
    assert all(zh for zh in GLOSSARY.values())


def test_plots_draw_what_they_are_given():
    hist = History(train_loss=[3, 2, 1], val_loss=[3.5, 2.5, 2.7], best_epoch=1)
    ax = plot_history(hist).axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["train", "validation", "best epoch"]
    path = np.array([[0.0, 0.0], [0.5, 0.2], [0.9, 0.4]])
    fig = plot_error_surface(lambda w, b: (w - 1) ** 2 + (b - 0.5) ** 2, (-1, 2), (-1, 2),
                             paths={"GD": path}, optimum=(1, 0.5))
    gd = [line for line in fig.axes[0].get_lines() if line.get_label() == "GD"][0]
    assert np.allclose(gd.get_xydata(), path)
    grid = plot_image_grid(np.zeros((5, 1, 8, 8)), titles=list("abcde"), ncols=3)
    assert len(grid.axes) == 6 and grid.axes[0].get_title() == "a"
