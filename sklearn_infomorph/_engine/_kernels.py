"""Fused numba kernels of one training step of a layer, and blocked BLAS products.

A training step of a layer is: potentials (BLAS products, float32), one kernel over
neurons that activates, bins, evaluates the PID and its gradient and forms the
back-propagated deltas (float32) and the next samples of every neuron, then the
weight-gradient products (BLAS, float32) and one Adam kernel (float64 master
weights). Every kernel works on a range of neurons, rows or elements and releases
the GIL; ``_parallel.py`` runs the ranges on threads.

Results never depend on the number of threads: every neuron is computed from its
own column, every sum runs in a fixed order, and the +-1 samples come from a
counter-based generator (a hash of the batch seed and the (sample, neuron) index).

numba has no vectorised ``exp`` without Intel's SVML, so the activations use
:func:`fast_exp` (range reduction and a degree-13 polynomial, within 2 ulp of
``np.exp``; only floating-point contraction into FMAs is allowed, no fast-math that
would change NaN or inf semantics).
"""

import numpy as np

from ._jit import bits_as_float, kernel
from ._pid_kernels import alloc_work, neuron_pid

THETA_MIN = 1e-6
THETA_MAX = 1.0 - 1e-6

FC, FL, FCL = 0, 1, 2
KINDS = {"FC": FC, "FL": FL, "FCL": FCL}

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


@kernel(nogil=True, error_model="numpy", fastmath={"contract"})
def _sigmoid(z):
    return 1.0 / (1.0 + fast_exp(-z))


@kernel(nogil=True, error_model="numpy")
def _clamped(t):
    """theta clamped to [1e-6, 1 - 1e-6] and the factor dtheta/dz (0 where clamped)."""
    # Selects, not branches, so that loops over it vectorise.
    inside = (t >= THETA_MIN) & (t <= THETA_MAX)
    dt = t * (1.0 - t) * inside
    # + (t - t) keeps a NaN theta NaN (min/max would turn it into a bound), so that
    # overflowing potentials surface as an error instead of a confident output.
    return min(max(t, THETA_MIN), THETA_MAX) + (t - t), dt


@kernel(nogil=True, error_model="numpy", fastmath={"contract"})
def activation(fv, sv, tv, base, c1, w1, c2, w2):
    """theta = sigmoid(f (base + c1 sigmoid(w1 f s) + c2 sigmoid(w2 f t))) and d/df, d/ds, d/dt.

    Trivariate (s = C, t = L): base = 1 - c1 - c2. Bivariate ``sigmoid(f (k1 + (1 - k1)
    2 sigmoid(k2 f s)))``: base = k1, c1 = 2 (1 - k1), w1 = k2, c2 = 0.
    """
    u = _sigmoid(w1 * fv * sv)
    v = _sigmoid(w2 * fv * tv)
    du = c1 * w1 * u * (1.0 - u)
    dv = c2 * w2 * v * (1.0 - v)
    gain = base + c1 * u + c2 * v
    t, dt = _clamped(_sigmoid(fv * gain))
    return t, dt * (gain + fv * (du * sv + dv * tv)), dt * fv * du * fv, dt * fv * dv * fv


@kernel(nogil=True, error_model="numpy", fastmath={"contract"})
def activate(fv, sv, tv, consts, theta, d_f, d_s, d_t):
    """:func:`activation` over arrays: theta, d/df, d/ds, d/dt of every element.

    Split into simple loops (LLVM vectorises each of them; one loop over the whole
    formula stays scalar and is 10x slower).
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
        t, dt = _clamped(theta[i])
        theta[i] = t
        d_f[i] = dt * (gain + f * (du * sv[i] + dv * tv[i]))
        d_s[i] = dt * f * du * f
        d_t[i] = dt * f * dv * f


def activation_constants(sources, k1, k2, c1, c2, w1, w2):
    """(base, c1, w1, c2, w2) of :func:`activation` for a layer's sources."""
    if sources == "FCL":
        return 1.0 - c1 - c2, c1, w1, c2, w2
    return k1, 2.0 * (1.0 - k1), k2, 0.0, 0.0


# ------------------------------------------------------------------------ sampling
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@kernel(nogil=True, error_model="numpy")
def uniform(seed, counter):
    """A uniform number in [0, 1) from (seed, counter): splitmix64's output function."""
    z = seed + (np.uint64(counter) + np.uint64(1)) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z = z ^ (z >> np.uint64(31))
    return np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


# ------------------------------------------------------------------------ conversions
@kernel(nogil=True, error_model="numpy")
def to_float32(x, out, lo, hi):
    """out[lo:hi] = x[lo:hi] as float32."""
    for i in range(lo, hi):
        for k in range(x.shape[1]):
            out[i, k] = x[i, k]


# ------------------------------------------------------------------------ layer kernels
@kernel(nogil=True, error_model="numpy")
def _theta_column(kind, f, b_f, c, b_c, lat, b_l, has_l, j, consts, fv, sv, tv, theta,
                  d_f, d_s, d_t):
    """Potentials f, s, t (second and third source, t = 0 for two sources), theta and
    its derivatives of neuron j for every sample. s = C and t = L for FCL, s = C for
    FC, s = L for FL."""
    n = f.shape[0]
    for i in range(n):
        fv[i] = f[i, j] + b_f[j]
    if kind != FL:
        for i in range(n):
            sv[i] = c[i, j] + b_c[j]
    if kind != FC:
        lv = tv if kind == FCL else sv
        if has_l:
            for i in range(n):
                lv[i] = lat[i, j] + b_l[j]
        else:
            for i in range(n):
                lv[i] = b_l[j]
    if kind != FCL:
        for i in range(n):
            tv[i] = 0.0
    activate(fv, sv, tv, consts, theta, d_f, d_s, d_t)


@kernel(nogil=True, error_model="numpy")
def _sample_column(kind, f, b_f, c, b_c, b_l, consts, seed, j, y_out):
    n_samples, n_neurons = f.shape
    fv = np.empty(n_samples)
    cv = np.empty(n_samples)
    lv = np.empty(n_samples)
    theta = np.empty(n_samples)
    d1 = np.empty(n_samples)
    d2 = np.empty(n_samples)
    d3 = np.empty(n_samples)
    _theta_column(kind, f, b_f, c, b_c, f, b_l, False, j, consts, fv, cv, lv, theta, d1,
                  d2, d3)
    for i in range(n_samples):
        y_out[j, i] = 1.0 if uniform(seed, i * n_neurons + j) < theta[i] else -1.0


@kernel(nogil=True, error_model="numpy")
def sample_first(kind, f, b_f, c, b_c, b_l, consts, seed, y_out, lo, hi):
    """First recurrent step of neurons lo to hi - 1: lateral potential = its bias;
    +-1 samples into y_out (N, B). ``consts`` are the :func:`activation` constants."""
    for j in range(lo, hi):
        _sample_column(kind, f, b_f, c, b_c, b_l, consts, seed, j, y_out)


@kernel(nogil=True, error_model="numpy")
def _bin_fixed(v, n_bins, half_range, out):
    scale = 0.5 * n_bins / half_range
    for i in range(v.shape[0]):
        # Clamp before the cast so that huge values cannot overflow int; NaN survives
        # min/max and casts to INT64_MIN, hence the clamp below too.
        x = min(max(v[i], -half_range), half_range)
        b = int((x + half_range) * scale)
        out[i] = min(max(b, 0), n_bins - 1)


@kernel(nogil=True, error_model="numpy")
def _bin_adaptive(v, n_bins, out):
    top = 0.0
    for i in range(v.shape[0]):
        a = abs(v[i])
        if a > top:
            top = a
    scale = 0.0 if top == 0.0 else 1.0 / top
    for i in range(v.shape[0]):
        b = int((v[i] * scale + 1.0) * 0.5 * n_bins)
        out[i] = min(max(b, 0), n_bins - 1)


@kernel(nogil=True, error_model="numpy")
def neuron_chunk(
    lo, hi, kind, f, b_f, c, b_c, lat, b_l, has_l, consts,
    n_bins, fixed_bins, half_range, ptr, masks, coefs, support, is_support, w, gamma_h,
    update, seed, i_cap, h_t, delta_f, delta_c, delta_l, g_bias, y_out,
):
    """Activation, binning, PID, goal gradient, deltas and samples of neurons lo to hi - 1.

    Potentials are ``f + b_f`` (feedforward), ``c + b_c`` (context) and ``lat + b_l``
    (lateral, ``b_l`` alone when ``has_l`` is False), all (B, N). Writes per neuron j:
    ``i_cap[j]``, ``h_t[j]``, the +-1 samples ``y_out[j]`` and, when ``update``,
    the deltas ``-dG/dtheta * dtheta/dpotential`` of each source into ``delta_*[j]``
    (float32, (N, B): each thread writes whole rows, no cache line is shared between
    threads; the weight gradients are products with them) and their sums over
    samples (bias gradients) into ``g_bias[source, j]``. A neuron's results do
    not depend on lo and hi (scratch buffers are reused across the neurons).
    """
    n_samples, n_neurons = f.shape
    n_sources = 3 if kind == FCL else 2
    work = alloc_work(n_sources, n_samples, n_bins)
    fv = np.empty(n_samples)
    cv = np.empty(n_samples)
    lv = np.empty(n_samples)
    theta = np.empty(n_samples)
    d1 = np.empty(n_samples)
    d2 = np.empty(n_samples)
    d3 = np.empty(n_samples)
    grad = np.zeros(n_samples)
    bins = np.empty((n_sources, n_samples), dtype=np.int64)
    for j in range(lo, hi):
        _theta_column(kind, f, b_f, c, b_c, lat, b_l, has_l, j, consts, fv, cv, lv, theta,
                      d1, d2, d3)
        for k in range(n_sources):
            v = fv if k == 0 else (cv if k == 1 else lv)
            if fixed_bins:
                _bin_fixed(v, n_bins, half_range, bins[k])
            else:
                _bin_adaptive(v, n_bins, bins[k])
        h_t[j] = neuron_pid(bins, theta, n_bins, ptr, masks, coefs, support, is_support,
                            w, gamma_h, update, work, i_cap[j], grad)
        if update:
            s1 = 0.0
            s2 = 0.0
            s3 = 0.0
            for i in range(n_samples):
                a = -grad[i] * d1[i]
                b = -grad[i] * d2[i]
                delta_f[j, i] = a
                s1 += a
                s2 += b
                if kind == FL:
                    delta_l[j, i] = b
                else:
                    delta_c[j, i] = b
                if kind == FCL:
                    e = -grad[i] * d3[i]
                    delta_l[j, i] = e
                    s3 += e
            g_bias[0, j] = s1
            g_bias[1, j] = s2
            g_bias[2, j] = s3
        for i in range(n_samples):
            y_out[j, i] = 1.0 if uniform(seed, i * n_neurons + j) < theta[i] else -1.0


@kernel(nogil=True, error_model="numpy")
def expected_theta(kind, f, b_f, c, b_c, lat, b_l, has_l, consts, out, lo, hi):
    """Firing probabilities (no sampling) of rows lo to hi - 1 into out (B, N).

    Arguments as in :func:`neuron_chunk`; ``c`` is only read for a C source.
    """
    n_neurons = f.shape[1]
    fv = np.empty(n_neurons)
    sv = np.zeros(n_neurons)
    tv = np.zeros(n_neurons)
    theta = np.empty(n_neurons)
    d1 = np.empty(n_neurons)
    d2 = np.empty(n_neurons)
    d3 = np.empty(n_neurons)
    for i in range(lo, hi):
        for j in range(n_neurons):
            fv[j] = f[i, j] + b_f[j]
            lv = (lat[i, j] + b_l[j]) if has_l else b_l[j]
            if kind == FCL:
                sv[j] = c[i, j] + b_c[j]
                tv[j] = lv
            elif kind == FC:
                sv[j] = c[i, j] + b_c[j]
            else:
                sv[j] = lv
        activate(fv, sv, tv, consts, theta, d1, d2, d3)
        for j in range(n_neurons):
            out[i, j] = theta[j]


# ------------------------------------------------------------------------ optimiser
@kernel(nogil=True, error_model="numpy")
def adam_update(p, g, m, v, mask, lr, weight_decay, b1, b2, corr1, corr2, eps, lo, hi):
    """Adam step with L2 decay on elements lo to hi - 1 of flat float64 arrays; g
    (float32 or float64) is multiplied by mask if given (one branch-free loop each)."""
    if mask.shape[0] == p.shape[0]:
        for k in range(lo, hi):
            _adam_element(p, np.float64(g[k]) * mask[k], m, v, k, lr, weight_decay, b1, b2,
                          corr1, corr2, eps)
    else:
        for k in range(lo, hi):
            _adam_element(p, np.float64(g[k]), m, v, k, lr, weight_decay, b1, b2, corr1,
                          corr2, eps)


@kernel(nogil=True, error_model="numpy")
def _adam_element(p, gk, m, v, k, lr, weight_decay, b1, b2, corr1, corr2, eps):
    gk += weight_decay * p[k]
    mk = b1 * m[k] + (1.0 - b1) * gk
    vk = b2 * v[k] + (1.0 - b2) * gk * gk
    m[k] = mk
    v[k] = vk
    p[k] -= lr * (mk / corr1) / (np.sqrt(vk / corr2) + eps)
