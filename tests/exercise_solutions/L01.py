"""Solutions and plausible wrong answers for L01's exercises (tests only)."""

import torch

TAXONOMY_ANSWERS = {
    "Predict tomorrow's views of a channel from the last 56 days": "regression",
    "Decide whether an e-mail is spam": "classification",
    "Translate a Chinese sentence into English": "structured learning",
    "Pick the next move in Go (one of 19 × 19 positions)": "classification",
    "Predict tomorrow's PM2.5 concentration": "regression",
    "Write a caption for a photo": "structured learning",
    "Turn a speech recording into a sentence (ASR)": "structured learning",
}


def updates_per_epoch(N, B):
    return -(-N // B)


def updates_per_epoch_floor(N, B):
    """Wrong: drops the smaller last batch."""
    return N // B


def relu_backprop(x, y_hat, W1, b1, W2, b2):
    z1 = W1 @ x + b1
    a1 = torch.relu(z1)
    y = W2 @ a1 + b2
    dl_dz2 = y - y_hat
    dl_dz1 = (z1 > 0).to(z1.dtype) * (W2.T @ dl_dz2)
    return {"W1": torch.outer(dl_dz1, x), "b1": dl_dz1, "W2": torch.outer(dl_dz2, a1),
            "b2": dl_dz2}


def relu_backprop_no_relu_derivative(x, y_hat, W1, b1, W2, b2):
    """Wrong: forgets ReLU'(z1) in the backward pass."""
    grads = relu_backprop(x, y_hat, W1, b1, W2, b2)
    a1 = torch.relu(W1 @ x + b1)
    dl_dz1 = W2.T @ (W2 @ a1 + b2 - y_hat)
    return {**grads, "W1": torch.outer(dl_dz1, x), "b1": dl_dz1}


def relu_backprop_transposed(x, y_hat, W1, b1, W2, b2):
    """Wrong: the outer product for W2 the wrong way round."""
    grads = relu_backprop(x, y_hat, W1, b1, W2, b2)
    return {**grads, "W2": grads["W2"].T}


def ridge_fit(Phi, y, lam, penalized):
    """A copy of the notebook's regularized least squares (the Pokémon plumbing takes it)."""
    D = torch.diag(penalized.to(Phi.dtype))
    A = torch.cat([Phi, lam**0.5 * D])
    targets = torch.cat([y, torch.zeros(len(D), dtype=y.dtype)])
    return torch.linalg.lstsq(A, targets[:, None]).solution[:, 0]
