"""A compact stand-in for the parts of fairseq that the HW5 sample imports (introduced in HW05).

The sample writes its RNN encoder, attention, RNN decoder, ``Seq2Seq``, label-smoothed loss,
learning-rate schedule and training loop itself (they are cells of the HW05 notebook). What it
imports from fairseq lives here, in plain PyTorch: the dictionary and binarized data
(``fairseq-preprocess --joined-dictionary``), the ``TranslationTask`` with its batches of at most
``max_tokens`` tokens, the base classes ``FairseqEncoder`` / ``FairseqIncrementalDecoder`` /
``FairseqEncoderDecoderModel``, fairseq's ``TransformerEncoder`` / ``TransformerDecoder`` (with
``base_architecture``), the beam-search ``SequenceGenerator`` and ``average_checkpoints.py``.
As in fairseq, every sequence ends with ``</s>`` and the decoder's input starts with it.

Every architecture setting is honoured or refused: :func:`check_transformer_args` raises on a
fairseq option this stand-in does not implement instead of ignoring it.
"""

from __future__ import annotations

import math
import os
from argparse import Namespace
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


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

    @classmethod
    def load(cls, path: str | os.PathLike) -> Dictionary:
        """A dictionary saved by :meth:`save` (fairseq's ``dict.txt``: one token per line)."""
        return cls(line.split(" ")[0] for line in Path(path).read_text("utf-8").splitlines())

    def save(self, path: str | os.PathLike) -> None:
        Path(path).write_text("".join(f"{s} 1\n" for s in self.symbols[4:]), encoding="utf-8")

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

    def string(self, ids: Iterable[int], post_process: str | None = None) -> str:
        """The tokens of ``ids`` (special symbols left out), space-separated; with
        ``post_process="sentencepiece"`` the SentencePiece pieces joined into words."""
        ids = ids.tolist() if isinstance(ids, torch.Tensor) else ids
        text = " ".join(self.symbols[i] for i in ids if i > 3)
        if post_process == "sentencepiece":
            text = text.replace(" ", "").replace("\u2581", " ").strip()
        elif post_process not in (None, "none"):
            raise ValueError(f"post_process {post_process!r}: use 'sentencepiece' or None")
        return text


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


def collate(index: Sequence[int], src: Sequence[torch.Tensor],
            tgt: Sequence[torch.Tensor] | None, pad: int = 1, eos: int = 2) -> dict:
    """A batch as fairseq's ``language_pair_dataset.collate`` returns it: ``id``,
    ``nsentences``, ``ntokens``, ``net_input`` (``src_tokens``, ``src_lengths``,
    ``prev_output_tokens`` = ``</s>`` + target[:-1]) and ``target``."""
    tokens = [src[i] for i in index]
    sample = {"id": torch.as_tensor(np.asarray(index), dtype=torch.long),
              "nsentences": len(index),
              "net_input": {
                  "src_tokens": nn.utils.rnn.pad_sequence(tokens, batch_first=True,
                                                          padding_value=pad),
                  "src_lengths": torch.tensor([len(t) for t in tokens])}}
    if tgt is not None:
        target = nn.utils.rnn.pad_sequence([tgt[i] for i in index], batch_first=True,
                                           padding_value=pad)
        prev = torch.cat([torch.full_like(target[:, :1], eos), target[:, :-1]], dim=1)
        sample["net_input"]["prev_output_tokens"] = prev
        sample["target"] = target
        sample["ntokens"] = int((target != pad).sum())
    else:
        sample["target"], sample["ntokens"] = None, 0
    return sample


def move_to(sample, device):
    """``sample`` with every tensor moved to ``device`` (fairseq's ``utils.move_to_cuda``)."""
    if isinstance(sample, torch.Tensor):
        return sample.to(device)
    if isinstance(sample, dict):
        return {k: move_to(v, device) for k, v in sample.items()}
    return sample


def strip_pad(tensor: torch.Tensor, pad: int) -> torch.Tensor:
    return tensor[tensor.ne(pad)]


class TranslationTask:
    """fairseq's ``TranslationTask`` for the binarized data of :func:`save_split`: the
    dictionaries, the splits (``combine``: ``train`` plus ``train1``, ``train2``, … as fairseq
    does for back-translated data) and epoch iterators of batches of at most ``max_tokens``."""

    def __init__(self, data: str | os.PathLike, source_lang: str, target_lang: str,
                 max_source_positions: int = 1024, max_target_positions: int = 1024):
        self.data, self.source_lang, self.target_lang = Path(data), source_lang, target_lang
        self.cfg = Namespace(data=str(data), source_lang=source_lang, target_lang=target_lang,
                             max_source_positions=max_source_positions,
                             max_target_positions=max_target_positions)
        self.source_dictionary = self.target_dictionary = Dictionary.load(self.data / "dict.txt")
        self.datasets: dict[str, tuple[list, list]] = {}

    def _path(self, split: str, lang: str) -> Path | None:
        for pair in (f"{self.source_lang}-{self.target_lang}",
                     f"{self.target_lang}-{self.source_lang}"):
            path = self.data / f"{split}.{pair}.{lang}.pt"
            if path.exists():
                return path
        return None

    def load_dataset(self, split: str, epoch: int = 1, combine: bool = False) -> None:
        names = [split]
        while combine and self._path(f"{split}{len(names)}", self.source_lang) is not None:
            names.append(f"{split}{len(names)}")
        src, tgt = [], []
        for name in names:
            path = self._path(name, self.source_lang)
            if path is None:
                raise FileNotFoundError(f"no binarized {name} split for {self.source_lang}-"
                                        f"{self.target_lang} in {self.data}")
            src += torch.load(path)
            target = self._path(name, self.target_lang)
            tgt += torch.load(target) if target is not None else [None] * len(src)
        self.datasets[split] = (src, tgt if all(t is not None for t in tgt) else None)

    def dataset(self, split: str) -> tuple[list, list | None]:
        if split not in self.datasets:
            raise KeyError(f"split {split!r} not loaded: call task.load_dataset({split!r})")
        return self.datasets[split]

    def max_positions(self) -> tuple[int, int]:
        return self.cfg.max_source_positions, self.cfg.max_target_positions

    def build_generator(self, models, args) -> SequenceGenerator:
        """The beam search of ``args.beam``, ``args.max_len_a``, ``args.max_len_b``."""
        return SequenceGenerator(models, self.target_dictionary, beam_size=args.beam,
                                 max_len_a=args.max_len_a, max_len_b=args.max_len_b)

    def get_batch_iterator(self, dataset, max_tokens: int, max_positions=None,
                           ignore_invalid_inputs: bool = True, seed: int = 1, epoch: int = 1,
                           max_batches: int | None = None) -> EpochBatchIterator:
        """The batches of epoch ``epoch`` (shuffled with ``seed`` and ``epoch``); pairs longer
        than ``max_positions`` are left out (fairseq's ``ignore_invalid_inputs``)."""
        return EpochBatchIterator(self, dataset, max_tokens, max_positions,
                                  ignore_invalid_inputs, seed, epoch, max_batches)

    def batches(self, dataset, max_tokens: int, max_positions=None,
                ignore_invalid_inputs: bool = True, seed: int = 1, epoch: int = 1,
                shuffle: bool = True, max_batches: int | None = None) -> list[dict]:
        src, tgt = dataset
        keep = np.arange(len(src))
        if max_positions is not None:
            ms, mt = max_positions
            ok = [len(src[i]) <= ms and (tgt is None or len(tgt[i]) <= mt) for i in keep]
            if not ignore_invalid_inputs and not all(ok):
                raise ValueError("some sentences exceed max_positions")
            keep = keep[np.array(ok, dtype=bool)]
        batches = make_batches([src[i] for i in keep], None if tgt is None else
                               [tgt[i] for i in keep], max_tokens, shuffle=shuffle,
                               seed=(seed * 1000 + epoch) % 2**32)
        batches = batches[:max_batches] if max_batches is not None else batches
        pad, eos = self.source_dictionary.pad(), self.source_dictionary.eos()
        return [collate(keep[b], src, tgt, pad, eos) for b in batches]


class EpochBatchIterator:
    """fairseq's epoch iterator: ``next_epoch_itr(shuffle)`` gives the batches of ``epoch``;
    ``next_epoch_idx`` is ``epoch + 1`` once they were handed out."""

    def __init__(self, task, dataset, max_tokens, max_positions, ignore_invalid_inputs, seed,
                 epoch, max_batches):
        self._args = (task, dataset, max_tokens, max_positions, ignore_invalid_inputs, seed)
        self.epoch, self.max_batches, self._used = epoch, max_batches, False

    @property
    def next_epoch_idx(self) -> int:
        return self.epoch + 1 if self._used else self.epoch

    def next_epoch_itr(self, shuffle: bool = True) -> list[dict]:
        task, dataset, max_tokens, max_positions, ignore, seed = self._args
        self._used = True
        return task.batches(dataset, max_tokens, max_positions, ignore, seed, self.epoch,
                            shuffle, self.max_batches)


def save_split(binpath: str | os.PathLike, split: str, source_lang: str, target_lang: str,
               lines: dict[str, Sequence[str]], dictionary: Dictionary) -> None:
    """fairseq-preprocess for one split: ``{split}.{src}-{tgt}.{lang}.pt`` for each language in
    ``lines`` ({lang: subword lines}), and the dictionary as ``dict.txt``."""
    binpath = Path(binpath)
    binpath.mkdir(parents=True, exist_ok=True)
    dictionary.save(binpath / "dict.txt")
    for lang, text in lines.items():
        torch.save(binarize(text, dictionary),
                   binpath / f"{split}.{source_lang}-{target_lang}.{lang}.pt")


# ---- fairseq's model base classes ------------------------------------------------------------

class FairseqEncoder(nn.Module):
    def __init__(self, dictionary: Dictionary):
        super().__init__()
        self.dictionary = dictionary

    def reorder_encoder_out(self, encoder_out, new_order):
        raise NotImplementedError

    def max_positions(self) -> int:
        return int(1e5)


class FairseqIncrementalDecoder(nn.Module):
    """A decoder that can cache its state between steps of generation in ``incremental_state``
    (a dict, or ``None`` during training)."""

    def __init__(self, dictionary: Dictionary):
        super().__init__()
        self.dictionary = dictionary

    def get_incremental_state(self, incremental_state: dict | None, key: str):
        return None if incremental_state is None else incremental_state.get((id(self), key))

    def set_incremental_state(self, incremental_state: dict | None, key: str, value) -> None:
        if incremental_state is not None:
            incremental_state[(id(self), key)] = value

    def reorder_incremental_state(self, incremental_state: dict, new_order: torch.Tensor):
        pass

    def max_positions(self) -> int:
        return int(1e5)


class FairseqEncoderDecoderModel(nn.Module):
    def __init__(self, encoder: FairseqEncoder, decoder: FairseqIncrementalDecoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder


# ---- fairseq's Transformer ---------------------------------------------------------------------

TRANSFORMER_DEFAULTS = dict(  # fairseq.models.transformer.base_architecture
    encoder_embed_dim=512, encoder_ffn_embed_dim=2048, encoder_layers=6,
    encoder_attention_heads=8, encoder_normalize_before=False, encoder_learned_pos=False,
    decoder_layers=6, decoder_attention_heads=8, decoder_normalize_before=False,
    decoder_learned_pos=False, attention_dropout=0.0, activation_dropout=0.0,
    activation_fn="relu", dropout=0.1, share_decoder_input_output_embed=False,
    no_token_positional_embeddings=False, no_scale_embedding=False, layernorm_embedding=False,
    max_source_positions=1024, max_target_positions=1024,
    # options this stand-in refuses unless they keep their default
    adaptive_softmax_cutoff=None, adaptive_softmax_dropout=0, share_all_embeddings=False,
    adaptive_input=False, no_cross_attention=False, cross_self_attention=False,
    tie_adaptive_weights=False, checkpoint_activations=False, offload_activations=False,
    encoder_layers_to_keep=None, decoder_layers_to_keep=None, encoder_layerdrop=0.0,
    decoder_layerdrop=0.0, quant_noise_pq=0, quant_noise_pq_block_size=8,
    quant_noise_scalar=0,
)
REFUSED = ("adaptive_softmax_cutoff", "adaptive_softmax_dropout", "share_all_embeddings",
           "adaptive_input", "no_cross_attention", "cross_self_attention",
           "tie_adaptive_weights", "checkpoint_activations", "offload_activations",
           "encoder_layers_to_keep", "decoder_layers_to_keep", "encoder_layerdrop",
           "decoder_layerdrop", "quant_noise_pq", "quant_noise_scalar")
RNN_ARGS = ("encoder_embed_dim", "encoder_ffn_embed_dim", "encoder_layers", "decoder_embed_dim",
            "decoder_ffn_embed_dim", "decoder_layers", "share_decoder_input_output_embed",
            "dropout")
ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu, "tanh": torch.tanh, "linear": lambda x: x}


def base_architecture(args: Namespace) -> Namespace:
    """fairseq's defaults for every Transformer option ``args`` does not set (in place)."""
    for name, value in TRANSFORMER_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    for side in ("decoder_embed_dim", "decoder_ffn_embed_dim"):
        if not hasattr(args, side):
            setattr(args, side, getattr(args, side.replace("decoder", "encoder")))
    for name in ("decoder_output_dim", "decoder_input_dim"):
        if not hasattr(args, name):
            setattr(args, name, args.decoder_embed_dim)
    return args


def check_transformer_args(args: Namespace) -> None:
    """Raise on an option that this stand-in would otherwise ignore: an unknown name, a refused
    option set away from its default, or an unknown activation."""
    known = set(TRANSFORMER_DEFAULTS) | set(RNN_ARGS) | {"decoder_output_dim",
                                                         "decoder_input_dim", "arch"}
    unknown = sorted(set(vars(args)) - known)
    if unknown:
        raise NotImplementedError(f"arch_args {unknown} are not fairseq Transformer options "
                                  "this stand-in knows; remove them or implement them")
    for name in REFUSED:
        if getattr(args, name, TRANSFORMER_DEFAULTS[name]) != TRANSFORMER_DEFAULTS[name]:
            raise NotImplementedError(f"arch_args.{name}={getattr(args, name)!r} is not "
                                      "supported by course_utils.seq2seq (fairseq stand-in)")
    for name in ("decoder_output_dim", "decoder_input_dim"):
        if getattr(args, name, args.decoder_embed_dim) != args.decoder_embed_dim:
            raise NotImplementedError(f"arch_args.{name} must equal decoder_embed_dim here")
    if args.activation_fn not in ACTIVATIONS:
        raise ValueError(f"activation_fn {args.activation_fn!r}: use one of {list(ACTIVATIONS)}")


def make_positions(tokens: torch.Tensor, padding_idx: int) -> torch.Tensor:
    """Positions padding_idx + 1, padding_idx + 2, …; padding keeps padding_idx."""
    mask = tokens.ne(padding_idx).int()
    return (torch.cumsum(mask, dim=1) * mask).long() + padding_idx


class SinusoidalPositionalEmbedding(nn.Module):
    """fairseq's sinusoidal positions: ``weights`` is the (num_embeddings, dim) table
    (``sin`` in the first half of the columns, ``cos`` in the second, the padding row 0)."""

    def __init__(self, embedding_dim: int, padding_idx: int, init_size: int = 1024):
        super().__init__()
        self.embedding_dim, self.padding_idx = embedding_dim, padding_idx
        self.register_buffer("weights", self.get_embedding(init_size, embedding_dim, padding_idx),
                             persistent=False)

    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None):
        half_dim = embedding_dim // 2
        emb = math.log(10000) / (half_dim - 1)
        emb = torch.exp(torch.arange(half_dim, dtype=torch.float) * -emb)
        emb = torch.arange(num_embeddings, dtype=torch.float).unsqueeze(1) * emb.unsqueeze(0)
        emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=1).view(num_embeddings, -1)
        if embedding_dim % 2 == 1:
            emb = torch.cat([emb, torch.zeros(num_embeddings, 1)], dim=1)
        if padding_idx is not None:
            emb[padding_idx, :] = 0
        return emb

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        positions = make_positions(tokens, self.padding_idx)
        if int(positions.max()) >= self.weights.size(0):  # longer than seen: extend the table
            self.weights = self.get_embedding(int(positions.max()) + 1, self.embedding_dim,
                                              self.padding_idx).to(self.weights)
        return self.weights[positions]


class LearnedPositionalEmbedding(nn.Embedding):
    """fairseq's learned positions (``*_learned_pos=True``); ``weights`` is the table too."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int):
        super().__init__(num_embeddings, embedding_dim, padding_idx)
        nn.init.normal_(self.weight, mean=0, std=embedding_dim ** -0.5)
        nn.init.constant_(self.weight[padding_idx], 0)

    @property
    def weights(self) -> torch.Tensor:
        return self.weight

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        positions = make_positions(tokens, self.padding_idx)
        if int(positions.max()) >= self.num_embeddings:
            raise ValueError(f"a sequence is longer than max positions "
                             f"({self.num_embeddings - self.padding_idx - 1})")
        return super().forward(positions)


def positional_embedding(max_positions: int, dim: int, padding_idx: int, learned: bool):
    num = max_positions + padding_idx + 1
    if learned:
        return LearnedPositionalEmbedding(num, dim, padding_idx)
    return SinusoidalPositionalEmbedding(dim, padding_idx, init_size=num)


class MultiheadAttention(nn.Module):
    """fairseq's multi-head attention, time-first (T x B x C), with ``q_proj``, ``k_proj``,
    ``v_proj`` and ``out_proj``; keys and values may be ``kdim``/``vdim`` wide (the encoder's
    width in a decoder's cross-attention)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 kdim: int | None = None, vdim: int | None = None):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by {num_heads} heads")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        kdim, vdim = kdim or embed_dim, vdim or embed_dim
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.k_proj = nn.Linear(kdim, embed_dim)
        self.v_proj = nn.Linear(vdim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)
        same_dim = kdim == vdim == embed_dim  # fairseq scales the init only then
        for proj in (self.q_proj, self.k_proj, self.v_proj):
            nn.init.xavier_uniform_(proj.weight, gain=1 / math.sqrt(2) if same_dim else 1.0)
        nn.init.xavier_uniform_(self.out_proj.weight)
        nn.init.zeros_(self.out_proj.bias)

    def forward(self, query, key, value, key_padding_mask=None, causal: bool = False,
                cache: dict | None = None, static_kv: bool = False):
        """``cache`` (generation): a dict that keeps this attention's keys and values between
        steps; ``key``/``value`` then hold only the new steps (self-attention, appended to the
        cache), or are projected once and reused (``static_kv``: cross-attention)."""
        tq, b, c = query.shape
        h = self.num_heads

        def heads(x):  # T x B x C -> B x H x T x C/H
            return x.view(x.size(0), b, h, c // h).permute(1, 2, 0, 3)

        cached = cache is not None and "k" in cache
        past = cache["k"].size(2) if cached else 0
        tk = past if cached and static_kv else past + key.size(0)  # the keys attended to
        mask = None
        if key_padding_mask is not None:
            mask = ~key_padding_mask[:, None, None, :]  # True = attend
        if causal:  # query i (the last tq of the tk steps) sees keys up to its own step
            future = torch.ones(tq, tk, dtype=torch.bool, device=query.device).tril(tk - tq)
            mask = future if mask is None else mask & future
        q = heads(self.q_proj(query))
        if cached and static_kv:
            k, v = cache["k"], cache["v"]
        else:
            k, v = heads(self.k_proj(key)), heads(self.v_proj(value))
            if cached:
                k, v = torch.cat([cache["k"], k], dim=2), torch.cat([cache["v"], v], dim=2)
            if cache is not None:
                cache["k"], cache["v"] = k, v
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0)
        return self.out_proj(out.permute(2, 0, 1, 3).reshape(tq, b, c))


class TransformerLayer(nn.Module):
    """One fairseq encoder layer (``cross=False``) or decoder layer (``cross=True``): pre-norm
    when ``normalize_before``, else post-norm."""

    def __init__(self, args: Namespace, side: str):
        super().__init__()
        dim = getattr(args, f"{side}_embed_dim")
        heads = getattr(args, f"{side}_attention_heads")
        self.normalize_before = getattr(args, f"{side}_normalize_before")
        self.activation_fn = ACTIVATIONS[args.activation_fn]
        self.dropout = nn.Dropout(args.dropout)
        self.activation_dropout = nn.Dropout(args.activation_dropout)
        self.self_attn = MultiheadAttention(dim, heads, args.attention_dropout)
        self.self_attn_layer_norm = nn.LayerNorm(dim)
        self.cross = side == "decoder"
        if self.cross:
            self.encoder_attn = MultiheadAttention(dim, heads, args.attention_dropout,
                                                   kdim=args.encoder_embed_dim,
                                                   vdim=args.encoder_embed_dim)
            self.encoder_attn_layer_norm = nn.LayerNorm(dim)
        ffn = getattr(args, f"{side}_ffn_embed_dim")
        self.fc1, self.fc2 = nn.Linear(dim, ffn), nn.Linear(ffn, dim)
        self.final_layer_norm = nn.LayerNorm(dim)

    def _block(self, x, norm, fn):
        residual = x
        x = norm(x) if self.normalize_before else x
        x = residual + self.dropout(fn(x))
        return x if self.normalize_before else norm(x)

    def forward(self, x, padding_mask=None, encoder_out=None, encoder_padding_mask=None,
                cache: dict | None = None):
        """``cache`` (decoder, generation): this layer's keys and values of the earlier steps;
        ``x`` then holds only the new step."""
        x = self._block(x, self.self_attn_layer_norm, lambda y: self.self_attn(
            y, y, y, key_padding_mask=None if self.cross else padding_mask, causal=self.cross,
            cache=None if cache is None else cache.setdefault("self", {})))
        if self.cross:
            x = self._block(x, self.encoder_attn_layer_norm, lambda y: self.encoder_attn(
                y, encoder_out, encoder_out, key_padding_mask=encoder_padding_mask,
                cache=None if cache is None else cache.setdefault("cross", {}), static_kv=True))
        return self._block(x, self.final_layer_norm, lambda y: self.fc2(
            self.activation_dropout(self.activation_fn(self.fc1(y)))))


class _TransformerBase:
    def _embed(self, tokens):
        x = self.embed_scale * self.embed_tokens(tokens)
        if self.embed_positions is not None:
            x = x + self.embed_positions(tokens)
        if self.layernorm_embedding is not None:
            x = self.layernorm_embedding(x)
        return self.dropout_module(x).transpose(0, 1)  # B x T x C -> T x B x C

    def _setup(self, args, side, embed_tokens, padding_idx):
        base_architecture(args)
        check_transformer_args(args)
        dim = embed_tokens.embedding_dim
        if dim != getattr(args, f"{side}_embed_dim"):
            raise ValueError(f"the {side} embeddings are {dim}-dimensional but "
                             f"{side}_embed_dim is {getattr(args, f'{side}_embed_dim')}")
        self.embed_tokens, self.padding_idx = embed_tokens, padding_idx
        self.embed_scale = 1.0 if args.no_scale_embedding else math.sqrt(dim)
        self.max_source_positions = args.max_source_positions
        self.max_target_positions = args.max_target_positions
        max_pos = getattr(args, "max_source_positions" if side == "encoder"
                          else "max_target_positions")
        self.embed_positions = None if args.no_token_positional_embeddings else \
            positional_embedding(max_pos, dim, padding_idx, getattr(args, f"{side}_learned_pos"))
        self.layernorm_embedding = nn.LayerNorm(dim) if args.layernorm_embedding else None
        self.dropout_module = nn.Dropout(args.dropout)
        self.layers = nn.ModuleList(TransformerLayer(args, side)
                                    for _ in range(getattr(args, f"{side}_layers")))
        self.layer_norm = nn.LayerNorm(dim) if getattr(args, f"{side}_normalize_before") else None


class TransformerEncoder(_TransformerBase, FairseqEncoder):
    """fairseq's ``TransformerEncoder(args, dictionary, embed_tokens)``; returns
    ``(outputs T x B x C, padding mask B x T)``."""

    def __init__(self, args: Namespace, dictionary: Dictionary, embed_tokens: nn.Embedding):
        FairseqEncoder.__init__(self, dictionary)
        self._setup(args, "encoder", embed_tokens, dictionary.pad())

    def forward(self, src_tokens, src_lengths=None, **unused):
        padding_mask = src_tokens.eq(self.padding_idx)
        x = self._embed(src_tokens)
        for layer in self.layers:
            x = layer(x, padding_mask=padding_mask)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        return x, padding_mask

    def reorder_encoder_out(self, encoder_out, new_order):
        return encoder_out[0].index_select(1, new_order), encoder_out[1].index_select(0, new_order)

    def max_positions(self) -> int:
        return self.max_source_positions


class TransformerDecoder(_TransformerBase, FairseqIncrementalDecoder):
    """fairseq's ``TransformerDecoder(args, dictionary, embed_tokens)``; returns
    ``(logits B x T x V, None)``. With an ``incremental_state`` (generation) it runs only the
    last step and keeps each layer's keys and values there, as fairseq does, so a step costs
    the same however long the prefix; the logits are then B x 1 x V."""

    def __init__(self, args: Namespace, dictionary: Dictionary, embed_tokens: nn.Embedding):
        FairseqIncrementalDecoder.__init__(self, dictionary)
        self._setup(args, "decoder", embed_tokens, dictionary.pad())
        dim = embed_tokens.embedding_dim
        if args.share_decoder_input_output_embed:
            self.output_projection = nn.Linear(dim, len(dictionary), bias=False)
            self.output_projection.weight = self.embed_tokens.weight
        else:
            self.output_projection = nn.Linear(dim, len(dictionary), bias=False)
            nn.init.normal_(self.output_projection.weight, mean=0, std=dim ** -0.5)

    def forward(self, prev_output_tokens, encoder_out, incremental_state=None, **unused):
        encoder_outputs, encoder_padding_mask = encoder_out
        x = self._embed(prev_output_tokens)
        caches = [None] * len(self.layers)
        if incremental_state is not None:
            caches = self.get_incremental_state(incremental_state, "layers")
            if caches is None:
                caches = [{} for _ in self.layers]
                self.set_incremental_state(incremental_state, "layers", caches)
            x = x[-1:]  # the positions come from the whole prefix; only the last step is new
        for layer, cache in zip(self.layers, caches, strict=True):
            x = layer(x, encoder_out=encoder_outputs, encoder_padding_mask=encoder_padding_mask,
                      cache=cache)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        return self.output_projection(x.transpose(0, 1)), None

    def reorder_incremental_state(self, incremental_state: dict, new_order: torch.Tensor):
        """Follow the beams that generation keeps: select ``new_order`` of every cached batch."""
        for cache in self.get_incremental_state(incremental_state, "layers") or []:
            for kv in cache.values():
                for name in kv:
                    kv[name] = kv[name].index_select(0, new_order)

    def max_positions(self) -> int:
        return self.max_target_positions


# ---- generation --------------------------------------------------------------------------------

class SequenceGenerator:
    """fairseq's beam search (``beam=1``: greedy) for a ``FairseqEncoderDecoderModel``: finished
    hypotheses are ranked by log-prob / length ** ``lenpen``; at most
    ``max_len_a * source length + max_len_b`` tokens (and the decoder's ``max_positions``)."""

    def __init__(self, models, tgt_dict: Dictionary, beam_size: int = 1, max_len_a: float = 0,
                 max_len_b: int = 200, len_penalty: float = 1.0):
        self.model = models[0]
        self.pad, self.eos = tgt_dict.pad(), tgt_dict.eos()
        self.beam_size, self.max_len_a, self.max_len_b = beam_size, max_len_a, max_len_b
        self.len_penalty = len_penalty

    @torch.no_grad()
    def generate(self, models, sample) -> list[list[dict]]:
        """``[[{"tokens": ids ending with </s>, "score": …}]]`` per sentence, best first."""
        model = models[0] if models else self.model
        model.eval()
        src = sample["net_input"]["src_tokens"]
        max_len = int(self.max_len_a * src.size(1) + self.max_len_b)
        max_len = min(max_len, model.decoder.max_positions() - 1)
        b, k, dev = src.size(0), self.beam_size, src.device
        rows = torch.arange(b, device=dev).repeat_interleave(k)
        encoder_out = model.encoder.reorder_encoder_out(
            model.encoder(src, src_lengths=sample["net_input"]["src_lengths"]), rows)
        state: dict = {}
        tokens = torch.full((b * k, 1), self.eos, dtype=torch.long, device=dev)
        scores = torch.zeros(b, k, device=dev)
        scores[:, 1:] = float("-inf")  # all beams start identical: keep one
        done = torch.zeros(b * k, dtype=torch.bool, device=dev)
        lengths = torch.zeros(b * k, device=dev)
        for _ in range(max(max_len, 1)):
            logits = model.decoder(tokens, encoder_out, incremental_state=state)[0]
            lprobs = F.log_softmax(logits[:, -1].float(), dim=-1)
            lprobs[:, self.pad] = float("-inf")
            lprobs[done] = float("-inf")
            lprobs[done, self.pad] = 0.0  # a finished hypothesis only pads, at no cost
            vocab = lprobs.size(-1)
            total = (scores.view(-1, 1) + lprobs).view(b, k * vocab)
            scores, best = total.topk(k, dim=-1)
            origin = (best // vocab + torch.arange(b, device=dev)[:, None] * k).view(-1)
            token = (best % vocab).view(-1, 1)
            tokens = torch.cat([tokens[origin], token], dim=1)
            done, lengths = done[origin], lengths[origin] + (~done[origin]).float()
            done = done | (token.view(-1) == self.eos)
            if bool(done.all()):
                break
            model.decoder.reorder_incremental_state(state, origin)
            encoder_out = model.encoder.reorder_encoder_out(encoder_out, origin)
        ranked = (scores / lengths.view(b, k).clamp(min=1) ** self.len_penalty).argsort(
            -1, descending=True)
        out = []
        for i in range(b):
            hyps = []
            for j in ranked[i].tolist():
                seq = [t for t in tokens[i * k + j, 1:].tolist() if t != self.pad]
                seq = seq[:seq.index(self.eos) + 1] if self.eos in seq else seq + [self.eos]
                hyps.append({"tokens": torch.tensor(seq), "score": float(scores[i, j])})
            out.append(hyps)
        return out


def average_checkpoints(paths: Sequence[str | os.PathLike]) -> dict[str, torch.Tensor]:
    """fairseq's ``scripts/average_checkpoints.py``: the element-wise mean of the ``"model"``
    state_dicts of the checkpoints at ``paths``."""
    states = [torch.load(p, map_location="cpu", weights_only=True)["model"] for p in paths]
    return {k: sum(s[k].double() for s in states).div(len(states)).to(states[0][k].dtype)
            for k in states[0]}


def last_epoch_checkpoints(savedir: str | os.PathLike, num: int) -> list[Path]:
    """``checkpoint{epoch}.pt`` of the last ``num`` epochs in ``savedir``
    (``average_checkpoints.py --num-epoch-checkpoints``)."""
    found = sorted(Path(savedir).glob("checkpoint[0-9]*.pt"),
                   key=lambda p: int(p.stem[len("checkpoint"):]))
    return found[-num:]
