"""Demos and self-checks of L04 (course_utils.demos.self_attention)."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from course_utils.demos import self_attention as L04
from course_utils.runtime import profile


def test_one_hot_distances_are_all_equal_but_embeddings_cluster():
    fig, numbers = L04.plot_one_hot_vs_embedding()
    assert isinstance(fig, Figure)
    assert numbers["one-hot distinct distances"] == 1
    same, other = (numbers[f"embedding: mean distance {g} group"] for g in ("same", "other"))
    assert 2 * same < other


def test_one_second_of_audio_gives_98_frames_and_truncation_counts():
    frames = L04.frame_signal(L04.synthetic_audio())
    assert frames.shape == (98, 400)
    assert L04.full_vs_truncated_entries(98, 5) == (9604, 1048)
    assert L04.full_vs_truncated_entries(98, 97) == (9604, 9604)
    _, numbers = L04.demo_truncated_audio(radius=0)
    assert numbers["truncated scores"] == 98


def test_loop_and_matrix_self_attention_agree_and_columns_sum_to_one():
    inputs, W = L04.toy_inputs(), L04.toy_weights(3)
    for activation in ("softmax", "relu"):
        r = L04.self_attention_matrix(inputs, W["q"], W["k"], W["v"], activation)
        loop = L04.self_attention_loop(inputs, W["q"], W["k"], W["v"], activation)
        assert torch.allclose(loop, r["O"], atol=1e-5)
    r = L04.self_attention_matrix(inputs, W["q"], W["k"], W["v"])
    assert torch.allclose(r["A'"].sum(0), torch.ones(4), atol=1e-6)
    assert torch.allclose(r["A"], r["K"].T @ r["Q"])
    with pytest.raises(ValueError):
        L04.self_attention_matrix(inputs, W["q"], W["k"], W["v"], "tanh")


def test_step_through_zero_query_averages_the_values():
    inputs, W = L04.toy_inputs(), L04.toy_weights(0)
    r = L04.self_attention_matrix(inputs, W["q"] * 0, W["k"], W["v"])
    assert torch.allclose(r["O"], r["V"].mean(1, keepdim=True).expand(-1, 4), atol=1e-6)
    fig, numbers = L04.demo_step_through()
    assert isinstance(fig, Figure) and numbers["max |column sum − 1|"] < 1e-6
    assert len(numbers["dominant input for q1..q4"]) == 4


def test_loop_vs_matrix_reports_agreement():
    _, numbers = L04.loop_vs_matrix(lengths=(4, 8))
    assert numbers["max |loop − matrix|"] < 1e-4


def test_positional_encoding_rotation_and_permutation():
    assert L04.rotation_error(delta=3) < 1e-10
    diffs = L04.permutation_diffs()
    assert diffs["without PE"] < 1e-5 < 1e-3 < diffs["with PE"]
    _, numbers = L04.demo_positional_encoding(d_model=32)
    assert numbers["similarity at δ = 1"] > numbers["similarity at δ = 10"]


def test_fixed_local_attention_is_a_convolution():
    assert L04.local_attention_as_conv() < 1e-5


def test_graph_attention_ignores_non_edges():
    adjacency, weights = L04.graph_attention_weights()
    allowed = adjacency | torch.eye(5, dtype=torch.bool)
    assert torch.all(weights[~allowed] == 0) and torch.allclose(weights.sum(1), torch.ones(5))


def test_complexity_table_path_lengths():
    rows = {r["layer"]: r for r in L04.complexity_table(n=100, d=8, k=3)}
    assert rows["self-attention"]["max path length"] == 1 and rows["RNN"]["sequential ops"] == 100


def test_tiny_attention_model_learns_to_reverse():
    model, accuracy, _ = L04.train_reverse_copy(n_train=1000, epochs=4)
    assert accuracy > 0.95
    fig = L04.plot_head_maps(model, L04.reverse_copy_data(1, seed=3)[0][0])
    assert len(fig.axes) == 2


def test_vit_and_cnn_shapes_and_crossover_runs():
    x = torch.zeros(5, 1, 8, 8)
    assert L04.TinyViT()(x).shape == (5, 10) and L04.TinyCNN()(x).shape == (5, 10)
    results = L04.data_size_crossover([50], updates=5, profile=profile("ci"))
    assert set(results) == {"CNN", "ViT"} and all(0 <= r[0] <= 1 for r in results.values())


def test_attention_pooling_beats_average_and_learned_w_fits_better():
    _, fixed = L04.demo_nadaraya_watson(bandwidth=1.0)
    _, learned = L04.demo_nadaraya_watson(learned=True)
    assert fixed["MSE attention pooling"] < fixed["MSE average pooling"]
    assert learned["w"] > 1.0 and learned["MSE attention pooling"] < fixed["MSE attention pooling"]
    x, y, _, _ = L04.nw_data()
    pred, weights = L04.nadaraya_watson(x, x, y, w=1e3)  # tiny bandwidth → interpolation
    assert torch.allclose(pred, y, atol=1e-4) and torch.allclose(weights.sum(1), torch.ones(len(x)))


def test_masked_softmax_zeroes_padding_for_both_scores():
    weights, valid = L04.padded_batch_scores()
    for w in weights.values():
        for b, n in enumerate(valid.tolist()):
            assert torch.all(w[b, :, n:] == 0)
        assert torch.allclose(w.sum(-1), torch.ones(2, 1))
    assert isinstance(L04.plot_padded_scores(weights, valid), Figure)


def test_pca_recovers_the_dominant_direction():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 1)) * np.array([[10.0, 0.0, 0.0]]) + rng.normal(0, 0.1, (200, 3))
    z = L04.pca_2d(x)
    assert z.shape == (200, 2) and z[:, 0].var() > 50 * z[:, 1].var()
