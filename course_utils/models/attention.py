"""Dot-product attention, multi-head self-attention and positional encoding (introduced in L04).

The code mirrors the slides: $A = \\mathrm{softmax}(QK^T/\\sqrt{d_k})$, output $= AV$.
``notebooks/L04_self_attention.ipynb`` writes each piece out in plain PyTorch and checks that it
equals this copy, which L05, ``course_utils.models.transformer`` and the homework reuse.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(A @ v, A)`` with ``A = softmax(q kᵀ / √d_k)``; ``mask`` is True where allowed."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ v, weights


def causal_mask(length: int, device: torch.device | None = None) -> torch.Tensor:
    """(length, length) mask letting position t attend to positions ≤ t (masked attention)."""
    return torch.ones(length, length, dtype=torch.bool, device=device).tril()


def local_mask(length: int, radius: int, device: torch.device | None = None) -> torch.Tensor:
    """(length, length) mask letting position t attend to |t − s| ≤ radius (truncated attention)."""
    pos = torch.arange(length, device=device)
    return (pos[:, None] - pos[None, :]).abs() <= radius


def masked_softmax(scores: torch.Tensor, valid_lens: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis that gives zero weight to keys at index ≥ valid_lens[b]."""
    keep = torch.arange(scores.size(-1), device=scores.device) < valid_lens.reshape(-1, 1, 1)
    return scores.masked_fill(~keep, float("-inf")).softmax(dim=-1)


class AdditiveAttention(nn.Module):
    """Additive scoring a(q, k) = vᵀ tanh(W_q q + W_k k): q and k may differ in length."""

    def __init__(self, d_query: int, d_key: int, d_hidden: int):
        super().__init__()
        self.w_q = nn.Linear(d_query, d_hidden, bias=False)
        self.w_k = nn.Linear(d_key, d_hidden, bias=False)
        self.v = nn.Linear(d_hidden, 1, bias=False)

    def scores(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """(batch, L_q, L_k) scores: an MLP with one tanh hidden layer on each (q, k) pair."""
        hidden = torch.tanh(self.w_q(q)[:, :, None, :] + self.w_k(k)[:, None, :, :])
        return self.v(hidden).squeeze(-1)


class MultiHeadAttention(nn.Module):
    """Multi-head attention; ``forward(x)`` is self-attention, ``forward(x, memory)`` cross."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}.")
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.w_q, self.w_k = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)
        self.w_v, self.w_o = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)
        self.attention: torch.Tensor | None = None  # (batch, heads, L_q, L_k), kept for plots

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape
        return x.view(batch, length, self.n_heads, self.d_head).transpose(1, 2)

    def forward(self, x: torch.Tensor, memory: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        source = x if memory is None else memory
        q = self._split(self.w_q(x))
        k, v = self._split(self.w_k(source)), self._split(self.w_v(source))
        out, self.attention = scaled_dot_product_attention(q, k, v, mask)
        batch, _, length, _ = out.shape
        return self.w_o(out.transpose(1, 2).reshape(batch, length, -1))


def sinusoidal_positional_encoding(length: int, d_model: int,
                                   dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(length, d_model) table: PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(...)."""
    position = torch.arange(length, dtype=dtype)[:, None]
    two_i = torch.arange(0, d_model, 2, dtype=dtype)
    freq = torch.exp(two_i * (-math.log(10000.0) / d_model))
    table = torch.zeros(length, d_model, dtype=dtype)
    table[:, 0::2] = torch.sin(position * freq)
    table[:, 1::2] = torch.cos(position * freq[: d_model // 2])
    return table
