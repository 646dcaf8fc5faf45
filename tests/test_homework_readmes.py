"""The student READMEs quote the calibrated tiers: every quoted threshold is grading.json's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = sorted(p.parent.name for p in ROOT.glob("homework/hw*/grading.json"))
TIERS = ("simple", "medium", "strong", "boss")


def quoted_thresholds(readme: str) -> dict[str, str]:
    """``tier -> number as written`` from the README's table whose header names a threshold."""
    quoted, column = {}, None
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip("|\n ").split("|")] if line.startswith("|") else []
        if cells and cells[0].lower() == "tier":
            column = next((i for i, c in enumerate(cells)
                           if "threshold" in c or "at least" in c), None)
        elif not cells:
            column = None
        elif column is not None and cells[0].lower() in TIERS:
            quoted[cells[0].lower()] = cells[column]
    return quoted


@pytest.mark.parametrize("hw", HOMEWORK)
def test_the_readme_quotes_the_calibrated_tiers(hw):
    folder = ROOT / "homework" / hw
    tiers = json.loads((folder / "grading.json").read_text())["tiers"]
    if any(isinstance(value, dict) for value in tiers.values()):
        pytest.skip(f"{hw}'s tiers have several components; its README gives them in words")
    quoted = quoted_thresholds((folder / "README.md").read_text())
    assert set(quoted) == set(TIERS), f"{hw}/README.md has no table of the four thresholds"
    for tier, text in quoted.items():
        decimals = len(text.split(".")[1]) if "." in text else 0
        assert float(text) == round(tiers[tier], decimals), (
            f"{hw}/README.md quotes {tier} {text}; grading.json has {tiers[tier]}")


def test_the_parser_reads_a_threshold_column_and_ignores_official_score_tables():
    readme = ("| tier | official public score |\n|---|---|\n| simple | 0.45797 |\n\n"
              "| tier | threshold (mini set) | note |\n|---|---|---|\n| simple | 0.3937 | x |\n"
              "| boss | 0.7535 | y |\n")
    assert quoted_thresholds(readme) == {"simple": "0.3937", "boss": "0.7535"}
