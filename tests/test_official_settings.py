"""The templates' ``gpu`` profile runs the official 2022 samples' own settings (issue 11: "the
GPU profile with the full official data uses the official sizes")."""

from __future__ import annotations

import re

import pytest
from homework_e2e import notebooks

# setting as it is named on its line -> the official sample's value (a Python literal)
OFFICIAL = {
    "hw01": {"'n_epochs'": "3000"},
    "hw02": {"num_epoch": "5", "report_frames": "None"},
    "hw03": {"img_size": "128", "width": "1.0", "n_epochs": "3"},
    "hw04": {'"total_steps"': "70000", '"warmup_steps"': "1000", '"valid_steps"': "2000",
             '"save_steps"': "10000", '"segment_len"': "128", '"n_workers"': "8"},
    "hw05": {"n_train": "None", "valid_ratio": "0.01", "vocab_size": "8000",
             "model_type": "'unigram'", "max_tokens": "8192", "accum_steps": "2",
             "lr_factor": "2.", "lr_warmup": "4000", "max_epoch": "15", "beam": "5",
             "encoder_embed_dim": "256", "encoder_ffn_embed_dim": "512",
             "decoder_embed_dim": "256", "decoder_ffn_embed_dim": "1024", "dropout": "0.3"},
}


def gpu_values(source: str) -> dict[str, str]:
    """``setting -> gpu=`` text of every ``P.pick(...)`` line, the setting being what stands
    before its ``=`` or ``:``."""
    values = {}
    for line in source.splitlines():
        pick = re.search(r"P\.pick\((.*)\)", line)
        setting = re.match(r"\s*([\w'\"]+)\s*[=:]", line)
        if pick and setting:
            gpu = re.search(r"gpu=([^,)]+)", pick.group(1))
            values[setting.group(1)] = gpu.group(1).strip() if gpu else "<the cpu value>"
    return values


@pytest.mark.parametrize("hw", sorted(OFFICIAL))
def test_the_gpu_profile_runs_the_official_sample_settings(hw):
    template = notebooks(hw)[1]
    found = gpu_values("\n".join(c.source for c in template.cells if c.cell_type == "code"))
    assert {name: found.get(name) for name in OFFICIAL[hw]} == OFFICIAL[hw]


def test_gpu_values_reads_each_form_of_pick():
    source = ("n_epochs = EPOCHS or P.pick(ci=3, cpu=8, gpu=3)  # TODO\n"
              '    "segment_len": SEGMENT_LEN or P.pick(ci=64, cpu=64, gpu=128),\n'
              "    keep = P.pick(ci=3, cpu=9)\n")
    assert gpu_values(source) == {"n_epochs": "3", '"segment_len"': "128",
                                  "keep": "<the cpu value>"}
