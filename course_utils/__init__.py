"""Shared helpers for the NTU ML 2022 Spring course companion.

Notebooks import what they use from here; each helper's docstring names the lecture or
homework that introduces it.
"""

from course_utils.checkpoint import load_checkpoint, save_checkpoint
from course_utils.checks import below, format_value, print_checks, relation
from course_utils.device import autocast, banner, device, seed_everything
from course_utils.glossary import GLOSSARY, term, term_table
from course_utils.plots import (
    plot_error_surface,
    plot_fit_1d,
    plot_history,
    plot_image_grid,
    use_course_style,
)
from course_utils.runtime import Profile, ProfileError, environment, profile
from course_utils.training import History, accuracy, evaluate, fit, predict
from course_utils.widgets import InteractiveDemo, interactive_demo

__all__ = [
    "GLOSSARY",
    "History",
    "InteractiveDemo",
    "Profile",
    "ProfileError",
    "accuracy",
    "autocast",
    "banner",
    "below",
    "device",
    "environment",
    "evaluate",
    "fit",
    "format_value",
    "interactive_demo",
    "load_checkpoint",
    "plot_error_surface",
    "plot_fit_1d",
    "plot_history",
    "plot_image_grid",
    "predict",
    "print_checks",
    "profile",
    "relation",
    "save_checkpoint",
    "seed_everything",
    "term",
    "term_table",
    "use_course_style",
]
