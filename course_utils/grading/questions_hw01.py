"""HW01's auto-graded report question (curriculum: HW01, report (a)).

(a) ``selected_features``: does the student's feature selection beat "all features"? The
export cell records the columns the model used, by name. Trusted code, outside the sandbox,
fits the same small ridge regression twice on a fixed fifth of the training rows (the
grader's copy in the answer folder): once on the student's columns, once on all 117 columns
(the sample's ``select_all=True``), and compares their MSE on the hidden test targets.
Nothing the student reports about losses is trusted, so the question cannot be earned by
editing numbers: only a selection that really predicts better scores. The untouched template
selects all 117 columns, so the two fits are the same and it scores 0.

The loss curves (curriculum report (c)) are plotted in the notebook and not graded: every run
has curves, and a curve's numbers come from the student's own code, so the grader cannot check
them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from course_utils.grading.questions import ReportError, question, value

KEY_FILE = "covid.report_key.csv"  # written beside the answers by datasets/hw01_covid.py
RIDGE = 1.0          # L2 penalty of the probe regression (on standardized columns)
FIT_EVERY = 5        # the probe is fitted on every 5th training row (540 of 2699): with few
                     # rows per column, columns that carry no signal cost test MSE
FULL_MARKS = 0.10    # the selection's test MSE 10 % below all features' earns 1 point


def _key(answer_dir: Path) -> pd.DataFrame:
    path = Path(answer_dir) / KEY_FILE
    if not path.is_file():
        raise ReportError(f"the answer folder has no {KEY_FILE}; regenerate the answer key "
                          "with `course-data generate hw01 … --answers …`.")
    return pd.read_csv(path)


def ridge_mse(key: pd.DataFrame, columns: list[str], penalty: float = RIDGE) -> float:
    """Test MSE of a ridge regression on ``columns``, fitted on every ``FIT_EVERY``-th training
    row of the key (columns standardized with those rows' mean and std)."""
    train = key[key["split"] == "train"].iloc[::FIT_EVERY]
    test = key[key["split"] == "test"]
    target = key.columns[-1]
    x, x_test = train[columns].to_numpy(float), test[columns].to_numpy(float)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    x, x_test = (x - mean) / std, (x_test - mean) / std
    y = train[target].to_numpy(float)
    a = np.c_[x, np.ones(len(x))]
    reg = penalty * np.eye(a.shape[1])
    reg[-1, -1] = 0.0
    w = np.linalg.solve(a.T @ a + reg, a.T @ y)
    pred = np.c_[x_test, np.ones(len(x_test))] @ w
    return float(np.mean((pred - test[target].to_numpy(float)) ** 2))


@question("hw01", "selected_features")
def selected_features(report: dict, answer_dir: Path) -> tuple[float, str]:
    """(a) A selection that predicts better than all features, measured by trusted code."""
    chosen = value(report, "selected_features", list)
    if not chosen or not all(isinstance(c, str) for c in chosen):
        raise ReportError("report.json['selected_features'] must be a non-empty list of column "
                          "names (the export cell writes it from x_train).")
    key = _key(answer_dir)
    features = [c for c in key.columns if c not in ("split", key.columns[-1])]
    unknown = sorted(set(chosen) - set(features))
    if unknown:
        raise ReportError(f"report.json['selected_features'] names columns that are not in "
                          f"covid.train.csv: {', '.join(unknown[:5])}")
    chosen = [c for c in features if c in set(chosen)]
    mine, everything = ridge_mse(key, chosen), ridge_mse(key, features)
    gain = 1.0 - mine / everything
    points = min(max(gain / FULL_MARKS, 0.0), 1.0)
    detail = (f"{len(chosen)} columns; a ridge regression on them has test MSE {mine:.4g}, on "
              f"all {len(features)} columns {everything:.4g} ({100 * gain:+.1f} %; "
              f"{100 * FULL_MARKS:.0f} % better earns the full point)")
    if len(chosen) == len(features):
        detail = f"all {len(features)} columns are selected, as in the sample: nothing to compare"
    elif "id" in chosen:
        detail += "; `id` is a row number, not a feature"
    return points, detail
