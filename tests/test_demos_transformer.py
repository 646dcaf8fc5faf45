"""Behavioural tests of the L05 demos (course_utils.demos.transformer)."""

import matplotlib.pyplot as plt
import pytest

from course_utils.demos import transformer as L05


def test_toy_tree_matches_the_lecture():
    fig, numbers = L05.demo_beam()
    plt.close(fig)
    assert numbers["greedy"] == "AAA" and numbers["P(greedy)"] == pytest.approx(0.15)
    assert numbers["beam"] == "BBB" and numbers["P(beam)"] == pytest.approx(0.324)
    fig, numbers = L05.demo_beam(beam_size=1)
    plt.close(fig)
    assert numbers["beam"] == "AAA"


def test_encoder_block_parameters_and_causal_leak():
    assert L05.encoder_block_parameters() == {"MHA": 16_640, "FFN": 33_088, "LayerNorms": 256,
                                              "total": 49_984}
    assert L05.causal_leak() == 0.0


def test_anatomy_counts_visible_keys():
    for step in (0, 3):
        fig, numbers = L05.demo_anatomy(step=step)
        plt.close(fig)
        assert numbers["keys visible at step t"] == step + 1
    assert L05.component_shapes()["cross A"] == (2, 4, 5, 7)


def test_reversal_model_learns_and_guided_attention_prior():
    run = L05.train_reversal(100, length=6)
    assert L05.reversal_accuracy(run.model, n=100, length=6)["free-running sequence acc"] > 0.9
    import torch
    anti = torch.eye(4).flip(1)[None]
    assert L05.guided_attention_loss(anti) < L05.guided_attention_loss(torch.eye(4)[None])


def test_copy_head_handles_unseen_names():
    acc = L05.copy_accuracy(steps=100)
    assert acc["vocabulary-only"] == 0.0 and acc["copy head"] > 0.5


def test_beam_repeats_more_than_sampling():
    fig, numbers = L05.demo_sampling()
    plt.close(fig)
    assert numbers["distinct 3-grams, beam"] < numbers["distinct 3-grams, sample"]


def test_bleu_demo():
    fig, numbers = L05.demo_bleu("a b c d", "a b c d")
    plt.close(fig)
    assert numbers["BLEU"] == 1.0 and numbers["BP"] == 1.0
    fig, numbers = L05.demo_bleu()
    plt.close(fig)
    assert 0 < numbers["BLEU"] < numbers["BP"] < 1
