"""Fused numba kernels of one training step of a layer, and of prediction.

A training step of a layer is: potentials (BLAS products, float32), one kernel over
neurons that activates, bins, evaluates the PID and its gradient and forms the
back-propagated deltas (float32) and the next samples of every neuron, then the
weight-gradient products (BLAS, float32) and one Adam kernel (float64 master
weights, ``_adam.py``). Every kernel works on a range of neurons or rows and
releases the GIL; ``_thread_pool.py`` runs the ranges on threads.

Results never depend on the number of threads: every neuron is computed from its
own column, every sum runs in a fixed order, and the +-1 samples come from a
counter-based generator (a hash of the batch seed and the (sample, neuron) index).
"""

from collections import namedtuple

import numpy as np

from ._activation import activate
from ._binning import bin_adaptive, bin_fixed
from ._jit import kernel
from ._kinds import CONTEXT, LATERAL, NO_SOURCE
from ._pid_kernels import alloc_work, neuron_pid
from ._random import uniform

#: A layer's potentials on a batch, all (B, N): ``f + b_f`` (feedforward), ``c + b_c``
#: (context; ``c`` only read with a C source) and ``lat + b_l`` (lateral; ``b_l``
#: alone when ``has_l`` is False). ``slot_s`` and ``slot_t`` say which of them fill
#: the activation's second and third slots: ``_kinds.CONTEXT``, ``LATERAL`` or
#: ``NO_SOURCE`` (zero), from the layer's kind (``NeuronKind.slot_codes``).
Potentials = namedtuple("Potentials", "slot_s slot_t f b_f c b_c lat b_l has_l")

#: Binning of every source potential: ``n_bins`` bins, fixed on [-half_range,
#: half_range] or adaptive (see ``_binning``).
BinningArgs = namedtuple("BinningArgs", "n_bins fixed half_range")

#: What one training step writes per neuron j (row j of each array): ``i_cap`` and
#: ``h_t`` (PID), the deltas ``-dG/dtheta * dtheta/dpotential`` of each activation
#: slot k ``delta[k]`` (float32, (n_slots, N, B)), their sums over samples
#: ``g_bias[k]`` (bias gradients), the +-1 samples ``y_out`` and the firing
#: probabilities ``theta`` (N, B; (1, 1) to skip them).
StepOutputs = namedtuple("StepOutputs", "i_cap h_t delta g_bias y_out theta")


@kernel(nogil=True, error_model="numpy")
def _slot_column(pot, code, j, out):
    """The potentials of neuron j that fill an activation slot (``code``) into out."""
    n = out.shape[0]
    if code == CONTEXT:
        for i in range(n):
            out[i] = pot.c[i, j] + pot.b_c[j]
    elif code == LATERAL and pot.has_l:
        for i in range(n):
            out[i] = pot.lat[i, j] + pot.b_l[j]
    elif code == LATERAL:
        for i in range(n):
            out[i] = pot.b_l[j]
    else:
        for i in range(n):
            out[i] = 0.0


@kernel(nogil=True, error_model="numpy")
def _slot_value(pot, code, i, j):
    """One element of what :func:`_slot_column` writes."""
    if code == CONTEXT:
        return pot.c[i, j] + pot.b_c[j]
    if code == LATERAL:
        return (pot.lat[i, j] + pot.b_l[j]) if pot.has_l else pot.b_l[j]
    return 0.0


#: Scratch columns of one neuron over the samples (or of one sample over the
#: neurons): the potentials filling the activation's slots f, s, t, theta and its
#: derivatives with respect to each slot's potential.
Column = namedtuple("Column", "f s t theta d_f d_s d_t")


@kernel(nogil=True, error_model="numpy")
def column_scratch(n):
    """A :data:`Column` of n elements (allocated once per kernel call, reused)."""
    return Column(np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n),
                  np.empty(n), np.empty(n))


@kernel(nogil=True, error_model="numpy")
def theta_column(pot, j, consts, col):
    """Potentials f, s, t of neuron j for every sample (s and t as the kind's slots
    say, zero when unused), theta and its derivatives, into the :data:`Column` col."""
    f, b_f = pot.f, pot.b_f
    for i in range(f.shape[0]):
        col.f[i] = f[i, j] + b_f[j]
    _slot_column(pot, pot.slot_s, j, col.s)
    _slot_column(pot, pot.slot_t, j, col.t)
    activate(col.f, col.s, col.t, consts, col.theta, col.d_f, col.d_s, col.d_t)


@kernel(nogil=True, error_model="numpy")
def bin_sources(col, n_sources, binning, bins):
    """The bins (n_sources, B) of the first ``n_sources`` slot potentials of col."""
    for k in range(n_sources):
        v = col.f if k == 0 else (col.s if k == 1 else col.t)
        if binning.fixed:
            bin_fixed(v, binning.n_bins, binning.half_range, bins[k])
        else:
            bin_adaptive(v, binning.n_bins, bins[k])


@kernel(nogil=True, error_model="numpy")
def neuron_chunk(lo, hi, pot, consts, binning, terms, w, gamma_h, with_pid, update, seed, out,
                 weights):
    """Activation, binning, PID, goal gradient, deltas and samples of neurons lo to hi - 1.

    ``pot``: :data:`Potentials`; ``binning``: :data:`BinningArgs`; ``terms`` and ``w``:
    the lattice's inclusion-exclusion terms and the goal weights on I_cap (see
    ``_pid_kernels.neuron_pid``); ``out``: :data:`StepOutputs`, the deltas written only
    when ``update``, the firing probabilities only when ``out.theta`` has shape
    (N, B) (pass (1, 1) to skip). Each thread writes whole rows of the (N, B) outputs, so no
    cache line is shared between threads, and a neuron's results do not depend on lo
    and hi (scratch buffers are reused across the neurons). ``weights`` (B,) are the
    sample weights of the PID (empty: all ones).

    Without ``with_pid`` only the +-1 samples are drawn (``out.y_out``; the other
    outputs may be dummies): the first recurrent step of a layer with a lateral
    source, whose lateral potential is then its bias (``pot.has_l`` False). One
    kernel for both steps: compiling a second one that inlines the activation again
    cost about 2 s of a cold first fit.
    """
    n_samples, n_neurons = pot.f.shape
    n_sources = 2 if pot.slot_t == NO_SOURCE else 3
    n_bins = binning.n_bins
    work = alloc_work(n_sources, n_samples if with_pid else 0, n_bins)
    col = column_scratch(n_samples)
    theta, d1, d2, d3 = col.theta, col.d_f, col.d_s, col.d_t
    grad = np.zeros(n_samples)
    bins = np.empty((n_sources, n_samples), dtype=np.int64)
    delta, g_bias = out.delta, out.g_bias
    keep_theta = out.theta.shape[0] == n_neurons and out.theta.shape[1] == n_samples
    for j in range(lo, hi):
        theta_column(pot, j, consts, col)
        if with_pid:
            bin_sources(col, n_sources, binning, bins)
            out.h_t[j] = neuron_pid(bins, theta, weights, n_bins, terms, w, gamma_h, update,
                                    work, out.i_cap[j], grad)
        if with_pid and update:
            s1 = 0.0
            s2 = 0.0
            s3 = 0.0
            for i in range(n_samples):
                a = -grad[i] * d1[i]
                b = -grad[i] * d2[i]
                delta[0, j, i] = a
                delta[1, j, i] = b
                s1 += a
                s2 += b
                if n_sources == 3:
                    e = -grad[i] * d3[i]
                    delta[2, j, i] = e
                    s3 += e
            g_bias[0, j] = s1
            g_bias[1, j] = s2
            g_bias[2, j] = s3
        for i in range(n_samples):
            out.y_out[j, i] = 1.0 if uniform(seed, i * n_neurons + j) < theta[i] else -1.0
        if keep_theta:
            for i in range(n_samples):
                out.theta[j, i] = theta[i]


@kernel(nogil=True, error_model="numpy")
def expected_theta(pot, consts, out, lo, hi):
    """Firing probabilities (no sampling) of rows lo to hi - 1 into out (B, N).

    ``pot`` as in :func:`neuron_chunk`; ``c`` is only read for a C source.
    """
    f, b_f = pot.f, pot.b_f
    n_neurons = f.shape[1]
    row = column_scratch(n_neurons)
    for i in range(lo, hi):
        for j in range(n_neurons):
            row.f[j] = f[i, j] + b_f[j]
            row.s[j] = _slot_value(pot, pot.slot_s, i, j)
            row.t[j] = _slot_value(pot, pot.slot_t, i, j)
        activate(row.f, row.s, row.t, consts, row.theta, row.d_f, row.d_s, row.d_t)
        for j in range(n_neurons):
            out[i, j] = row.theta[j]



@kernel(nogil=True, error_model="numpy")
def lateral_potentials(y_t, w_partners, indptr, senders, lat_t, lo, hi):
    """Lateral potentials of receivers lo to hi - 1 from their partners alone.

    ``lat_t[j, i] = sum_q w_partners[q] y_t[senders[q], i]`` over q in
    ``indptr[j]:indptr[j + 1]`` (senders ascending), summed in that order in float32;
    ``y_t`` (N, B), ``w_partners`` the weights W_L[senders[q], j] (float32), ``lat_t`` (N, B).
    """
    n_samples = y_t.shape[1]
    for j in range(lo, hi):
        row = lat_t[j]
        for i in range(n_samples):
            row[i] = 0.0
        for q in range(indptr[j], indptr[j + 1]):
            w = w_partners[q]
            ys = y_t[senders[q]]
            for i in range(n_samples):
                row[i] += ys[i] * w


@kernel(nogil=True, error_model="numpy")
def lateral_gradient(y_t, delta, indptr, senders, grad, lo, hi):
    """Gradient of W_L at the partners of receivers lo to hi - 1 (others untouched).

    ``grad[senders[q], j] = sum_i y_t[senders[q], i] delta[j, i]`` in float32, in a
    fixed order that vectorises: the products, then halving (element i plus element
    i + n/2) while the length is even, then the rest in order.
    """
    n_samples = y_t.shape[1]
    tmp = np.empty(n_samples, dtype=np.float32)
    for j in range(lo, hi):
        d = delta[j]
        for q in range(indptr[j], indptr[j + 1]):
            s = senders[q]
            ys = y_t[s]
            for i in range(n_samples):
                tmp[i] = ys[i] * d[i]
            n = n_samples
            while n > 1 and n % 2 == 0:
                half = n // 2
                for i in range(half):
                    tmp[i] = tmp[i] + tmp[i + half]
                n = half
            total = np.float32(0.0)
            for i in range(n):
                total += tmp[i]
            grad[s, j] = total
