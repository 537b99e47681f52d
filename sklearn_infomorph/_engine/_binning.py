"""Binning of source potentials for the PID estimate (numba).

Fixed: equal bins on [-half_range, half_range], values clamped. Adaptive: each
vector divided by its largest absolute value, equal bins on [-1, 1].
"""

from ._jit import kernel


@kernel(nogil=True, error_model="numpy")
def bin_fixed(v, n_bins, half_range, out):
    scale = 0.5 * n_bins / half_range
    for i in range(v.shape[0]):
        # Clamp before the cast so that huge values cannot overflow int; NaN survives
        # min/max and casts to INT64_MIN, hence the clamp below too.
        x = min(max(v[i], -half_range), half_range)
        b = int((x + half_range) * scale)
        out[i] = min(max(b, 0), n_bins - 1)


@kernel(nogil=True, error_model="numpy")
def bin_adaptive(v, n_bins, out):
    top = 0.0
    for i in range(v.shape[0]):
        a = abs(v[i])
        if a > top:
            top = a
    scale = 0.0 if top == 0.0 else 1.0 / top
    for i in range(v.shape[0]):
        b = int((v[i] * scale + 1.0) * 0.5 * n_bins)
        out[i] = min(max(b, 0), n_bins - 1)
