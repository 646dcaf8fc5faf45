"""HW07's auto-graded report questions: windows, the best valid span and the answer's text.

The export cell calls the student's three functions on the probe inputs below (the same
literals) and writes ``report["probes"][question][probe] = {"output": ...}`` (or
``{"error": ...}`` when the function raised). The grader recomputes every right value here:

- ``windows``: ``window_starts(paragraph_len, max_paragraph_len, doc_stride)``, the starts
  ``0, doc_stride, 2 doc_stride, …`` up to the first window that reaches the paragraph's end;
- ``best_span``: ``best_span(start_logits, end_logits, max_answer_len)``, the ``(start, end)``
  with the largest ``start_logits[start] + end_logits[end]`` and
  ``start <= end < start + max_answer_len``;
- ``answer_text``: ``answer_text(paragraph, offsets, start, end)`` on a probe paragraph whose
  answer holds characters the tiny BERT's vocabulary lacks (``[UNK]``) or a space.

A question earns its point when every probe is right; the detail names the first wrong one.
"""

from __future__ import annotations

from pathlib import Path

from course_utils.grading.questions import ReportError, question, value

WINDOW_PROBES = [(415, 150, 150), (415, 150, 75), (300, 150, 75), (150, 150, 75),
                 (90, 150, 150), (451, 150, 100)]
SPAN_PROBES = {  # name: (start_logits, end_logits, max_answer_len)
    "end_before_start": ([0.1, 0.3, 2.0, 0.2, 0.0, -0.4, 0.5, 0.1],
                         [0.2, 2.5, 0.1, 0.4, 1.1, 0.0, -0.3, 0.6], 5),
    "too_long": ([3.0, 0.2, 0.1, 2.8, 2.5, 0.3, 1.0, 0.0],
                 [0.0, 0.1, 0.2, 0.3, 0.5, 0.1, 0.4, 3.2], 4),
    "one_token": ([-1.0, 0.5, 0.2, 1.5, 0.1, 0.0], [0.3, -0.5, 0.6, 1.2, 0.4, -2.0], 3),
}
TEXT_PROBES = [("林志遠於1987年出生在龘山市，後來就讀 Taipei 大學。", "龘山市"),
               ("林志遠於1987年出生在龘山市，後來就讀 Taipei 大學。", "Taipei 大學"),
               ("該機構由陳雅婷創立，總部設在𠀋城。", "𠀋城")]


def window_starts(paragraph_len: int, max_paragraph_len: int, doc_stride: int) -> list[int]:
    """The right window starts: every ``doc_stride`` tokens until a window reaches the end."""
    starts = [0]
    while starts[-1] + max_paragraph_len < paragraph_len:
        starts.append(starts[-1] + doc_stride)
    return starts


def best_span(start_logits: list[float], end_logits: list[float],
              max_answer_len: int) -> tuple[int, int]:
    """The right span: the best ``start + end`` logit over ``start <= end < start + max_len``."""
    pairs = [(s, e) for s in range(len(start_logits))
             for e in range(s, min(s + max_answer_len, len(end_logits)))]
    return max(pairs, key=lambda p: start_logits[p[0]] + end_logits[p[1]])


def _outputs(report: dict, name: str) -> dict:
    probes = value(report, "probes", dict).get(name)
    if not isinstance(probes, dict):
        raise ReportError(f"report.json['probes'] has no {name!r}: run the export cell unchanged.")
    return probes


def _first_wrong(outputs: dict, expected: dict[str, object], what: str,
                 normalize=lambda v: v) -> str:
    """Why the first probe is wrong (its error or its value), or ``""`` when all are right."""
    for key, right in expected.items():
        got = outputs.get(key)
        if not isinstance(got, dict) or "output" not in got:
            error = got.get("error", "no value") if isinstance(got, dict) else "no value"
            return f"{what} gave no value for {key} ({str(error)[:120]})"
        if normalize(got["output"]) != right:
            return f"{what} for {key} should be {right!r}, not {str(got['output'])[:80]}"
    return ""


@question("hw07", "windows")
def windows(report: dict, answer_dir: Path | None) -> tuple[float, str]:
    """Question 1: the window starts for probe paragraph lengths, window lengths and strides."""
    expected = {",".join(map(str, args)): window_starts(*args) for args in WINDOW_PROBES}
    wrong = _first_wrong(_outputs(report, "windows"), expected,
                         "window_starts(paragraph_len, max_paragraph_len, doc_stride)",
                         lambda v: v if isinstance(v, list) else None)
    if wrong:
        return 0.0, wrong + (" (a window that lies inside the one before it adds nothing)"
                             if "should be" in wrong else "")
    return 1.0, f"the window starts are right for all {len(expected)} probes"


@question("hw07", "best_span")
def best_span_question(report: dict, answer_dir: Path | None) -> tuple[float, str]:
    """Question 2: the constrained best span of probe start/end logits."""
    expected = {name: best_span(*args) for name, args in SPAN_PROBES.items()}
    wrong = _first_wrong(_outputs(report, "best_span"), expected,
                         "best_span(start_logits, end_logits, max_answer_len)",
                         lambda v: tuple(v) if isinstance(v, (list, tuple)) else None)
    if wrong:
        return 0.0, wrong + " (start <= end < start + max_answer_len, best start + end logit)"
    return 1.0, f"the best valid span is right for all {len(expected)} probes"


@question("hw07", "answer_text")
def answer_text(report: dict, answer_dir: Path | None) -> tuple[float, str]:
    """Question 3: the answer's text from the paragraph through the token offsets."""
    expected = {answer: answer for _, answer in TEXT_PROBES}
    wrong = _first_wrong(_outputs(report, "answer_text"), expected,
                         "answer_text(paragraph, offsets, start, end)")
    if wrong:
        return 0.0, wrong + (" (cut the original paragraph at the offsets: tokenizer.decode "
                             "writes [UNK] and spaces)")
    return 1.0, f"the answer text is right for all {len(expected)} probes"
