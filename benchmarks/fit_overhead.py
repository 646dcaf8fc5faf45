"""How much does ``course_utils.fit`` cost over a hand-written PyTorch loop? (target ≤ 1.05)

Same model, data, optimiser and number of steps; both loops record the training loss and do a
validation pass per epoch (the hand-written loop is the HW1 sample code's).
Prints the median time of each over several repeats and their ratio.

    python benchmarks/fit_overhead.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils import fit, seed_everything

EPOCHS, N, D, BATCH = 20, 4096, 117, 64


def make_setup():
    seed_everything(0)
    x = torch.randn(N, D)
    y = x[:, :4].sum(1, keepdim=True) + 0.1 * torch.randn(N, 1)
    train = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    val = DataLoader(TensorDataset(x[:1024], y[:1024]), batch_size=256)
    model = nn.Sequential(nn.Linear(D, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(),
                          nn.Linear(32, 1))
    return model, train, val, torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)


def hand_written() -> float:
    model, train, val, opt = make_setup()
    loss_fn = nn.MSELoss()
    start = time.perf_counter()
    for _ in range(EPOCHS):
        model.train()
        loss_record = []
        for x, y in train:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            loss_record.append(loss.detach().item())
        model.eval()
        total = 0.0
        with torch.no_grad():
            for x, y in val:
                total += loss_fn(model(x), y).item() * len(x)
    return time.perf_counter() - start


def with_fit() -> float:
    model, train, val, opt = make_setup()
    start = time.perf_counter()
    fit(model, train, val, loss_fn=nn.MSELoss(), optimizer=opt, epochs=EPOCHS,
        device=torch.device("cpu"), progress=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    hand, ours = [], []
    for _ in range(repeats):  # interleaved, so drift in machine load hits both alike
        hand.append(hand_written())
        ours.append(with_fit())
    h, f = statistics.median(hand), statistics.median(ours)
    print(f"hand-written loop: {h:.3f} s   fit: {f:.3f} s   ratio fit/hand = {f / h:.3f}"
          f"   ({EPOCHS} epochs x {N // BATCH} batches, median of {repeats})")


if __name__ == "__main__":
    main()
