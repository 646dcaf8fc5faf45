"""A compact stand-in for the parts of fairseq that the HW5 sample uses (introduced in HW05).

Dictionary and binarized data, length-bucketed batches (``max_tokens``), the sample's RNN
encoder–decoder with attention, a Transformer seq2seq built on
:mod:`course_utils.models.transformer`, label-smoothed cross-entropy, one training epoch with
gradient clipping and an LR schedule, batched greedy/beam search, BLEU on a split and
checkpoint averaging. As in fairseq, every sequence ends with ``</s>`` and the decoder's
input starts with it.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from course_utils.models.attention import sinusoidal_positional_encoding
from course_utils.models.transformer import DecoderLayer, EncoderLayer


class Dictionary:
    """fairseq's symbol table: ``<s>``=0, ``<pad>``=1, ``</s>``=2, ``<unk>``=3, then tokens."""

    def __init__(self, symbols: Iterable[str] = ()):
        self.symbols = ["<s>", "<pad>", "</s>", "<unk>", *symbols]
        self.index = {s: i for i, s in enumerate(self.symbols)}

    @classmethod
    def build(cls, lines: Iterable[str], threshold: int = 1) -> Dictionary:
        """Tokens (space-separated) seen at least ``threshold`` times, most frequent first."""
        counts = Counter(tok for line in lines for tok in line.split())
        return cls(t for t, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                   if c >= threshold)

    def __len__(self) -> int:
        return len(self.symbols)

    def pad(self) -> int:
        return 1

    def eos(self) -> int:
        return 2

    def unk(self) -> int:
        return 3

    def encode_line(self, line: str) -> torch.Tensor:
        """Token ids of a line, ``</s>`` appended."""
        return torch.tensor([self.index.get(t, 3) for t in line.split()] + [2], dtype=torch.long)

    def string(self, ids: Iterable[int]) -> str:
        """The tokens of ``ids`` (special symbols left out), space-separated."""
        return " ".join(self.symbols[i] for i in ids if i > 3)


def binarize(lines: Iterable[str], dictionary: Dictionary) -> list[torch.Tensor]:
    """fairseq-preprocess in one line: every sentence as a tensor of ids."""
    return [dictionary.encode_line(line) for line in lines]


def make_batches(src: Sequence[torch.Tensor], tgt: Sequence[torch.Tensor] | None,
                 max_tokens: int, shuffle: bool = False, seed: int = 0) -> list[np.ndarray]:
    """Index batches of similar lengths holding at most ``max_tokens`` (padded) tokens."""
    rng = np.random.RandomState(seed)
    src_len = np.array([len(s) for s in src])
    tgt_len = np.array([len(t) for t in tgt]) if tgt is not None else src_len
    tie = rng.permutation(len(src)) if shuffle else np.arange(len(src))
    order = np.lexsort((tie, tgt_len, src_len))
    longest = np.maximum(src_len, tgt_len)
    batches, start = [], 0
    while start < len(order):
        end, width = start + 1, longest[order[start]]
        while (end < len(order)
               and max(width, longest[order[end]]) * (end - start + 1) <= max_tokens):
            width = max(width, longest[order[end]])
            end += 1
        batches.append(order[start:end])
        start = end
    if shuffle:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def collate(src: Sequence[torch.Tensor], tgt: Sequence[torch.Tensor] | None, pad: int = 1,
            eos: int = 2) -> dict[str, torch.Tensor]:
    """Pad a batch: ``src``, ``target`` and the decoder input ``prev`` = ``</s>`` + target[:-1]."""
    batch = {"src": nn.utils.rnn.pad_sequence(list(src), batch_first=True, padding_value=pad)}
    if tgt is not None:
        target = nn.utils.rnn.pad_sequence(list(tgt), batch_first=True, padding_value=pad)
        prev = torch.cat([torch.full_like(target[:, :1], eos), target[:, :-1]], dim=1)
        batch.update(target=target, prev=prev)
    return batch


class AttentionLayer(nn.Module):
    """The sample's attention: scores = proj(decoder state) · encoder outputs, then
    tanh(W [state; context])."""

    def __init__(self, input_embed_dim: int, source_embed_dim: int, output_embed_dim: int):
        super().__init__()
        self.input_proj = nn.Linear(input_embed_dim, source_embed_dim, bias=False)
        self.output_proj = nn.Linear(input_embed_dim + source_embed_dim, output_embed_dim,
                                     bias=False)

    def forward(self, inputs: torch.Tensor, encoder_outputs: torch.Tensor,
                encoder_mask: torch.Tensor) -> torch.Tensor:
        scores = self.input_proj(inputs) @ encoder_outputs.transpose(1, 2)  # (B, T, S)
        scores = scores.masked_fill(~encoder_mask[:, None, :], float("-inf"))
        context = scores.softmax(dim=-1) @ encoder_outputs
        return torch.tanh(self.output_proj(torch.cat([inputs, context], dim=-1)))


class RNNSeq2Seq(nn.Module):
    """The sample's RNN: a bidirectional GRU encoder, a GRU decoder started from its final
    states, attention over the encoder outputs, and output weights shared with the embedding."""

    def __init__(self, vocab: int, embed_dim: int = 64, hidden_dim: int = 128, layers: int = 1,
                 dropout: float = 0.1, pad: int = 1):
        super().__init__()
        self.pad, self.layers = pad, layers
        self.embed = nn.Embedding(vocab, embed_dim, padding_idx=pad)
        self.encoder = nn.GRU(embed_dim, hidden_dim, layers, batch_first=True,
                              bidirectional=True, dropout=dropout if layers > 1 else 0.0)
        self.decoder = nn.GRU(embed_dim, 2 * hidden_dim, layers, batch_first=True,
                              dropout=dropout if layers > 1 else 0.0)
        self.attention = AttentionLayer(2 * hidden_dim, 2 * hidden_dim, embed_dim)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(embed_dim, vocab, bias=False)
        self.out.weight = self.embed.weight

    def encode(self, src: torch.Tensor) -> tuple:
        mask = src != self.pad
        lengths = mask.sum(1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.dropout(self.embed(src)), lengths,
                                                   batch_first=True, enforce_sorted=False)
        outputs, hidden = self.encoder(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True,
                                                      total_length=src.size(1))
        # concatenate the forward and backward final states of each layer
        hidden = hidden.view(self.layers, 2, src.size(0), -1).transpose(1, 2)
        return outputs, hidden.reshape(self.layers, src.size(0), -1).contiguous(), mask

    def decode(self, prev: torch.Tensor, state: tuple) -> torch.Tensor:
        outputs, hidden, mask = state
        x, _ = self.decoder(self.dropout(self.embed(prev)), hidden)
        return self.out(self.dropout(self.attention(x, outputs, mask)))

    def forward(self, src: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        return self.decode(prev, self.encode(src))

    @staticmethod
    def select(state: tuple, index: torch.Tensor) -> tuple:
        """The encoder state of the batch rows ``index`` (beam search)."""
        outputs, hidden, mask = state
        return outputs[index], hidden[:, index], mask[index]


class TransformerSeq2Seq(nn.Module):
    """Transformer encoder–decoder (post-norm layers of L05) with padding masks, scaled
    embeddings shared by encoder, decoder and output, and sinusoidal positions."""

    def __init__(self, vocab: int, d_model: int = 64, n_heads: int = 4, d_ff: int = 128,
                 layers: int = 1, dropout: float = 0.1, pad: int = 1, max_len: int = 256):
        super().__init__()
        self.pad, self.scale = pad, math.sqrt(d_model)
        self.embed = nn.Embedding(vocab, d_model, padding_idx=pad)
        nn.init.normal_(self.embed.weight, std=d_model ** -0.5)
        self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model),
                             persistent=False)
        self.encoder = nn.ModuleList(EncoderLayer(d_model, n_heads, d_ff) for _ in range(layers))
        self.decoder = nn.ModuleList(DecoderLayer(d_model, n_heads, d_ff) for _ in range(layers))
        self.dropout = nn.Dropout(dropout)

    def _embed(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.embed(tokens) * self.scale + self.pe[: tokens.size(1)])

    def encode(self, src: torch.Tensor) -> tuple:
        mask = src != self.pad
        x = self._embed(src)
        for layer in self.encoder:
            x = layer(x, mask=mask[:, None, None, :])
        return x, mask

    def decode(self, prev: torch.Tensor, state: tuple) -> torch.Tensor:
        memory, mask = state
        y = self._embed(prev)
        for layer in self.decoder:
            y = layer(y, memory, memory_mask=mask[:, None, None, :])
        return y @ self.embed.weight.T

    def forward(self, src: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        return self.decode(prev, self.encode(src))

    @staticmethod
    def select(state: tuple, index: torch.Tensor) -> tuple:
        memory, mask = state
        return memory[index], mask[index]


class LabelSmoothedCrossEntropyCriterion(nn.Module):
    """The sample's criterion: (1 − ε)·NLL + ε/V · Σ_v −log p_v, padding ignored, summed."""

    def __init__(self, smoothing: float, ignore_index: int | None = None, reduce: bool = True):
        super().__init__()
        self.smoothing, self.ignore_index, self.reduce = smoothing, ignore_index, reduce

    def forward(self, lprobs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if target.dim() == lprobs.dim() - 1:
            target = target.unsqueeze(-1)
        nll_loss = -lprobs.gather(dim=-1, index=target)
        smooth_loss = -lprobs.sum(dim=-1, keepdim=True)
        if self.ignore_index is not None:
            pad_mask = target.eq(self.ignore_index)
            nll_loss = nll_loss.masked_fill(pad_mask, 0.0)
            smooth_loss = smooth_loss.masked_fill(pad_mask, 0.0)
        if self.reduce:
            nll_loss, smooth_loss = nll_loss.sum(), smooth_loss.sum()
        eps_i = self.smoothing / lprobs.size(-1)
        return (1.0 - self.smoothing) * nll_loss + eps_i * smooth_loss


def inverse_sqrt_lr(step: int, model_size: int, factor: float, warmup: int) -> float:
    """The Noam schedule: factor · d^-0.5 · min(step^-0.5, step · warmup^-1.5)."""
    step = max(step, 1)
    return factor * model_size ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)


def grad_norm(tensors: Iterable[torch.Tensor], p: float = 2.0) -> float:
    """The p-norm of all gradients taken as one vector (what clip_grad_norm_ returns)."""
    norms = [t.detach().double().norm(p) for t in tensors]
    return float(torch.stack(norms).norm(p)) if norms else 0.0


def train_one_epoch(model: nn.Module, src, tgt, batches: list[np.ndarray], criterion: nn.Module,
                    optimizer: torch.optim.Optimizer, clip_norm: float,
                    lr_at: Callable[[int], float] | None = None, step: int = 0,
                    device: torch.device | str = "cpu", max_batches: int | None = None) -> dict:
    """One pass over ``batches``: loss per target token, clipping, an LR per step.

    Returns the mean loss, the gradient norms before clipping and the step counter."""
    model.train()
    total, tokens, norms = 0.0, 0, []
    for i, index in enumerate(batches):
        if max_batches is not None and i >= max_batches:
            break
        batch = {k: v.to(device) for k, v in collate([src[j] for j in index],
                                                     [tgt[j] for j in index]).items()}
        step += 1
        if lr_at is not None:
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step)
        lprobs = F.log_softmax(model(batch["src"], batch["prev"]), dim=-1)
        ntokens = int((batch["target"] != 1).sum())
        loss = criterion(lprobs, batch["target"])
        model.zero_grad(set_to_none=True)
        (loss / ntokens).backward()
        norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), clip_norm)))
        optimizer.step()
        total, tokens = total + loss.item(), tokens + ntokens
    return {"loss": total / max(tokens, 1), "grad_norms": norms, "step": step}


@torch.no_grad()
def generate(model: nn.Module, src: torch.Tensor, beam: int = 1, max_len: int = 50,
             alpha: float = 1.0, eos: int = 2, pad: int = 1) -> list[list[int]]:
    """Batched beam search (``beam=1``: greedy); each hypothesis without ``</s>``.

    Finished hypotheses are ranked by log_prob / length^alpha (fairseq's lenpen)."""
    model.eval()
    b, k = src.size(0), beam
    rows = torch.arange(b, device=src.device).repeat_interleave(k)
    state = model.select(model.encode(src), rows)
    tokens = torch.full((b * k, 1), eos, dtype=torch.long, device=src.device)
    scores = torch.zeros(b, k, device=src.device)
    scores[:, 1:] = float("-inf")  # all beams start identical: keep one
    done = torch.zeros(b * k, dtype=torch.bool, device=src.device)
    lengths = torch.zeros(b * k, device=src.device)
    for _ in range(max_len):
        lprobs = F.log_softmax(model.decode(tokens, state)[:, -1].float(), dim=-1)
        lprobs[:, pad] = float("-inf")
        lprobs[done] = float("-inf")
        lprobs[done, pad] = 0.0  # a finished hypothesis only pads, at no cost
        vocab = lprobs.size(-1)
        total = (scores.view(-1, 1) + lprobs).view(b, k * vocab)
        scores, best = total.topk(k, dim=-1)
        origin = (best // vocab + torch.arange(b, device=src.device)[:, None] * k).view(-1)
        token = (best % vocab).view(-1, 1)
        tokens = torch.cat([tokens[origin], token], dim=1)
        done, lengths = done[origin], lengths[origin] + (~done[origin]).float()
        done = done | (token.view(-1) == eos)
        if bool(done.all()):
            break
    ranked = (scores.view(-1) / lengths.clamp(min=1) ** alpha).view(b, k).argmax(-1)
    best_rows = tokens[ranked + torch.arange(b, device=src.device) * k, 1:]
    return [[t for t in row.tolist() if t not in (eos, pad)] for row in best_rows]


def translate(model: nn.Module, sentences: Sequence[torch.Tensor], beam: int = 1,
              max_len_a: float = 1.2, max_len_b: int = 10, max_tokens: int = 4096,
              device: torch.device | str = "cpu", alpha: float = 1.0) -> list[list[int]]:
    """Token ids of the translations of ``sentences``, in their order."""
    out: list[list[int] | None] = [None] * len(sentences)
    for index in make_batches(sentences, None, max_tokens):
        src = collate([sentences[j] for j in index], None)["src"].to(device)
        max_len = int(max_len_a * src.size(1) + max_len_b)
        for j, hyp in zip(index, generate(model, src, beam, max_len, alpha), strict=True):
            out[j] = hyp
    return out


def average_checkpoints(paths: Sequence[str | os.PathLike]) -> dict[str, torch.Tensor]:
    """The element-wise mean of the model state_dicts saved at ``paths``."""
    states = [torch.load(p, map_location="cpu", weights_only=True)["model"] for p in paths]
    return {k: sum(s[k].double() for s in states).div(len(states)).to(states[0][k].dtype)
            for k in states[0]}
