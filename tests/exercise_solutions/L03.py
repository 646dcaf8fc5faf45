"""Solutions and plausible wrong answers to the L03 exercises (used by test_exercises_L03.py)."""

import torch
import torch.nn.functional as F


# ---------------------------------------------------------------- no parameter sharing
def locally_connected_params(n, c_in, c_out, k):
    return (n - k + 1) ** 2 * c_out * (c_in * k * k + 1)


def locally_connected_params_shared(n, c_in, c_out, k):
    return c_out * (c_in * k * k + 1)


def locally_connected_params_all_pixels(n, c_in, c_out, k):
    return n * n * c_out * (c_in * k * k + 1)


def locally_connected_params_no_bias(n, c_in, c_out, k):
    return (n - k + 1) ** 2 * c_out * c_in * k * k


# ---------------------------------------------------------------- mean pooling
def avg_pool2d(x, k, s):
    n, c, h, w = x.shape
    windows = F.unfold(x, k, stride=s).view(n, c, k * k, -1)
    return windows.mean(2).view(n, c, (h - k) // s + 1, (w - k) // s + 1)


def avg_pool2d_takes_max(x, k, s):
    n, c, h, w = x.shape
    windows = F.unfold(x, k, stride=s).view(n, c, k * k, -1)
    return windows.amax(2).view(n, c, (h - k) // s + 1, (w - k) // s + 1)


def avg_pool2d_ignores_stride(x, k, s):
    return avg_pool2d(x, k, 1)


def avg_pool2d_mixes_channels(x, k, s):
    n, c, h, w = x.shape
    windows = F.unfold(x, k, stride=s).view(n, c, k * k, -1)
    out = windows.mean(2).view(n, c, (h - k) // s + 1, (w - k) // s + 1)
    return out.mean(1, keepdim=True).expand_as(out)


# ---------------------------------------------------------------- feature-map side
def feature_map_side(n, layers):
    for k, s, p in layers:
        n = (n + 2 * p - k) // s + 1
    return n


def feature_map_side_true_division(n, layers):
    for k, s, p in layers:
        n = (n + 2 * p - k) / s + 1
    return n


def feature_map_side_one_padding(n, layers):
    for k, s, p in layers:
        n = (n + p - k) // s + 1
    return n


# ---------------------------------------------------------------- bilinear sampling
def _corners(img, x, y):
    x0, y0 = x.floor().long(), y.floor().long()
    x1 = (x0 + 1).clamp(max=img.shape[1] - 1)
    y1 = (y0 + 1).clamp(max=img.shape[0] - 1)
    return x0, y0, x1, y1


def bilinear(img, x, y):
    x0, y0, x1, y1 = _corners(img, x, y)
    ax, ay = x - x0, y - y0
    top = (1 - ax) * img[y0, x0] + ax * img[y0, x1]
    bottom = (1 - ax) * img[y1, x0] + ax * img[y1, x1]
    return (1 - ay) * top + ay * bottom


def bilinear_nearest(img, x, y):
    return img[y.round().long(), x.round().long()]


def bilinear_swaps_axes(img, x, y):
    return bilinear(img, y, x)


def bilinear_detached(img, x, y):
    return bilinear(img, torch.tensor(x.item()), torch.tensor(y.item()))
