"""Bias correction and bootstrap intervals for I^sx atoms estimated from samples.

The plug-in estimate of an atom is the atom of the table of relative frequencies. It
is biased upwards when the table's cells hold few samples (mostly in the synergy,
which only the sparsely filled joint cells can show). Every atom and every column
of the PID is linear in the I_cap values (the atoms through the Moebius matrix), so a
bias estimate of the I_cap values is one of every column: the functions here
estimate the bias of all columns at once by simulating tables and evaluating the
same plug-in functional on each.

Corrections (``correction=``), each a bias estimate ``b`` with corrected value
``estimate - b``:

``"eb"`` (empirical-Bayes simulation, the default for samples)
    Estimate ``P(T | sources)`` smoothly (below), call the table of the observed
    source frequencies times that conditional the reference, and simulate from it:
    ``b`` is the sum of two parts, (1) the mean plug-in value of tables whose
    targets are redrawn for the observed source values, minus the reference
    value, and (2) the mean value of tables whose source frequencies are
    resampled (multinomial) with the smoothed conditional kept, minus the
    reference value. The smoothing is a Dirichlet prior per joint source cell,
    whose mean is the maximum-entropy conditional reproducing the single-source
    conditionals (each itself shrunk towards ``P(T)`` the same way; iterative
    proportional fitting), and whose strength maximises the Dirichlet-multinomial
    marginal likelihood of the observed counts (empirical Bayes). A target
    independent of the sources gets a strong prior (the simulation then acts like
    a permutation test); a strongly dependent one keeps the observed conditionals.
``"shuffle"``
    ``b`` is the mean plug-in value over random permutations of the target
    against the sources: the bias under independence. Exact for independent data,
    too large (a conservative correction) when the target depends on the sources.
``"bootstrap"``
    ``b`` is the mean over bootstrap resamples minus the estimate (Efron's bias
    estimate). Captures first-order bias only: far too small when cells hold
    about one sample each.
``"none"``
    ``b = 0``; intervals only.

Intervals are percentile bootstrap intervals (resampling the samples) moved by the
same shift as the point estimate: ``lower = q_lo + corrected - mean`` where ``q_lo``
and ``mean`` are a quantile and the mean of the bootstrap values.
"""

import numpy as np
import pandas as pd
from scipy.special import gammaln
from sklearn.utils import check_random_state

from ._pid_table import pid_columns, table_i_cap

CORRECTIONS = ("eb", "shuffle", "bootstrap", "none")
FRAME_COLUMNS = ["estimate", "bias", "corrected", "std", "lower", "upper"]

# Dirichlet strengths tried by the empirical-Bayes fit (log-spaced, 1e-2 to 1e5).
_STRENGTHS = np.logspace(-2, 5, 71)
# Tables evaluated at once: bounds the temporaries to about 8 * 4e6 bytes per array.
_CELLS_PER_CHUNK = 4_000_000
_IPF_SWEEPS = 20


def check_estimation_params(correction, n_boot, confidence_level):
    """Clear errors for the estimation parameters shared by the public functions."""
    if correction not in CORRECTIONS:
        raise ValueError(
            f"correction must be one of {list(CORRECTIONS)}, got {correction!r}."
        )
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 10:
        raise ValueError(
            f"n_boot must be an integer >= 10 (the number of resamples; 200 or more for "
            f"95 % intervals), got {n_boot!r}."
        )
    if not (isinstance(confidence_level, (float, int, np.floating))
            and 0 < confidence_level < 1):
        raise ValueError(
            f"confidence_level must be a number in (0, 1), e.g. 0.95; got "
            f"{confidence_level!r}."
        )


def generator(random_state):
    """A numpy Generator from a scikit-learn ``random_state``."""
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed)


def table_columns(tables, lattice):
    """PID columns (atoms, H_res, H_T, MI...) of a stack of probability tables.

    Parameters
    ----------
    tables : ndarray of shape (n_tables, n_t, n_1, ..., n_n)
    lattice : Lattice

    Returns
    -------
    values : ndarray of shape (n_tables, n_columns)
    names : list of str
    """
    size = max(1, int(np.prod(tables.shape[1:])))
    step = max(1, _CELLS_PER_CHUNK // size)
    parts = []
    for lo in range(0, tables.shape[0], step):
        i_cap, h_t = table_i_cap(tables[lo:lo + step], lattice)
        atoms = i_cap @ lattice.moebius.T
        values, names = pid_columns(atoms, h_t - i_cap[:, lattice.top], lattice)
        parts.append(values)
    return np.vstack(parts), names


def _dirichlet_posterior(k, prior_mean):
    """Posterior mean of a Dirichlet-multinomial per row, strength by empirical Bayes.

    Parameters
    ----------
    k : ndarray of shape (n_cells, n_t)
        Target counts per cell.
    prior_mean : ndarray of shape (n_cells, n_t)
        Prior mean of ``P(T | cell)`` (rows sum to 1, entries > 0).

    Returns
    -------
    posterior_mean : ndarray of shape (n_cells, n_t)
    strength : float
        The strength ``a`` maximising the marginal likelihood of the counts.
    """
    n = k.sum(axis=1)
    occupied = n > 0
    k_o, n_o, m_o = k[occupied], n[occupied], prior_mean[occupied]
    a = _STRENGTHS[:, None, None]
    alpha = a * m_o[None]
    # log P(k | a m) up to terms free of a, summed over the cells, for every a.
    loglik = (gammaln(a[:, :, 0]) - gammaln(n_o[None] + a[:, :, 0])).sum(axis=1) + (
        gammaln(k_o[None] + alpha) - gammaln(alpha)
    ).sum(axis=(1, 2))
    strength = float(_STRENGTHS[int(np.argmax(loglik))])
    return (k + strength * prior_mean) / (n[:, None] + strength), strength


def smoothed_conditional(counts):
    """Empirical-Bayes estimate of ``P(T | s)`` per joint source cell.

    Parameters
    ----------
    counts : ndarray of shape (n_t, n_1, ..., n_n)

    Returns
    -------
    q : ndarray of shape (n_cells, n_t)
        One row per joint source cell (C order of the source axes).
    """
    n_t = counts.shape[0]
    shape = counts.shape[1:]
    p_t = counts.reshape(n_t, -1).sum(axis=1)
    p_t = p_t / p_t.sum()
    # Targets that never occur get a tiny prior mass so that the Dirichlet is proper;
    # their simulated counts stay (almost surely) zero.
    p_t = np.maximum(p_t, 1e-12)
    p_t = p_t / p_t.sum()
    # Prior mean: the maximum-entropy conditional that reproduces the smoothed
    # single-source tables p(t, s_i) (iterative proportional fitting from P(T)).
    p_s = counts.sum(axis=0)
    p_s = p_s / p_s.sum()
    targets = []
    for i, size in enumerate(shape):
        others = tuple(1 + j for j in range(len(shape)) if j != i)
        k_i = counts.sum(axis=others).T  # (n_i, n_t)
        q_i, _ = _dirichlet_posterior(k_i, np.broadcast_to(p_t, k_i.shape))
        targets.append(q_i)
    mean = np.broadcast_to(p_t, shape + (n_t,)).copy()
    for _ in range(_IPF_SWEEPS):
        for i, q_i in enumerate(targets):
            others = tuple(j for j in range(len(shape)) if j != i)
            joint = (p_s[..., None] * mean).sum(axis=others)  # (n_i, n_t)
            marg = joint.sum(axis=1, keepdims=True)
            current = np.divide(joint, marg, out=np.broadcast_to(p_t, joint.shape).copy(),
                                where=marg > 0)
            view = [1] * len(shape) + [n_t]
            view[i] = shape[i]
            mean = mean * (q_i / np.maximum(current, 1e-300)).reshape(view)
            mean = mean / mean.sum(axis=-1, keepdims=True)
    mean = mean.reshape(-1, n_t)
    q, _ = _dirichlet_posterior(counts.reshape(n_t, -1).T, mean)
    return q


def _eb_bias(counts, lattice, n_sim, rng):
    n_t = counts.shape[0]
    n_cell = np.rint(counts).astype(np.int64).reshape(n_t, -1).sum(axis=0)
    q = smoothed_conditional(counts)
    total = n_cell.sum()
    reference = (n_cell[:, None] * q / total).T.reshape((1,) + counts.shape)
    ref_values, _ = table_columns(reference, lattice)
    # Targets redrawn for the observed source values (n_sim, n_cells, n_t).
    sims = rng.multinomial(n_cell, q, size=(n_sim, n_cell.shape[0]))
    sims = np.moveaxis(sims, 2, 1).reshape((n_sim,) + counts.shape) / total
    values, _ = table_columns(sims, lattice)
    target_part = values.mean(axis=0) - ref_values[0]
    # Source values resampled with the smoothed conditional fixed: the part of the
    # bias that comes from the sampled sources themselves (e.g. a chance dependence
    # of two sources in the sample makes an irrelevant source look informative).
    p_s = rng.multinomial(total, n_cell / total, size=n_sim) / total
    tables = np.moveaxis(p_s[:, :, None] * q[None], 2, 1).reshape((n_sim,) + counts.shape)
    values, _ = table_columns(tables, lattice)
    return target_part + values.mean(axis=0) - ref_values[0]


def _shuffle_tables(counts, n_sim, rng):
    """Tables of the target permuted against the sources (same margins)."""
    n_t = counts.shape[0]
    flat = np.rint(counts).astype(np.int64).reshape(n_t, -1)
    n_cells = flat.shape[1]
    cell_of_row = np.repeat(np.arange(n_cells), flat.sum(axis=0))
    targets = np.repeat(np.arange(n_t), flat.sum(axis=1))
    tables = np.empty((n_sim, n_t * n_cells))
    for r in range(n_sim):
        tables[r] = np.bincount(
            rng.permutation(targets) * n_cells + cell_of_row, minlength=n_t * n_cells
        )
    return tables.reshape((n_sim,) + counts.shape) / len(targets)


def estimate_from_counts(counts, lattice, *, correction, n_boot, confidence_level, rng):
    """Plug-in estimate, bias, corrected value, bootstrap std and interval of every
    PID column of a table of sample counts.

    Parameters
    ----------
    counts : ndarray of shape (n_t, n_1, ..., n_n)
        Sample counts (non-negative integers).
    lattice : Lattice
    correction : {"eb", "shuffle", "bootstrap", "none"}
    n_boot : int
        Bootstrap resamples, and simulations of the correction.
    confidence_level : float
    rng : numpy.random.Generator

    Returns
    -------
    frame : pandas.DataFrame
        Index: the PID columns (atoms, ``H_res``, ``H_T``, ``MI...``); columns
        ``estimate, bias, corrected, std, lower, upper``, in bits.
    """
    estimate, boot_values, names = plug_in_and_bootstrap(counts, lattice, n_boot, rng)
    bias = estimate_bias(counts, lattice, correction, estimate, boot_values, rng)
    return frame(estimate, bias, boot_values, confidence_level, names)


def plug_in_and_bootstrap(counts, lattice, n_boot, rng):
    """Plug-in values (n_columns,), bootstrap values (n_boot, n_columns), names."""
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum()
    estimate, names = table_columns((counts / n)[None], lattice)
    boot = rng.multinomial(int(n), (counts / n).ravel(), size=n_boot)
    boot_values, _ = table_columns(boot.reshape((n_boot,) + counts.shape) / n, lattice)
    return estimate[0], boot_values, names


def estimate_bias(counts, lattice, correction, estimate, boot_values, rng):
    """Bias estimate of every column; ``len(boot_values)`` simulations."""
    n_sim = boot_values.shape[0]
    counts = np.asarray(counts, dtype=np.float64)
    if correction == "eb":
        return _eb_bias(counts, lattice, n_sim, rng)
    if correction == "shuffle":
        shuffled, _ = table_columns(_shuffle_tables(counts, n_sim, rng), lattice)
        return shuffled.mean(axis=0)
    if correction == "bootstrap":
        return boot_values.mean(axis=0) - estimate
    return np.zeros_like(estimate)


def interval_stats(estimate, bias, boot_values, confidence_level):
    """Columns of :data:`FRAME_COLUMNS` from plug-in values (..., n_columns), their bias
    estimates (same shape) and bootstrap values (..., n_boot, n_columns)."""
    corrected = estimate - bias
    tail = (1.0 - confidence_level) / 2.0
    q_lo, q_hi = np.quantile(boot_values, [tail, 1.0 - tail], axis=-2)
    shift = corrected - boot_values.mean(axis=-2)
    return {
        "estimate": estimate,
        "bias": bias,
        "corrected": corrected,
        "std": boot_values.std(axis=-2, ddof=1),
        "lower": q_lo + shift,
        "upper": q_hi + shift,
    }


def frame(estimate, bias, boot_values, confidence_level, names):
    """The result frame of one PID: index the column names, columns FRAME_COLUMNS."""
    stats = interval_stats(estimate, bias, boot_values, confidence_level)
    return pd.DataFrame(stats, index=pd.Index(names, name="column"))
