"""Reusable models of the lectures and homework: CNN blocks (L03), attention (L04),
transformer and decoding (L05), the conditional GAN and digit classifier (L06). Import from the
submodules."""
