"""Sparse batch I^sx PID kernels for binary-output neurons (numba).

For a mini-batch of B samples and N neurons, every neuron has per-sample source bin
indices ``bins[:, j, :]`` and firing probabilities ``theta[:, j]``. The joint
``P(t, s) = (1/B) sum_{i: bin(i)=s} P(Y=t | i)`` is never built densely: samples are
grouped by the values they take on each source subset ("mask"), and every
probability the I^sx redundancy needs is a sum over such groups. Work per neuron is
O(B x antichains x inclusion-exclusion terms), independent of K^n; scratch memory per
thread is O(B K + 2^n B).

The group of a sample on mask U is found incrementally: with j the highest source in
U and R = U without j, the key ``group_R * K + bin_j`` is mapped to a compact id
through a dense scratch table of B*K entries that is reset after use.
"""

import numpy as np
from numba import njit, prange

_INV_LN2 = 1.0 / np.log(2.0)


@njit(cache=True)
def _group_samples(s, theta, n_bins, scratch, gid, rep, cnt, tsum, ngroups):
    """Group the samples of one neuron by their values on every source mask."""
    n_sources, n_samples = s.shape
    n_masks = (1 << n_sources) - 1
    for m in range(1, n_masks + 1):
        j = 0
        while (m >> (j + 1)) != 0:
            j += 1
        rest = m ^ (1 << j)
        row = m - 1
        ng = 0
        for i in range(n_samples):
            key = s[j, i] if rest == 0 else gid[rest - 1, i] * n_bins + s[j, i]
            g = scratch[key]
            if g < 0:
                g = ng
                scratch[key] = g
                rep[row, g] = i
                cnt[row, g] = 0.0
                tsum[row, g] = 0.0
                ng += 1
            gid[row, i] = g
            cnt[row, g] += 1.0
            tsum[row, g] += theta[i]
        ngroups[row] = ng
        for g in range(ng):
            i = rep[row, g]
            key = s[j, i] if rest == 0 else gid[rest - 1, i] * n_bins + s[j, i]
            scratch[key] = -1


@njit(cache=True)
def _neuron_pid(
    s, theta, n_bins, ptr, masks, coefs, support, is_support, w, gamma_h, want_grad,
    scratch, gid, rep, cnt, tsum, ngroups, gu, cu, tu, r_plus, r_minus, acc,
    v_a, v_b, log_p, log_m, q_p, q_m, i_cap_out, grad_out,
):
    """I_cap of every antichain and dG/dtheta for one neuron (see module doc)."""
    n_sources, n_samples = s.shape
    n_masks = (1 << n_sources) - 1
    n_atoms = ptr.shape[0] - 1
    _group_samples(s, theta, n_bins, scratch, gid, rep, cnt, tsum, ngroups)

    p_plus = 0.0
    for i in range(n_samples):
        p_plus += theta[i]
    p_plus /= n_samples
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
            for h in range(n_groups):
                v_a[h] = 0.0
                v_b[h] = 0.0
            for k in range(ptr[a], ptr[a + 1]):
                row = masks[k] - 1
                c = coefs[k]
                for h in range(n_groups):
                    v_a[h] += c * cu[row, h]
                    v_b[h] += c * tu[row, h]
            total = 0.0
            for h in range(n_groups):
                p_w = v_a[h]
                p_tw = v_b[h]
                p_tw_m = p_w - p_tw
                pp = tu[u, h]
                pm = cu[u, h] - pp
                # log2 of P(t, W) / (P(t) P(W)); the 1/B factors cancel.
                lp = np.log2(p_tw / (p_plus * p_w)) if p_tw > 0.0 else -np.inf
                lm = np.log2(p_tw_m / (p_minus * p_w)) if p_tw_m > 0.0 else -np.inf
                if pp > 0.0:
                    total += pp * lp
                if pm > 0.0:
                    total += pm * lm
                log_p[h] = lp
                log_m[h] = lm
                q_p[h] = pp / p_tw if pp > 0.0 else 0.0
                q_m[h] = pm / p_tw_m if pm > 0.0 else 0.0
            i_cap_out[a] = total / n_samples

            if not want_grad or w[a] == 0.0:
                continue
            # Sum of Q over the union W_alpha(s): inclusion-exclusion over sums of Q
            # per sub-mask group; v_a / v_b now hold those sums for t = +1 / -1.
            for h in range(n_groups):
                v_a[h] = 0.0
                v_b[h] = 0.0
            for k in range(ptr[a], ptr[a + 1]):
                row = masks[k] - 1
                c = coefs[k]
                for g in range(ngroups[row]):
                    r_plus[row, g] = 0.0
                    r_minus[row, g] = 0.0
                for h in range(n_groups):
                    g = gu[row, h]
                    r_plus[row, g] += q_p[h]
                    r_minus[row, g] += q_m[h]
                for h in range(n_groups):
                    g = gu[row, h]
                    v_a[h] += c * r_plus[row, g]
                    v_b[h] += c * r_minus[row, g]
            # The -1/ln2 of dI/dP is the same for both outputs and cancels here.
            for h in range(n_groups):
                acc[u, h] += w[a] * (log_p[h] - log_m[h] + (v_a[h] - v_b[h]) * _INV_LN2)

    if want_grad:
        h_term = gamma_h * (np.log2(p_minus) - np.log2(p_plus))
        for i in range(n_samples):
            total = h_term
            for m in range(n_masks):
                if is_support[m]:
                    total += acc[m, gid[m, i]]
            grad_out[i] = total / n_samples

    h_t = 0.0
    if p_plus > 0.0:
        h_t -= p_plus * np.log2(p_plus)
    if p_minus > 0.0:
        h_t -= p_minus * np.log2(p_minus)
    return h_t


@njit(cache=True, parallel=True)
def batch_i_cap(
    bins, theta, n_bins, ptr, masks, coefs, support, is_support, w, gamma_h, want_grad,
    n_chunks,
):
    """I_cap per antichain, target entropy and goal gradient for N neurons.

    Parameters
    ----------
    bins : int64 array (N, n_sources, B)
        Bin index of every source of every neuron for each sample, in [0, n_bins).
    theta : float64 array (N, B)
        P(Y = +1) per neuron and sample.
    n_bins : int
        Upper bound on every bin index.
    ptr, masks, coefs, support : arrays
        Inclusion-exclusion terms of the lattice (``Lattice.inclusion_exclusion_terms``).
    is_support : bool array (2**n_sources - 1,)
        Whether mask ``m + 1`` is the support of some antichain.
    w : float64 array (n_atoms,)
        Goal weights on I_cap: ``G = w . I_cap + gamma_h * H(T)``.
    gamma_h : float
        Weight of the target entropy.
    want_grad : bool
        Compute dG/dtheta as well.
    n_chunks : int
        Number of neuron chunks run in parallel (the numba thread count).

    Returns
    -------
    i_cap : float64 array (N, n_atoms)
    h_t : float64 array (N,)
    grad : float64 array (N, B)
        dG/dtheta per neuron and sample (zeros when ``want_grad`` is False).
    """
    n_neurons, n_sources, n_samples = bins.shape
    n_masks = (1 << n_sources) - 1
    n_atoms = ptr.shape[0] - 1
    i_cap = np.zeros((n_neurons, n_atoms))
    h_t = np.zeros(n_neurons)
    grad = np.zeros((n_neurons, n_samples))
    n_chunks = max(1, min(n_neurons, n_chunks))
    for c in prange(n_chunks):
        # Scratch buffers are allocated once per chunk of neurons, not per neuron.
        scratch = np.full(n_samples * n_bins, -1, dtype=np.int64)
        gid = np.empty((n_masks, n_samples), dtype=np.int64)
        rep = np.empty((n_masks, n_samples), dtype=np.int64)
        cnt = np.empty((n_masks, n_samples))
        tsum = np.empty((n_masks, n_samples))
        ngroups = np.empty(n_masks, dtype=np.int64)
        gu = np.empty((n_masks, n_samples), dtype=np.int64)
        cu = np.empty((n_masks, n_samples))
        tu = np.empty((n_masks, n_samples))
        v_a = np.empty(n_samples)
        v_b = np.empty(n_samples)
        r_plus = np.empty((n_masks, n_samples))
        r_minus = np.empty((n_masks, n_samples))
        acc = np.empty((n_masks, n_samples))
        log_p = np.empty(n_samples)
        log_m = np.empty(n_samples)
        q_p = np.empty(n_samples)
        q_m = np.empty(n_samples)
        for j in range(c, n_neurons, n_chunks):
            h_t[j] = _neuron_pid(
                bins[j], theta[j], n_bins, ptr, masks, coefs, support, is_support, w, gamma_h,
                want_grad, scratch, gid, rep, cnt, tsum, ngroups, gu, cu, tu, r_plus,
                r_minus, acc, v_a, v_b, log_p, log_m, q_p, q_m, i_cap[j], grad[j],
            )
    return i_cap, h_t, grad
