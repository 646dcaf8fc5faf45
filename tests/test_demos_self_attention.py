"""Figure, widget and data plumbing of L04 (course_utils.demos.self_attention); the attention
code itself lives in the notebook and is checked there against PyTorch."""

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from course_utils.demos import self_attention as L04
from course_utils.models.attention import MultiHeadAttention
from course_utils.runtime import profile


def column_self_attention(I, Wq, Wk, Wv, activation="softmax"):  # noqa: E741 (the slides' I)
    Q, K, V = Wq @ I, Wk @ I, Wv @ I
    A = K.T @ Q
    A_prime = A.softmax(0) if activation == "softmax" else A.relu()
    return {"Q": Q, "K": K, "V": V, "A": A, "A'": A_prime, "O": V @ A_prime}


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


def test_step_through_reports_dominant_inputs_and_column_sums():
    fig, numbers = L04.demo_step_through(column_self_attention)
    assert isinstance(fig, Figure) and numbers["max |column sum − 1|"] < 1e-6
    inputs, W = L04.toy_inputs(), L04.toy_weights(0)
    expected = column_self_attention(inputs, W["q"], W["k"], W["v"])["A'"].argmax(0) + 1
    assert numbers["dominant input for q1..q4"] == expected.tolist()
    _, relu = L04.demo_step_through(column_self_attention, activation="relu", q_scale=0.0)
    assert relu["max |column sum − 1|"] == 1.0  # ReLU of all-zero scores: columns sum to 0


def test_loop_vs_matrix_reports_the_largest_difference():
    matrix = lambda *args: column_self_attention(*args)["O"]  # noqa: E731
    _, same = L04.plot_loop_vs_matrix(matrix, matrix, lengths=(4, 8))
    assert same["max |loop − matrix|"] == 0
    _, off = L04.plot_loop_vs_matrix(matrix, lambda *args: matrix(*args) + 0.5, lengths=(4, 8))
    assert abs(off["max |loop − matrix|"] - 0.5) < 1e-6


def test_positional_encoding_similarity_falls_with_the_offset():
    fig, numbers = L04.demo_positional_encoding(d_model=32)
    assert isinstance(fig, Figure)
    assert numbers["similarity at δ = 1"] > numbers["similarity at δ = 10"]


def test_complexity_table_path_lengths():
    rows = {r["layer"]: r for r in L04.complexity_table(n=100, d=8, k=3)}
    assert rows["self-attention"]["max path length"] == 1 and rows["RNN"]["sequential ops"] == 100


class _Reverser(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed, self.pos = nn.Embedding(10, 32), nn.Parameter(torch.randn(8, 32))
        self.attn, self.fc = MultiHeadAttention(32, 2), nn.Linear(32, 10)

    def forward(self, tokens):
        h = self.embed(tokens) + self.pos
        return self.fc(h + self.attn(h))


def test_reverse_copy_training_learns_and_head_maps_draw():
    torch.manual_seed(0)
    model = _Reverser()
    assert L04.train_reverse_copy(model, n_train=1000, epochs=6) > 0.9
    fig = L04.plot_head_maps(model, L04.reverse_copy_data(1, seed=3)[0][0])
    assert len(fig.axes) == 2


def test_digit_splits_are_disjoint_and_sized():
    (x, y), (xv, yv), (xt, yt) = L04.digits_splits()
    assert (len(x), len(xv), len(xt)) == (1000, 297, 500) and x.shape[1:] == (1, 8, 8)
    assert not set(map(bytes, x.numpy())) & set(map(bytes, xt.numpy()))


def test_crossover_rows_report_each_model_and_size():
    models = {"linear": lambda: nn.Sequential(nn.Flatten(), nn.Linear(64, 10))}
    rows = L04.data_size_crossover(models, [50, 200], lrs={"linear": [1e-2, 3e-2]},
                                   max_updates=60, patience=30, profile=profile("cpu"))
    assert [(r["n"], r["model"]) for r in rows] == [(50, "linear"), (200, "linear")]
    assert all(r["lr"] in (1e-2, 3e-2) and r["test accuracy"] > 0.5 for r in rows)
    assert isinstance(L04.plot_crossover(rows), Figure)


def test_nadaraya_watson_demo_calls_the_given_pooling():
    def pool(queries, keys, values, w):
        weights = (-((queries[:, None] - keys[None, :]) * w) ** 2 / 2).softmax(dim=1)
        return weights @ values, weights

    _, fixed = L04.demo_nadaraya_watson(pool, lambda x, y: 3.0)
    _, learned = L04.demo_nadaraya_watson(pool, lambda x, y: 3.0, learned=True)
    assert fixed["w"] == 1.0 and learned["w"] == 3.0
    assert fixed["MSE attention pooling"] < fixed["MSE average pooling"]


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
