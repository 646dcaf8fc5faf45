"""Solutions and plausible wrong answers for notebook 00's exercises (tests only)."""

from torch import nn

PUZZLE_SHAPES = {1: (3, 2), 2: (5,), 3: (5, 1), 4: (6, 4), 5: (6, 3), 6: (2, 8), 7: (4, 3),
                 8: (4, 3, 2), 9: (8, 32), 10: (16, 784)}
PUZZLE_SHAPES_TWO_WRONG = {**PUZZLE_SHAPES, 2: (5, 1), 3: None}


def batches_per_epoch(n, batch_size, drop_last):
    return n // batch_size if drop_last else -(-n // batch_size)


def batches_per_epoch_ignores_drop_last(n, batch_size, drop_last):
    """Wrong: always counts the smaller last batch."""
    return -(-n // batch_size)


class Fixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(10, 32)
        self.act = nn.Sigmoid()
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        return self.out(self.act(self.hidden(x)))


class Comma(nn.Module):
    """Wrong: the trailing comma makes the hidden layer a tuple."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(10, 32),
        self.act = nn.Sigmoid()
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        return self.out(self.act(self.hidden(x)))


def two_outputs():
    """Wrong: the output layer has two units."""
    return nn.Sequential(nn.Linear(10, 32), nn.Sigmoid(), nn.Linear(32, 2))


def relu_instead():
    """Wrong: no sigmoid."""
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
