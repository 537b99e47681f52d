"""Branch-free ``exp`` and ``log2`` for numba loops that must vectorise.

numba has no vectorised ``exp`` or ``log`` without Intel's SVML. :func:`fast_exp`
(range reduction and a degree-13 polynomial, within 2 ulp of ``np.exp``) serves the
activation functions and :func:`fast_log2` (an ``atanh`` series on the mantissa,
within a few ulp) the PID kernel. Only floating-point contraction into FMAs is
allowed, no fast-math that would change NaN or inf semantics.
"""

import numpy as np

from ._jit import bits_as_float, float_as_bits, kernel

_LOG2E = 1.4426950408889634
_LN2_HI = 0.6931471803691238
_LN2_LO = 1.9082149292705877e-10
# Taylor coefficients 1/k! of exp on |r| <= ln(2)/2, k = 13 down to 2.
_C13, _C12, _C11, _C10 = 1 / 6227020800, 1 / 479001600, 1 / 39916800, 1 / 3628800
_C9, _C8, _C7, _C6 = 1 / 362880, 1 / 40320, 1 / 5040, 1 / 720
_C5, _C4, _C3, _C2 = 1 / 120, 1 / 24, 1 / 6, 1 / 2


@kernel(nogil=True, error_model="numpy", fastmath={"contract"})
def fast_exp(x):
    """exp(x) for float64 x, branch-free so that loops over it vectorise.

    NaN stays NaN, results below exp(-708) are clamped to exp(-708) ~ 3e-308 and
    results above exp(708) to exp(708) (the activations never need more).
    """
    xc = min(max(x, -708.0), 708.0)
    k = np.floor(xc * _LOG2E + 0.5)
    r = (xc - k * _LN2_HI) - k * _LN2_LO
    # Estrin's scheme: a short dependency chain, so that even the scalar code is fast.
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    p01 = 1.0 + r
    p23 = _C2 + _C3 * r
    p45 = _C4 + _C5 * r
    p67 = _C6 + _C7 * r
    p89 = _C8 + _C9 * r
    p1011 = _C10 + _C11 * r
    p1213 = _C12 + _C13 * r
    q0 = p01 + p23 * r2
    q1 = p45 + p67 * r2
    q2 = p89 + p1011 * r2
    q3 = p1213
    p = (q0 + q1 * r4) + (q2 + q3 * r4) * r8
    scale = bits_as_float((np.int64(k) + 1023) << 52)
    y = p * scale
    return y if x == x else x



INV_LN2 = 1.0 / np.log(2.0)
_SQRT2 = np.sqrt(2.0)
_TINY = 2.2250738585072014e-308  # smallest normal float64
_MANTISSA = np.int64(0x000FFFFFFFFFFFFF)
_ONE_BITS = np.int64(0x3FF0000000000000)


@kernel(nogil=True, error_model="numpy", fastmath={"contract"})
def fast_log2(x):
    """log2(x) within a few ulp, branch-free so that loops over it vectorise.

    x = 2^e m with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m-1)/(m+1),
    |s| <= 0.172, from its series to s^21. 0 gives -inf, x < 0 and NaN give NaN,
    inf gives inf.
    """
    small = x < _TINY
    xs = x * 4503599627370496.0 if small else x  # 2^52: subnormals become normal
    bits = float_as_bits(xs)
    e = np.float64(((bits >> 52) & 0x7FF) - 1023) - (52.0 if small else 0.0)
    m = bits_as_float((bits & _MANTISSA) | _ONE_BITS)
    big = m > _SQRT2
    m = m * 0.5 if big else m
    e = e + 1.0 if big else e
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    z2 = z * z
    z4 = z2 * z2
    z8 = z4 * z4
    q0 = (1.0 + z * (1 / 3)) + z2 * ((1 / 5) + z * (1 / 7))
    q1 = ((1 / 9) + z * (1 / 11)) + z2 * ((1 / 13) + z * (1 / 15))
    q2 = ((1 / 17) + z * (1 / 19)) + z2 * (1 / 21)
    ln_m = 2.0 * s * ((q0 + z4 * q1) + z8 * q2)
    y = e + ln_m * INV_LN2
    if x == 0.0:
        y = -np.inf
    if not (x >= 0.0):
        y = np.nan
    if x == np.inf:
        y = np.inf
    return y
