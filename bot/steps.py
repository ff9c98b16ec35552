"""Arrays kept as whole steps: each row as integers times a step of its own."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def whole_steps(
    block: npt.NDArray[np.floating], top: int, dtype: type[np.signedinteger]
) -> tuple[npt.NDArray[np.signedinteger], npt.NDArray[np.float32]]:
    """Each row of `block` as `dtype` whole steps of its largest magnitude / `top`
    (rounded to the nearest, so within -top..top), and each row's step as float32 (1
    for a row of zeros). The division is done in `block`'s precision."""
    peak = np.abs(block).max(axis=1, initial=0.0)
    step = np.where(peak > 0.0, peak / top, 1.0).astype(np.float32)
    codes = np.rint(block / step[:, np.newaxis]).astype(dtype)
    return codes, step
