"""Sparse batch I^sx PID kernels for binary-output neurons (numba).

For a mini-batch of B samples and N neurons, every neuron has per-sample source bin
indices ``bins[:, j, :]`` and firing probabilities ``theta[:, j]``. The joint
``P(t, s) = (1/B) sum_{i: bin(i)=s} P(Y=t | i)`` is never built densely: samples are
grouped by the values they take on each source subset ("mask"), and every
probability the I^sx redundancy needs is a sum over such groups.

Only one pass over the samples groups them by their full source vector (the cells
of the joint that are occupied, G <= B of them); every smaller mask is then grouped
at the level of these G cells, and the goal gradient of a sample is that of its
cell. Work per neuron is O(B + G x antichains x inclusion-exclusion terms),
independent of K^n; scratch memory per thread is O(B K + 2^n B).

A group is found through a dense scratch table that maps a key to a compact id and
is reset after use: the key of the full vector is ``sum_k s_k K^k`` when K^n fits in
the table (B K entries), otherwise it is built source by source (``group * K +
s_k``, compacted after each source). A smaller mask U, with j its highest source and
R = U without j, uses the key ``group_R * K + s_j``.

Sample weights: with weights w_i the joint is the weighted empirical distribution
``P(t, s) = sum_{i: bin(i)=s} w_i P(Y=t | i) / sum_i w_i``, so an integer weight counts
like that many copies of the row, and dG/dtheta_i carries the factor w_i / sum_i w_i
instead of 1/B. An empty weight array means all weights 1 (bit-identical to the
unweighted sums: the weighted code adds exactly the same numbers then).
"""

from collections import namedtuple

import numpy as np

from ._fast_math import INV_LN2, fast_log2
from ._jit import kernel

#: The inclusion-exclusion terms of a lattice (``Lattice.inclusion_exclusion_terms``)
#: and ``is_support[m]``: whether mask m + 1 is the support of some antichain.
PIDTerms = namedtuple("PIDTerms", "ptr masks coefs support is_support")

#: Scratch buffers of one thread (:func:`alloc_work`), reused across its neurons.
PIDScratch = namedtuple(
    "PIDScratch",
    "table cell cell_rep key gid rep cnt tsum ngroups gu cu tu r_plus r_minus acc vec",
)


@kernel(nogil=True, error_model="numpy")
def alloc_work(n_sources, n_samples, n_bins):
    """Scratch buffers of one thread for :func:`neuron_pid` (reused across neurons)."""
    n_masks = (1 << n_sources) - 1
    size = max(n_samples, 1)
    table = np.full(max(size * n_bins, n_bins), -1, dtype=np.int64)
    cell = np.empty(size, dtype=np.int64)  # full-vector group of each sample
    cell_rep = np.empty(size, dtype=np.int64)  # a sample of each full-vector group
    key = np.empty(size, dtype=np.int64)
    gid = np.empty((n_masks, size), dtype=np.int64)  # group of each cell on each mask
    rep = np.empty((n_masks, size), dtype=np.int64)  # a cell of each group
    cnt = np.empty((n_masks, size))
    tsum = np.empty((n_masks, size))
    ngroups = np.empty(n_masks, dtype=np.int64)
    gu = np.empty((n_masks, size), dtype=np.int64)
    cu = np.empty((n_masks, size))
    tu = np.empty((n_masks, size))
    r_plus = np.empty((n_masks, size))
    r_minus = np.empty((n_masks, size))
    acc = np.empty((n_masks, size))
    vec = np.empty((7, size))  # v_a, v_b, log_p, log_m, q_p, q_m, cell gradient
    return PIDScratch(table, cell, cell_rep, key, gid, rep, cnt, tsum, ngroups, gu, cu, tu,
                      r_plus, r_minus, acc, vec)


@kernel(nogil=True, error_model="numpy")
def _compact(keys, n, scratch, ids, first):
    """ids[i] = compact id of keys[i] (in order of first appearance); returns the count.

    ``first[g]`` receives the first index with id g; the scratch table is left reset.
    """
    ng = 0
    for i in range(n):
        g = scratch[keys[i]]
        if g < 0:
            g = ng
            scratch[keys[i]] = g
            first[g] = i
            ng += 1
        ids[i] = g
    for g in range(ng):
        scratch[keys[first[g]]] = -1
    return ng


@kernel(nogil=True, error_model="numpy")
def sample_weight_at(weights, i):
    """Weight of sample i: ``weights[i]``, or 1 when ``weights`` is empty (unweighted)."""
    return 1.0 if weights.shape[0] == 0 else weights[i]


@kernel(nogil=True, error_model="numpy")
def _group(s, theta, weights, n_bins, work):
    """Group the samples into cells, then the cells by every source mask.

    Returns the number of cells G and sum(theta). Row ``n_masks - 1`` (the full mask)
    of gid/rep is the identity on cells; counts and theta sums are per group.
    """
    scratch, cell, cell_rep, key = work.table, work.cell, work.cell_rep, work.key
    gid, rep, cnt, tsum, ngroups = work.gid, work.rep, work.cnt, work.tsum, work.ngroups
    n_sources, n_samples = s.shape
    n_masks = (1 << n_sources) - 1
    full = n_masks - 1

    # Full source vector of every sample -> cell id.
    direct = True
    size = 1
    for _ in range(n_sources):
        size *= n_bins
        if size > scratch.shape[0]:
            direct = False
            break
    if direct:
        for i in range(n_samples):
            k = 0
            for src in range(n_sources - 1, -1, -1):
                k = k * n_bins + s[src, i]
            key[i] = k
        n_cells = _compact(key, n_samples, scratch, cell, cell_rep)
    else:
        for i in range(n_samples):
            key[i] = s[0, i]
        n_cells = _compact(key, n_samples, scratch, cell, cell_rep)
        for src in range(1, n_sources):
            for i in range(n_samples):
                key[i] = cell[i] * n_bins + s[src, i]
            n_cells = _compact(key, n_samples, scratch, cell, cell_rep)

    theta_sum = 0.0
    weight_sum = 0.0
    for g in range(n_cells):
        cnt[full, g] = 0.0
        tsum[full, g] = 0.0
        gid[full, g] = g
        rep[full, g] = g
    for i in range(n_samples):
        g = cell[i]
        wi = sample_weight_at(weights, i)
        cnt[full, g] += wi
        tsum[full, g] += wi * theta[i]
        theta_sum += wi * theta[i]
        weight_sum += wi
    ngroups[full] = n_cells

    # Every smaller mask, grouped at the level of the cells (a cell lies in exactly
    # one group of each mask).
    for m in range(1, n_masks):
        j = 0
        while (m >> (j + 1)) != 0:
            j += 1
        rest = m ^ (1 << j)
        row = m - 1
        for g in range(n_cells):
            i = cell_rep[g]
            key[g] = s[j, i] if rest == 0 else gid[rest - 1, g] * n_bins + s[j, i]
        ng = _compact(key, n_cells, scratch, gid[row], rep[row])
        for h in range(ng):
            cnt[row, h] = 0.0
            tsum[row, h] = 0.0
        for g in range(n_cells):
            h = gid[row, g]
            cnt[row, h] += cnt[full, g]
            tsum[row, h] += tsum[full, g]
        ngroups[row] = ng
    return n_cells, theta_sum, weight_sum


@kernel(nogil=True, error_model="numpy")
def neuron_pid(s, theta, weights, n_bins, terms, w, gamma_h, want_grad, work, i_cap_out,
               grad_out):
    """I_cap of every antichain and dG/dtheta of one neuron; returns H(T) in bits.

    Parameters
    ----------
    s : int64 array (n_sources, B)
        Bins of the neuron's sources, in [0, n_bins).
    theta : float64 array (B,)
    weights : float64 array (B,) or (0,)
        Sample weights (positive sum); empty for all ones.
    terms : PIDTerms
        The lattice's inclusion-exclusion terms.
    w : float64 array (n_atoms,)
        Goal weights on I_cap: ``G = w . I_cap + gamma_h * H(T)``.
    work : PIDScratch
        Scratch of :func:`alloc_work` for at least B samples.
    i_cap_out : float64 array (n_atoms,)
    grad_out : float64 array (B,)
        dG/dtheta per sample (left untouched when ``want_grad`` is False).
    """
    ptr, masks, coefs = terms.ptr, terms.masks, terms.coefs
    support, is_support = terms.support, terms.is_support
    cell, gid, rep, cnt, tsum = work.cell, work.gid, work.rep, work.cnt, work.tsum
    ngroups, gu, cu, tu = work.ngroups, work.gu, work.cu, work.tu
    r_plus, r_minus, acc, vec = work.r_plus, work.r_minus, work.acc, work.vec
    v_a, v_b, log_p, log_m, q_p, q_m, cell_grad = vec[0], vec[1], vec[2], vec[3], vec[4], \
        vec[5], vec[6]
    n_sources, n_samples = s.shape
    n_masks = (1 << n_sources) - 1
    n_atoms = ptr.shape[0] - 1
    n_cells, theta_sum, total_weight = _group(s, theta, weights, n_bins, work)

    p_plus = theta_sum / total_weight
    p_minus = 1.0 - p_plus

    for u in range(n_masks):
        if not is_support[u]:
            continue
        n_groups = ngroups[u]
        # Gather once per support mask the group, count and theta sum of each of its
        # sub-masks at every support group; all antichains with this support reuse
        # them in contiguous loops.
        for mk in range(n_masks):
            if ((mk + 1) & (u + 1)) != mk + 1:
                continue
            for h in range(n_groups):
                g = gid[mk, rep[u, h]]
                gu[mk, h] = g
                cu[mk, h] = cnt[mk, g]
                tu[mk, h] = tsum[mk, g]
        if want_grad:
            for h in range(n_groups):
                acc[u, h] = 0.0
        for a in range(n_atoms):
            if support[a] - 1 != u:
                continue
            # v_a = count of the union W_alpha(s), v_b = its theta sum (x B).
            v_a[:n_groups] = 0.0
            v_b[:n_groups] = 0.0
            for k in range(ptr[a], ptr[a + 1]):
                row = masks[k] - 1
                c = coefs[k]
                for h in range(n_groups):
                    v_a[h] += c * cu[row, h]
                    v_b[h] += c * tu[row, h]
            # log2 of P(t, W) / (P(t) P(W)); the 1/B factors cancel. One loop
            # without branches or sums (it vectorises), then the sum.
            for h in range(n_groups):
                p_w = v_a[h]
                p_tw = v_b[h]
                p_tw_m = p_w - p_tw
                pp = tu[u, h]
                pm = cu[u, h] - pp
                lp = fast_log2(p_tw / (p_plus * p_w))
                lm = fast_log2(p_tw_m / (p_minus * p_w))
                log_p[h] = lp if p_tw > 0.0 else -np.inf
                log_m[h] = lm if p_tw_m > 0.0 else -np.inf
                q_p[h] = pp / p_tw if pp > 0.0 else 0.0
                q_m[h] = pm / p_tw_m if pm > 0.0 else 0.0
            total = 0.0
            for h in range(n_groups):
                pp = tu[u, h]
                pm = cu[u, h] - pp
                if pp > 0.0:
                    total += pp * log_p[h]
                if pm > 0.0:
                    total += pm * log_m[h]
            i_cap_out[a] = total / total_weight

            if not want_grad or w[a] == 0.0:
                continue
            # Sum of Q over the union W_alpha(s): inclusion-exclusion over sums of Q
            # per sub-mask group; v_a / v_b now hold those sums for t = +1 / -1.
            v_a[:n_groups] = 0.0
            v_b[:n_groups] = 0.0
            for k in range(ptr[a], ptr[a + 1]):
                row = masks[k] - 1
                for g in range(ngroups[row]):
                    r_plus[row, g] = 0.0
                    r_minus[row, g] = 0.0
                for h in range(n_groups):
                    g = gu[row, h]
                    r_plus[row, g] += q_p[h]
                    r_minus[row, g] += q_m[h]
                for h in range(n_groups):
                    g = gu[row, h]
                    v_a[h] += coefs[k] * r_plus[row, g]
                    v_b[h] += coefs[k] * r_minus[row, g]
            # The -1/ln2 of dI/dP is the same for both outputs and cancels here.
            for h in range(n_groups):
                acc[u, h] += w[a] * (log_p[h] - log_m[h] + (v_a[h] - v_b[h]) * INV_LN2)

    if want_grad:
        # dG/dtheta_i depends on sample i only through its cell.
        h_term = gamma_h * (np.log2(p_minus) - np.log2(p_plus))
        for g in range(n_cells):
            total = h_term
            for m in range(n_masks):
                if is_support[m]:
                    total += acc[m, gid[m, g]]
            cell_grad[g] = total / total_weight
        for i in range(n_samples):
            wi = sample_weight_at(weights, i)
            # A zero-weight sample is outside the distribution: no gradient (its cell
            # may hold no weight at all, where the terms above are undefined).
            grad_out[i] = cell_grad[cell[i]] * wi if wi != 0.0 else 0.0

    h_t = 0.0
    if p_plus > 0.0:
        h_t -= p_plus * np.log2(p_plus)
    if p_minus > 0.0:
        h_t -= p_minus * np.log2(p_minus)
    return h_t


@kernel(nogil=True, error_model="numpy")
def batch_i_cap(bins, theta, weights, n_bins, terms, w, gamma_h, want_grad, i_cap, h_t, grad,
                lo, hi):
    """I_cap per antichain, target entropy and goal gradient of neurons lo to hi - 1.

    Parameters
    ----------
    bins : int64 array (N, n_sources, B)
        Bin index of every source of every neuron for each sample, in [0, n_bins).
    theta : float64 array (N, B)
        P(Y = +1) per neuron and sample.
    weights : float64 array (B,) or (0,)
        Sample weights, shared by all neurons; empty for all ones.
    n_bins : int
        Upper bound on every bin index.
    terms : PIDTerms
        The lattice's inclusion-exclusion terms.
    w : float64 array (n_atoms,)
        Goal weights on I_cap: ``G = w . I_cap + gamma_h * H(T)``.
    gamma_h : float
        Weight of the target entropy.
    want_grad : bool
        Compute dG/dtheta as well.
    i_cap, h_t, grad : float64 arrays (N, n_atoms), (N,), (N, B)
        Outputs: rows lo to hi - 1 are written (grad only when ``want_grad``). A
        neuron's result does not depend on lo and hi.
    """
    n_sources, n_samples = bins.shape[1], bins.shape[2]
    # Scratch buffers are allocated once per range of neurons, not per neuron.
    work = alloc_work(n_sources, n_samples, n_bins)
    for j in range(lo, hi):
        h_t[j] = neuron_pid(bins[j], theta[j], weights, n_bins, terms, w, gamma_h, want_grad,
                            work, i_cap[j], grad[j])
