"""The infomorphic activation functions and their derivatives (numba).

theta = sigmoid(f (base + c1 sigmoid(w1 f s) + c2 sigmoid(w2 f t))), clamped to
[THETA_MIN, THETA_MAX] so that no probability of the PID is exactly 0 or 1: the
trivariate form of Schneider et al. (ICLR 2025) with s = C and t = L, and the
bivariate form of Makkeh et al. (PNAS 2025) as a special case (each neuron kind's
``constants`` in ``_kinds.py``).
"""

from ._fast_math import fast_exp
from ._jit import kernel

THETA_MIN = 1e-6
THETA_MAX = 1.0 - 1e-6


@kernel(nogil=True, error_model="numpy", fastmath={"contract"})
def _sigmoid(z):
    return 1.0 / (1.0 + fast_exp(-z))


@kernel(nogil=True, error_model="numpy")
def clamp_theta(t):
    """theta clamped to [1e-6, 1 - 1e-6] and the factor dtheta/dz (0 where clamped)."""
    # Selects, not branches, so that loops over it vectorise.
    inside = (t >= THETA_MIN) & (t <= THETA_MAX)
    dt = t * (1.0 - t) * inside
    # + (t - t) keeps a NaN theta NaN (min/max would turn it into a bound), so that
    # overflowing potentials surface as an error instead of a confident output.
    return min(max(t, THETA_MIN), THETA_MAX) + (t - t), dt


@kernel(nogil=True, error_model="numpy", fastmath={"contract"})
def activate(fv, sv, tv, consts, theta, d_f, d_s, d_t):
    """theta = sigmoid(f (base + c1 sigmoid(w1 f s) + c2 sigmoid(w2 f t))), d/df, d/ds,
    d/dt of every element; ``consts`` = (base, c1, w1, c2, w2).

    Split into simple loops: LLVM vectorises each of them, while one loop over the
    whole formula stays scalar.
    """
    base, c1, w1, c2, w2 = consts
    n = fv.shape[0]
    for i in range(n):
        d_s[i] = _sigmoid(w1 * fv[i] * sv[i])
    if c2 != 0.0:
        for i in range(n):
            d_t[i] = _sigmoid(w2 * fv[i] * tv[i])
    else:
        for i in range(n):
            d_t[i] = 0.5
    for i in range(n):
        theta[i] = _sigmoid(fv[i] * (base + c1 * d_s[i] + c2 * d_t[i]))
    for i in range(n):
        u = d_s[i]
        v = d_t[i]
        f = fv[i]
        du = c1 * w1 * u * (1.0 - u)
        dv = c2 * w2 * v * (1.0 - v)
        gain = base + c1 * u + c2 * v
        t, dt = clamp_theta(theta[i])
        theta[i] = t
        d_f[i] = dt * (gain + f * (du * sv[i] + dv * tv[i]))
        d_s[i] = dt * f * du * f
        d_t[i] = dt * f * dv * f
