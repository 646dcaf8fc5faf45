"""Pre-train the two tiny BERTs that HW7 and L07 load instead of ``bert-base-chinese``.

    python -m course_datasets.hw07_tiny_bert    # writes datasets/_shipped/hw07_tiny_bert*/

Each is a ``BertForMaskedLM`` trained with masked language modelling (15 % of the tokens; of
those 80 % [MASK], 10 % a random token, 10 % unchanged) on encyclopedia paragraphs of the HW7
generator (``hw07_drcd.corpus``: Chinese and some English, from a seed no homework file is drawn
from). The folder holds what ``BertForQuestionAnswering.from_pretrained(dir)``,
``BertForMaskedLM.from_pretrained(dir)`` and ``BertTokenizerFast.from_pretrained(dir)`` read
offline: ``config.json``, ``model.safetensors`` (fp16; the config asks for float32, so the
models load in float32), ``tokenizer.json``, ``tokenizer_config.json`` and ``vocab.txt``.
Deterministic on CPU with one thread: ``_shipped/hw07_tiny_bert.json`` keeps the sha256 of
the weights' values, which a rerun reproduces, and the held-out masked-token accuracy before
and after pre-training.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
from course_datasets import hw07_drcd
from safetensors.torch import load_file
from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

SHIPPED = Path(__file__).resolve().parent / "_shipped"
SEED = 0
SEQ_LEN = 193  # the sample's window: [CLS] + 40 question + [SEP] + 150 paragraph + [SEP]
HELD_OUT_SEED = hw07_drcd.CORPUS_SEED + 1


@dataclass(frozen=True)
class Recipe:
    """One checkpoint: its size and its pre-training budget."""

    folder: str
    layers: int
    hidden: int
    heads: int
    steps: int
    lr: float
    batch: int = 16
    dropout: float = 0.1

    def config(self, vocab_size: int) -> BertConfig:
        return BertConfig(vocab_size=vocab_size, hidden_size=self.hidden,
                          num_hidden_layers=self.layers, num_attention_heads=self.heads,
                          intermediate_size=4 * self.hidden, max_position_embeddings=512,
                          hidden_dropout_prob=self.dropout,
                          attention_probs_dropout_prob=self.dropout)


RECIPES = {
    "small": Recipe("hw07_tiny_bert", layers=2, hidden=64, heads=2, steps=3000, lr=1e-3,
                    dropout=0.0),
    "large": Recipe("hw07_tiny_bert_large", layers=4, hidden=128, heads=4, steps=1000, lr=1e-3,
                    dropout=0.0),
}
CORPUS = {"zh": 6000, "en": 1000}  # pre-training paragraphs per language
HELD_OUT = {"zh": 150, "en": 50}


def write_tokenizer(folder: Path) -> BertTokenizerFast:
    """``vocab.txt`` from the generator's characters, and the fast tokenizer's files."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab = hw07_drcd.vocabulary()
    (folder / "vocab.txt").write_text("".join(t + "\n" for t in vocab), encoding="utf-8")
    BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}).save_pretrained(folder)
    return BertTokenizerFast.from_pretrained(folder)


def blocks(tokenizer: BertTokenizerFast, counts: dict[str, int], seed: int) -> torch.Tensor:
    """Paragraphs as one token stream cut into ``[CLS] … [SEP]`` blocks of ``SEQ_LEN``."""
    paragraphs = [p for lang, n in counts.items() for p in hw07_drcd.corpus(n, lang, seed)]
    ids = [i for enc in tokenizer(paragraphs, add_special_tokens=False)["input_ids"]
           for i in (*enc, tokenizer.sep_token_id)]
    body = SEQ_LEN - 2
    ids = torch.tensor(ids[: len(ids) // body * body]).view(-1, body)
    cls = torch.full((len(ids), 1), tokenizer.cls_token_id)
    sep = torch.full((len(ids), 1), tokenizer.sep_token_id)
    return torch.cat([cls, ids, sep], dim=1)


def mask_tokens(ids: torch.Tensor, vocab_size: int, mask_id: int, g: torch.Generator
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's masking: (inputs, labels) with labels -100 except at the 15 % chosen tokens.
    The vocabulary puts every special token before [MASK] and every real token after it."""
    special = ids <= mask_id
    chosen = (torch.rand(ids.shape, generator=g) < 0.15) & ~special
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    roll = torch.rand(ids.shape, generator=g)
    random_ids = torch.randint(mask_id + 1, vocab_size, ids.shape, generator=g)
    inputs = torch.where(chosen & (roll < 0.8), torch.full_like(ids, mask_id), ids)
    inputs = torch.where(chosen & (roll >= 0.8) & (roll < 0.9), random_ids, inputs)
    return inputs, labels


def masked_accuracy(model: BertForMaskedLM, ids: torch.Tensor, mask_id: int) -> float:
    """Accuracy on the masked tokens of ``ids`` (fixed masking seed)."""
    inputs, labels = mask_tokens(ids, model.config.vocab_size, mask_id,
                                 torch.Generator().manual_seed(1))
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=inputs).logits
    chosen = labels != -100
    return float((logits.argmax(-1)[chosen] == labels[chosen]).float().mean())


def pretrain(recipe: Recipe, train: torch.Tensor, mask_id: int, vocab_size: int
             ) -> BertForMaskedLM:
    """AdamW with linear warm-up and decay on random batches of blocks."""
    torch.manual_seed(SEED)
    model = BertForMaskedLM(recipe.config(vocab_size))
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=0.01)
    warmup = max(1, recipe.steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(
        (s + 1) / warmup, (recipe.steps - s) / max(1, recipe.steps - warmup)))
    g = torch.Generator().manual_seed(SEED)
    model.train()
    for step in range(recipe.steps):
        batch = train[torch.randint(0, len(train), (recipe.batch,), generator=g)]
        inputs, labels = mask_tokens(batch, vocab_size, mask_id, g)
        loss = model(input_ids=inputs, labels=labels).loss
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 250 == 0 or step == recipe.steps - 1:
            print(f"  step {step:5d}  MLM loss {loss.item():.3f}", flush=True)
    return model


def weights_digest(folder: Path) -> str:
    """sha256 of the shipped tensors' names, dtypes, shapes and values."""
    h = hashlib.sha256()
    for name, tensor in sorted(load_file(folder / "model.safetensors").items()):
        h.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}\n".encode())
        h.update(tensor.contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def save(model: BertForMaskedLM, folder: Path) -> None:
    """fp16 safetensors, with a config that loads them as float32."""
    model.to(torch.float16).save_pretrained(folder)
    config = BertConfig.from_pretrained(folder)
    config.dtype = "float32"
    config.save_pretrained(folder)


def make(size: str, out: Path, **change) -> dict:
    """Train and save one checkpoint (``change``: other recipe values, e.g. fewer steps for a
    smoke run); return what ``hw07_tiny_bert.json`` keeps about it."""
    recipe = replace(RECIPES[size], **change)
    folder = out / recipe.folder
    tokenizer = write_tokenizer(folder)
    mask_id = tokenizer.mask_token_id
    train = blocks(tokenizer, CORPUS, hw07_drcd.CORPUS_SEED)
    held_out = blocks(tokenizer, HELD_OUT, HELD_OUT_SEED)
    start = time.perf_counter()
    print(f"{size}: {recipe}, {len(train)} blocks of {SEQ_LEN} tokens")
    torch.manual_seed(SEED)
    before = masked_accuracy(BertForMaskedLM(recipe.config(len(tokenizer))), held_out,
                             mask_id)
    model = pretrain(recipe, train, mask_id, len(tokenizer))
    after = masked_accuracy(model, held_out, mask_id)
    save(model, folder)
    entry = {"recipe": asdict(recipe), "parameters": sum(p.numel() for p in model.parameters()),
             "held_out_masked_accuracy": {"before": round(before, 4), "after": round(after, 4)},
             "train_seconds": round(time.perf_counter() - start),
             "sha256_weights": weights_digest(folder)}
    print(f"{size}: held-out masked-token accuracy {before:.3f} -> {after:.3f}, "
          f"{entry['train_seconds']} s, {(folder / 'model.safetensors').stat().st_size / 1e6:.2f}"
          " MB")
    return entry


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--steps", type=int, help="fewer steps (a smoke run, not the shipped)")
    parser.add_argument("--out", type=Path, default=SHIPPED)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    record_path = args.out / "hw07_tiny_bert.json"
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    for size in args.sizes:
        record[size] = make(size, args.out, **({} if args.steps is None else {"steps": args.steps}))
    record_path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
