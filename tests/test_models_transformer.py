"""Tests of the L05 Transformer, decoding and BLEU modules."""

import math

import pytest
import torch

from course_utils.bleu import brevity_penalty, corpus_bleu
from course_utils.models.decoding import (
    beam_search,
    greedy_decode,
    greedy_search,
    model_step_fn,
    shift_right,
)
from course_utils.models.transformer import (
    DecoderLayer,
    EncoderLayer,
    Seq2SeqTransformer,
    sequence_mask,
)


def test_shapes():
    model = Seq2SeqTransformer(7, 9, d_model=16, n_heads=4, d_ff=32, n_layers=2)
    out = model(torch.randint(0, 7, (3, 5)), torch.randint(0, 9, (3, 4)))
    assert out.shape == (3, 4, 9)
    assert torch.allclose(out.exp().sum(-1), torch.ones(3, 4), atol=1e-5)


def test_encoder_block_parameter_count():
    assert sum(p.numel() for p in EncoderLayer(64, 4, 256).parameters()) == 49_984


def test_causal_mask_means_no_peeking():
    torch.manual_seed(0)
    layer = DecoderLayer(16, 4, 32)
    y, memory = torch.randn(1, 6, 16), torch.randn(1, 5, 16)
    y2 = y.clone()
    y2[:, 3] += 1.0
    diff = (layer(y, memory) - layer(y2, memory)).abs().amax(-1)[0]
    assert diff[:3].max() == 0.0 and diff[3:].min() > 0


def test_sequence_mask():
    mask = sequence_mask(torch.tensor([1, 3]), 3).tolist()
    assert mask == [[True, False, False], [True, True, True]]


def test_tiny_reversal_task_is_learned():
    torch.manual_seed(0)
    model = Seq2SeqTransformer(11, 11, d_model=32, d_ff=64)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(150):
        src = torch.randint(0, 10, (64, 4))
        tgt = torch.cat([src.flip(1), torch.full((64, 1), 10)], 1)
        loss = torch.nn.functional.nll_loss(model(src, shift_right(tgt, 10)).transpose(1, 2), tgt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    src = torch.randint(0, 10, (100, 4), generator=torch.Generator().manual_seed(1))
    pred = greedy_decode(model, src, 10, 5)
    assert (pred[:, :4] == src.flip(1)).all(1).float().mean() > 0.9


def test_beam_width_one_equals_greedy():
    torch.manual_seed(0)
    model = Seq2SeqTransformer(6, 6, d_model=16, n_heads=2, d_ff=16)
    for seed in range(3):
        src = torch.randint(0, 6, (1, 5), generator=torch.Generator().manual_seed(seed))
        step = model_step_fn(model, src)
        assert beam_search(step, 0, 6, beam_size=1)[0][0] == greedy_search(step, 0, 6)
        assert greedy_search(step, 0, 6) == greedy_decode(model, src, 0, 6)[0].tolist()


def test_beam_search_beats_greedy_on_toy_tree_and_length_normalization():
    def step(prefix):
        p = [0.6, 0.4] if len(prefix) == 1 else [0.5, 0.5] if prefix[1] == 0 else [0.1, 0.9]
        return torch.tensor(p).log()

    assert greedy_search(step, 2, 3) == [0, 0, 0]
    best = beam_search(step, 2, 3, beam_size=2)[0]
    assert best[0] == [1, 1, 1] and math.exp(best[1]) == pytest.approx(0.324)

    def ends(prefix):  # END (=2) is likely right away; a long path is better per token
        return torch.tensor([0.5, 0.0001, 0.5] if len(prefix) == 1 else [0.9, 0.0001, 0.1]).log()

    assert beam_search(ends, 9, 6, beam_size=2, eos=2, alpha=0.0)[0][0] == [2]
    assert beam_search(ends, 9, 6, beam_size=2, eos=2, alpha=1.0)[0][0] != [2]


def test_bleu_hand_computed():
    assert corpus_bleu(["a b c d"], ["a b c d"]).score == 1.0
    assert brevity_penalty(3, 6) == pytest.approx(math.exp(-1))
    # p1 = 5/5, p2 = 3/4, p3 = 1/3, p4 = 0/2 → BLEU 0; BP = exp(1 − 6/5)
    result = corpus_bleu(["the cat sat on mat"], ["the cat sat on the mat"])
    assert result.precisions == pytest.approx((1.0, 0.75, 2 / 3, 0.5))
    assert result.bp == pytest.approx(math.exp(1 - 6 / 5))
    assert result.score == pytest.approx(math.exp(1 - 6 / 5) * (1 * 0.75 * 2 / 3 * 0.5) ** 0.25)
    # clipping: "the the the the" vs "the cat" has p1 = 1/4
    assert corpus_bleu(["the the the the"], ["the cat"], max_n=1).precisions[0] == 0.25
    assert corpus_bleu(["我愛你們"], ["我 愛 你 們"], mode="char").score == 1.0
    assert corpus_bleu(["x y z w"], ["a b c d"]).score == 0.0
