"""Behavioural tests of the L08 plumbing (course_utils.demos.autoencoder and the HW8 faces as
arrays): the loop trains, the metrics count right, and every demo draws its default state."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from scipy.cluster.hierarchy import linkage
from sklearn.metrics import roc_auc_score, roc_curve
from torch import nn

from course_utils.demos import autoencoder as L08
from course_utils.toy_data import anomaly_faces


def _mse(x_hat, x):
    return ((x - x_hat) ** 2).mean()


def test_train_reconstruction_learns_and_is_seeded():
    # rank-4 data in 16 dimensions, from its own generator: drawn from the global stream, it
    # changed with the tests run before it in the worker (noisy/clean was 4.3 in one CI run)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(64, 4, generator=g) @ torch.rand(4, 16, generator=g)

    def run(noise_std):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(16, 4), nn.Linear(4, 16))
        return L08.train_reconstruction(model, x, 300, _mse, noise_std=noise_std, lr=1e-2,
                                        batch=32), model

    losses, model = run(0.0)
    assert losses[-1] < 0.02 * losses[0] and not model.training
    assert run(0.0)[0] == losses
    noisy, _ = run(1.0)                                     # the noise reaches the input
    assert noisy[-1] > 3 * losses[-1]                       # 3.7-8.4x on data seeds 0-5


def test_purity_counts_majority_labels():
    assert L08.purity(np.array([0, 0, 1, 1]), np.array([3, 3, 5, 5])) == 1.0
    assert L08.purity(np.array([0, 0, 0, 0]), np.array([1, 1, 2, 3])) == 0.5


def test_confusion_flags_scores_above_the_threshold():
    scores, labels = np.array([0.1, 0.4, 0.35, 0.8, 0.3, 0.9]), np.array([0, 0, 0, 1, 1, 1])
    assert L08.confusion(scores, labels, 0.32) == {"TP": 2, "FP": 2, "FN": 1, "TN": 1}
    assert L08.confusion(scores, labels, 0.9) == {"TP": 0, "FP": 0, "FN": 3, "TN": 3}


def _sk_roc(scores, labels):
    fpr, tpr, _ = roc_curve(labels, scores)
    return fpr, tpr, roc_auc_score(labels, scores)


def test_demos_draw_their_default_state():
    g = torch.Generator().manual_seed(0)
    decoder = nn.Sequential(nn.Linear(2, 784), nn.Sigmoid())
    codes, labels = np.random.RandomState(0).randn(50, 2), np.arange(50) % 10
    fig, numbers = L08.demo_bottleneck(decoder, codes, labels)
    assert isinstance(fig, Figure) and numbers == {"z": [0.0, 0.0]}
    images = torch.rand(4, 784, generator=g)
    fig, numbers = L08.demo_denoise({"identity": nn.Identity()}, images, noise=0.5)
    assert numbers["MSE to clean, identity"] == numbers["MSE to clean, noisy input"] > 0.2
    X = np.random.RandomState(0).randn(60, 4)
    fig, numbers = L08.demo_kmeans(lambda k: (np.arange(60) % k, 1.0), {2: 3.0, 3: 1.0},
                                   X[:, :2], np.arange(60) % 3, k=3)
    assert numbers == {"k": 3, "inertia": 1.0, "purity": 1.0}
    fig, numbers = L08.demo_dendrogram(linkage(X, "ward"), np.arange(60) % 3, threshold=1e9)
    assert numbers["clusters"] == 1 and numbers["purity"] == pytest.approx(1 / 3)
    data = torch.tensor([[0.0, 0.0], [0.0, 1.0], [9.0, 9.0]])
    codebook = torch.tensor([[0.0, 0.0], [9.0, 9.0], [5.0, 5.0]])
    index = torch.tensor([0, 0, 1])
    fig, numbers = L08.demo_vq(lambda size: (codebook[:size], index), data, size=3)
    assert numbers == {"codes used": 2, "mean squared distance": pytest.approx(1 / 3)}
    scores, labels = np.array([0.1, 0.4, 0.35, 0.8, 0.3, 0.9]), np.array([0, 0, 0, 1, 1, 1])
    fig, numbers = L08.demo_anomaly(_sk_roc, scores, labels, 0.32)
    assert numbers["precision"] == 0.5 and numbers["recall"] == pytest.approx(2 / 3)
    assert numbers["AUC"] == pytest.approx(7 / 9)
    assert L08.plot_error_vs_code_size({"PCA": {2: 0.1, 8: 0.05}}).axes
    assert L08.plot_embedding(codes, np.arange(50) % 10, "t").axes


def test_anomaly_faces_are_the_generators_sets_as_floats():
    from course_datasets.hw08_anomaly import make_sets

    train, test, kinds = anomaly_faces(20, 10, seed=0, size=32)
    raw_train, raw_test, raw_kinds = make_sets(0, 20, 10, size=32)
    assert train.shape == (20, 3, 32, 32) and test.shape == (10, 3, 32, 32)
    assert train.dtype == np.float32 and 0 <= train.min() and train.max() <= 1
    assert np.array_equal((test * 255).round().astype(np.uint8).transpose(0, 2, 3, 1), raw_test)
    assert list(kinds) == raw_kinds and (kinds == "normal").sum() == 5
