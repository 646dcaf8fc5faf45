"""Reusable models of the lectures and homework: CNN blocks (L03), attention (L04),
transformer and decoding (L05). Import from the submodules."""
