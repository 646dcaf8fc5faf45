"""Interactive demos that still read well when nobody can move the sliders (introduced in 00).

A demo is a pure function ``demo(**params) -> (figure, numbers)``. :func:`interactive_demo`
shows its default state as an ordinary static figure and text (so papermill, nbval and the
GitHub viewer keep them), then displays the controls; moving a control redraws the same
output in place. Where no widget can render (GitHub, nbviewer, an untrusted notebook), the
controls read as one line that says how to move them, not as ``VBox(children=...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import Pretty, display
from matplotlib.figure import Figure

from course_utils.checks import format_value
from course_utils.runtime import environment

Demo = Callable[..., tuple[Figure, Mapping[str, object] | None]]


def numbers_text(numbers: Mapping[str, object] | None) -> str:
    """One line ``name = value | ...`` with the checks' rounding."""
    if not numbers:
        return ""
    return " | ".join(f"{name} = {format_value(value)}" for name, value in numbers.items())


class Controls(widgets.VBox):
    """A demo's controls; their plain-text form is a hint, not the widget repr."""

    def __repr__(self) -> str:
        names = ", ".join(child.description for child in self.children if child.description)
        return ("Run the notebook to move these controls (the figure above shows their "
                f"defaults): {names}")


class InteractiveDemo:
    """Binds ipywidgets controls to a demo function; ``render`` returns the current state."""

    def __init__(self, demo: Demo, controls: Mapping[str, widgets.ValueWidget]):
        self.demo = demo
        self.controls = dict(controls)
        self._figure_handle = None
        self._text_handle = None

    @property
    def params(self) -> dict[str, object]:
        return {name: control.value for name, control in self.controls.items()}

    def render(self) -> tuple[Figure, str]:
        """Call the demo with the controls' current values."""
        fig, numbers = self.demo(**self.params)
        plt.close(fig)
        return fig, numbers_text(numbers)

    def _redraw(self, _change=None) -> None:
        fig, text = self.render()
        self._figure_handle.update(fig)
        self._text_handle.update(Pretty(text))

    def show(self) -> None:
        """Display the default state statically, then the controls."""
        fig, text = self.render()
        self._figure_handle = display(fig, display_id=True)
        self._text_handle = display(Pretty(text), display_id=True)
        for control in self.controls.values():
            control.observe(self._redraw, names="value")
        if environment() == "colab":
            from google.colab import output  # type: ignore[import-not-found]

            output.enable_custom_widget_manager()
        display(Controls(list(self.controls.values())))


def interactive_demo(demo: Demo, **controls: widgets.ValueWidget) -> None:
    """Show ``demo`` with its controls; the static default figure stays in the output."""
    InteractiveDemo(demo, controls).show()
