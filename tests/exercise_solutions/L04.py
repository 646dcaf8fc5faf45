"""Solutions and plausible wrong answers to the L04 exercises (used by test_exercises_L04.py)."""

import math

import torch


# ---------------------------------------------------------------- attention weights
def attention_weights(q, k):
    return (q @ k.T / math.sqrt(q.shape[-1])).softmax(dim=-1)


def attention_weights_unscaled(q, k):
    return (q @ k.T).softmax(dim=-1)


def attention_weights_over_queries(q, k):
    return (q @ k.T / math.sqrt(q.shape[-1])).softmax(dim=0)


def attention_weights_transposed(q, k):
    return (k @ q.T / math.sqrt(q.shape[-1])).softmax(dim=-1)


def attention_weights_scaled_by_d(q, k):
    return (q @ k.T / q.shape[-1]).softmax(dim=-1)


# ---------------------------------------------------------------- causal window mask
def causal_window_mask(length, w):
    offset = torch.arange(length)[:, None] - torch.arange(length)[None, :]
    return (offset >= 0) & (offset < w)


def causal_window_mask_float(length, w):
    return causal_window_mask(length, w).float()


def causal_window_mask_transposed(length, w):
    return causal_window_mask(length, w).T


def causal_window_mask_no_window(length, w):
    return torch.ones(length, length, dtype=torch.bool).tril()


def causal_window_mask_one_too_wide(length, w):
    offset = torch.arange(length)[:, None] - torch.arange(length)[None, :]
    return (offset >= 0) & (offset <= w)


def causal_window_mask_strict(length, w):
    offset = torch.arange(length)[:, None] - torch.arange(length)[None, :]
    return (offset > 0) & (offset <= w)


# ---------------------------------------------------------------- positional encoding row
def positional_encoding_row(i, d):
    omega = 10000.0 ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    row = torch.zeros(d, dtype=torch.float64)
    row[0::2], row[1::2] = torch.sin(i * omega), torch.cos(i * omega)
    return row


def positional_encoding_row_swapped(i, d):
    return positional_encoding_row(i, d).view(-1, 2).flip(1).flatten()


def positional_encoding_row_wrong_frequency(i, d):
    omega = 10000.0 ** (-torch.arange(d // 2, dtype=torch.float64) / d)  # j instead of 2j
    row = torch.zeros(d, dtype=torch.float64)
    row[0::2], row[1::2] = torch.sin(i * omega), torch.cos(i * omega)
    return row


def positional_encoding_row_half(i, d):
    return positional_encoding_row(i, d)[0::2]


# ---------------------------------------------------------------- split heads
def split_heads(X, n_heads):
    d_head = X.shape[-1] // n_heads
    return torch.stack([X[..., h * d_head:(h + 1) * d_head] for h in range(n_heads)], dim=1)


def split_heads_reshape_only(X, n_heads):
    B, L, d = X.shape
    return X.reshape(B, n_heads, L, d // n_heads)


def split_heads_no_transpose(X, n_heads):
    B, L, d = X.shape
    return X.reshape(B, L, n_heads, d // n_heads)


def split_heads_interleaved(X, n_heads):
    B, L, d = X.shape
    return X.reshape(B, L, d // n_heads, n_heads).permute(0, 3, 1, 2)
