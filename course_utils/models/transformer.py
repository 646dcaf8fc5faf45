"""Transformer encoder/decoder layers and a small seq2seq Transformer (introduced in L05).

Built on :mod:`course_utils.models.attention` (L04). Each block is
[attention → Add & Norm → feed-forward → Add & Norm]; the decoder adds masked (causal)
self-attention and cross-attention (q from the decoder, k and v from the encoder).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from course_utils.models.attention import (
    MultiHeadAttention,
    causal_mask,
    sinusoidal_positional_encoding,
)


def sequence_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """(batch, max_len) bool mask: True on real tokens, False on padding (d2l's sequence_mask)."""
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]


class PositionwiseFFN(nn.Module):
    """FFN(x) = W₂ ReLU(W₁ x + b₁) + b₂, applied to every position independently."""

    def __init__(self, d_model: int, d_ff: int):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d_model, d_ff), nn.Linear(d_ff, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


class EncoderLayer(nn.Module):
    """Self-attention → Add & Norm → FFN → Add & Norm (post-norm, as in the 2017 paper)."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int):
        super().__init__()
        self.attn, self.norm1 = MultiHeadAttention(d_model, n_heads), nn.LayerNorm(d_model)
        self.ffn, self.norm2 = PositionwiseFFN(d_model, d_ff), nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.norm1(x + self.attn(x, mask=mask))
        return self.norm2(x + self.ffn(x))


class DecoderLayer(nn.Module):
    """Masked self-attention → Add & Norm → cross-attention → Add & Norm → FFN → Add & Norm."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int):
        super().__init__()
        self.self_attn, self.norm1 = MultiHeadAttention(d_model, n_heads), nn.LayerNorm(d_model)
        self.cross_attn, self.norm2 = MultiHeadAttention(d_model, n_heads), nn.LayerNorm(d_model)
        self.ffn, self.norm3 = PositionwiseFFN(d_model, d_ff), nn.LayerNorm(d_model)

    def forward(self, y: torch.Tensor, memory: torch.Tensor,
                memory_mask: torch.Tensor | None = None) -> torch.Tensor:
        y = self.norm1(y + self.self_attn(y, mask=causal_mask(y.size(1), y.device)))
        y = self.norm2(y + self.cross_attn(y, memory, mask=memory_mask))
        return self.norm3(y + self.ffn(y))


class Seq2SeqTransformer(nn.Module):
    """Encoder–decoder Transformer returning log-probabilities (batch, T, tgt_vocab).

    With ``copy=True`` (a pointer/copy head, shared vocabulary) the output mixes the
    vocabulary softmax with the last cross-attention over the source tokens:
    P = g · softmax(logits) + (1 − g) · attention · onehot(src).
    """

    def __init__(self, src_vocab: int, tgt_vocab: int, d_model: int = 32, n_heads: int = 4,
                 d_ff: int = 64, n_layers: int = 1, max_len: int = 64, copy: bool = False):
        super().__init__()
        self.src_emb = nn.Embedding(src_vocab, d_model)
        self.tgt_emb = nn.Embedding(tgt_vocab, d_model)
        self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model))
        self.encoder = nn.ModuleList(EncoderLayer(d_model, n_heads, d_ff) for _ in range(n_layers))
        self.decoder = nn.ModuleList(DecoderLayer(d_model, n_heads, d_ff) for _ in range(n_layers))
        self.out = nn.Linear(d_model, tgt_vocab)
        self.gate = nn.Linear(d_model, 1) if copy else None

    def encode(self, src: torch.Tensor) -> torch.Tensor:
        x = self.src_emb(src) + self.pe[: src.size(1)]
        for layer in self.encoder:
            x = layer(x)
        return x

    def decode(self, tgt_in: torch.Tensor, memory: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
        """Log-probabilities of the next token at every decoder position."""
        y = self.tgt_emb(tgt_in) + self.pe[: tgt_in.size(1)]
        for layer in self.decoder:
            y = layer(y, memory)
        log_probs = F.log_softmax(self.out(y), dim=-1)
        if self.gate is None:
            return log_probs
        g = torch.sigmoid(self.gate(y))
        attn = self.decoder[-1].cross_attn.attention.mean(dim=1)  # (batch, T, S)
        copy = attn @ F.one_hot(src, log_probs.size(-1)).float()
        return torch.log(g * log_probs.exp() + (1 - g) * copy + 1e-9)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        return self.decode(tgt_in, self.encode(src), src)

    def cross_attention(self) -> torch.Tensor:
        """Head-averaged cross-attention of the last decoder layer from the latest call."""
        return self.decoder[-1].cross_attn.attention.mean(dim=1)
