import torch
from torch import nn

from course_utils.models.attention import (
    AdditiveAttention,
    MultiHeadAttention,
    causal_mask,
    local_mask,
    masked_softmax,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
)


def test_attention_matches_torch():
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 5, 8), torch.randn(2, 7, 8), torch.randn(2, 7, 8)
    out, weights = scaled_dot_product_attention(q, k, v)
    assert torch.allclose(out, nn.functional.scaled_dot_product_attention(q, k, v), atol=1e-6)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 5))


def test_causal_mask_hides_the_future():
    torch.manual_seed(0)
    x = torch.randn(1, 4, 6)
    _, weights = scaled_dot_product_attention(x, x, x, causal_mask(4))
    assert torch.all(weights[0].triu(1) == 0) and weights[0, 0, 0] == 1


def test_multi_head_attention_matches_nn_multihead():
    torch.manual_seed(0)
    ours, ref = MultiHeadAttention(16, 4), nn.MultiheadAttention(16, 4, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([ours.w_q.weight, ours.w_k.weight, ours.w_v.weight]))
        ref.in_proj_bias.copy_(torch.cat([ours.w_q.bias, ours.w_k.bias, ours.w_v.bias]))
        ref.out_proj.weight.copy_(ours.w_o.weight)
        ref.out_proj.bias.copy_(ours.w_o.bias)
    x, memory = torch.randn(3, 5, 16), torch.randn(3, 9, 16)
    expected, weights = ref(x, memory, memory, average_attn_weights=False)
    assert torch.allclose(ours(x, memory), expected, atol=1e-5)
    assert ours.attention.shape == (3, 4, 5, 9)
    assert torch.allclose(ours.attention, weights, atol=1e-5)


def test_positional_encoding_is_the_sinusoid_table():
    table = sinusoidal_positional_encoding(50, 16)
    assert table.shape == (50, 16)
    assert torch.allclose(table[0, 0::2], torch.zeros(8))
    assert torch.allclose(table[0, 1::2], torch.ones(8))
    assert torch.isclose(table[3, 2], torch.sin(torch.tensor(3 / 10000 ** (2 / 16))))


def test_local_mask_is_a_band():
    mask = local_mask(6, 1)
    assert mask.sum() == 6 + 2 * 5 and mask[0, 1] and not mask[0, 2]


def test_masked_softmax_ignores_padding():
    scores = torch.zeros(2, 3, 4)
    weights = masked_softmax(scores, torch.tensor([1, 3]))
    assert torch.all(weights[0, :, 1:] == 0) and torch.all(weights[0, :, 0] == 1)
    assert torch.allclose(weights[1, :, :3], torch.full((3, 3), 1 / 3))
    assert torch.all(weights[1, :, 3] == 0)


def test_additive_attention_accepts_queries_and_keys_of_different_lengths():
    torch.manual_seed(0)
    att = AdditiveAttention(d_query=5, d_key=3, d_hidden=7)
    scores = att.scores(torch.randn(2, 4, 5), torch.randn(2, 6, 3))
    assert scores.shape == (2, 4, 6)
    q, k = torch.randn(1, 1, 5), torch.randn(1, 1, 3)
    expected = att.v(torch.tanh(att.w_q(q) + att.w_k(k))).squeeze()
    assert torch.isclose(att.scores(q, k).squeeze(), expected)


def test_positional_encoding_dtype():
    table = sinusoidal_positional_encoding(10, 8, dtype=torch.float64)
    assert table.dtype == torch.float64
    assert torch.allclose(table.float(), sinusoidal_positional_encoding(10, 8))
