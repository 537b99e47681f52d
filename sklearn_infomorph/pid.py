"""The I^sx partial information decomposition of discrete joint distributions.

``isx_pid`` decomposes the information a target T holds about n = 2 to 4 sources
into the atoms of the redundancy lattice, using the shared-exclusion redundancy
I^sx of Makkeh, Gutknecht and Wibral (2021). Everything is in bits.
"""

import numpy as np
import pandas as pd

from .lattice import N_ATOMS, redundancy_lattice

__all__ = ["isx_pid", "pid_from_samples", "pid_table_from_samples"]

_SUM_TOLERANCE = 1e-6


def _check_table(p):
    p = np.asarray(p, dtype=np.float64)
    if p.ndim - 1 not in N_ATOMS:
        raise ValueError(
            f"The probability table must have shape (target, source_1, ..., source_n) "
            f"with n = 2, 3 or 4 sources, i.e. 3 to 5 dimensions; got {p.ndim} "
            f"dimension(s) with shape {p.shape}."
        )
    if p.size == 0:
        raise ValueError(f"The probability table is empty (shape {p.shape}).")
    if not np.all(np.isfinite(p)):
        raise ValueError("The probability table contains NaN or infinite entries.")
    if np.any(p < 0):
        raise ValueError(
            f"The probability table has negative entries (smallest {p.min():.3g}); "
            "probabilities must be >= 0."
        )
    total = p.sum()
    if abs(total - 1.0) > _SUM_TOLERANCE:
        raise ValueError(
            f"The probability table sums to {total!r}, not 1 (tolerance "
            f"{_SUM_TOLERANCE:.0e}); normalise it with p / p.sum()."
        )
    return p / total


def _sample_counts(target, *sources):
    """Counts table ``n[t, s1, ..., sn]`` of samples (axes in sorted value order)."""
    if not 2 <= len(sources) <= 4:
        raise ValueError(
            f"Give 2 to 4 source arrays after the target; got {len(sources)}."
        )
    columns = [np.asarray(target)] + [np.asarray(s) for s in sources]
    for k, col in enumerate(columns):
        if col.ndim != 1:
            what = "target" if k == 0 else f"source {k - 1}"
            raise ValueError(f"The {what} must be one-dimensional, got shape {col.shape}.")
    lengths = {len(c) for c in columns}
    if len(lengths) != 1:
        raise ValueError(
            "The target and sources must have the same number of samples; got lengths "
            f"{[len(c) for c in columns]}."
        )
    if lengths == {0}:
        raise ValueError("No samples given.")
    codes, shape = [], []
    for col in columns:
        if col.dtype.kind == "f" and not np.all(np.isfinite(col)):
            raise ValueError("Samples contain NaN or infinite values.")
        values, inverse = np.unique(col, return_inverse=True)
        codes.append(inverse.ravel())
        shape.append(len(values))
    flat = np.ravel_multi_index(codes, shape)
    counts = np.bincount(flat, minlength=int(np.prod(shape)))
    return counts.reshape(shape)


def pid_table_from_samples(target, *sources):
    """Plug-in estimate of the joint table ``p[t, s1, ..., sn]`` from samples.

    Parameters
    ----------
    target : array-like of shape (n_samples,)
        Target realisations (any hashable discrete values).
    *sources : array-like of shape (n_samples,)
        Two to four source variables.

    Returns
    -------
    p : ndarray
        Relative frequencies, one axis per variable; values on each axis in
        sorted order of the observed values.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_infomorph import isx_pid, pid_table_from_samples
    >>> a = np.array([0, 0, 1, 1])
    >>> b = np.array([0, 1, 0, 1])
    >>> p = pid_table_from_samples(a & b, a, b)    # the AND gate
    >>> p.shape
    (2, 2, 2)
    >>> p[1]                                       # target 1: only for a = b = 1
    array([[0.  , 0.  ],
           [0.  , 0.25]])
    >>> round(float(isx_pid(p)["{01}"]), 4)        # its synergy, in bits
    0.3113
    """
    counts = _sample_counts(target, *sources)
    return counts / counts.sum()


def table_i_cap(p, lattice):
    """I_cap of every antichain and the target entropy of a stack of tables, in bits.

    Parameters
    ----------
    p : ndarray of shape (n_tables, n_t, n_1, ..., n_n)
        Joint probability tables, each summing to 1.
    lattice : Lattice

    Returns
    -------
    i_cap : ndarray of shape (n_tables, n_atoms)
    h_t : ndarray of shape (n_tables,)
    """
    n = p.ndim - 2
    ptr, masks, coefs, _ = lattice.inclusion_exclusion_terms()
    source_axes = tuple(range(2, p.ndim))
    source_marg, joint_marg = {}, {}
    for mask in range(1, 1 << n):
        drop = tuple(2 + i for i in range(n) if not mask >> i & 1)
        joint_marg[mask] = p.sum(axis=drop, keepdims=True) if drop else p
        source_marg[mask] = joint_marg[mask].sum(axis=1, keepdims=True)
    p_t = p.sum(axis=source_axes, keepdims=True)
    support = p > 0
    i_cap = np.empty((p.shape[0], len(lattice)))
    with np.errstate(divide="ignore", invalid="ignore"):
        for a in range(len(lattice)):
            p_w = 0.0
            p_tw = 0.0
            for k in range(ptr[a], ptr[a + 1]):
                p_w = p_w + coefs[k] * source_marg[masks[k]]
                p_tw = p_tw + coefs[k] * joint_marg[masks[k]]
            # Cells with p > 0 only (0 log 0 = 0); there p_tw >= p > 0 and p_w > 0.
            ratio = np.where(support, p_tw / (p_t * p_w), 1.0)
            i_cap[:, a] = (p * np.log2(ratio)).reshape(p.shape[0], -1).sum(axis=1)
        h_cells = np.where(p_t > 0, -p_t * np.log2(np.where(p_t > 0, p_t, 1.0)), 0.0)
    h_t = h_cells.reshape(p.shape[0], -1).sum(axis=1)
    return i_cap, h_t


def _dense_i_cap(p, lattice):
    """I_cap of every antichain and the target entropy of one table, in bits."""
    i_cap, h_t = table_i_cap(p[None], lattice)
    return i_cap[0], h_t[0]


def isx_pid(p=None, *, target=None, sources=None, source_names=None, correction=None,
            n_boot=200, confidence_level=0.95, random_state=None):
    """I^sx partial information decomposition of a discrete joint distribution.

    Give either a probability table ``p`` or samples (``target`` and ``sources``).
    With samples, ``correction`` adds a bias correction and bootstrap intervals
    (see :func:`pid_from_samples`).

    Parameters
    ----------
    p : array-like of shape (n_t, n_1, ..., n_n), default=None
        Joint probability table ``p[t, s1, ..., sn]`` of the target (axis 0) and
        n = 2 to 4 sources. Any alphabet sizes. Entries must be finite, >= 0 and
        sum to 1.
    target : array-like of shape (n_samples,), default=None
        Target samples, when no table is given.
    sources : sequence of array-like of shape (n_samples,), default=None
        Two to four source sample arrays, when no table is given.
    source_names : sequence of str, default=None
        Short source names for the atom names, e.g. ``"FC"`` gives ``{F}{C}``.
        Defaults to ``0, 1, ...``.
    correction : {"eb", "shuffle", "bootstrap", "none"}, default=None
        None returns the plug-in Series. Otherwise (samples only) returns the
        frame of :func:`pid_from_samples` with this correction.
    n_boot : int, default=200
        Resamples for the intervals and the correction (with ``correction``).
    confidence_level : float, default=0.95
        Coverage of the intervals (with ``correction``).
    random_state : int, RandomState instance or None, default=None
        Seeds the resampling (with ``correction``).

    Returns
    -------
    pid : pandas.Series or pandas.DataFrame
        Without ``correction``: a Series indexed by the atom names in lattice
        order (see :mod:`sklearn_infomorph.lattice`), then ``H_res`` (the target
        entropy not explained by the sources), ``H_T`` (target entropy),
        ``MI_<subset>`` for every proper non-empty source subset and ``MI``
        (joint mutual information). All values in bits. Atoms may be negative
        (misinformation), which is correct for I^sx. With ``correction``: the
        same index, columns ``estimate``, ``bias``, ``corrected``, ``std``,
        ``lower``, ``upper``.

    See Also
    --------
    pid_from_samples : Bias-corrected atoms with confidence intervals.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_infomorph import isx_pid
    >>> x1, x2 = np.meshgrid([0, 1], [0, 1])
    >>> pid = isx_pid(target=(x1 ^ x2).ravel(), sources=[x1.ravel(), x2.ravel()])
    >>> pid.round(3)["{0}{1}"]
    np.float64(-0.585)
    """
    if p is None:
        if target is None or sources is None:
            raise ValueError(
                "Give either a probability table p or both target= and sources= samples."
            )
        if correction is not None:
            return pid_from_samples(
                target, *sources, source_names=source_names, correction=correction,
                n_boot=n_boot, confidence_level=confidence_level,
                random_state=random_state,
            )
        p = pid_table_from_samples(target, *sources)
    elif target is not None or sources is not None:
        raise ValueError("Give either a probability table p or samples, not both.")
    elif correction is not None:
        raise ValueError(
            "correction needs samples: a bias estimate depends on how many samples "
            "the table came from. Give target= and sources= instead of p."
        )
    p = _check_table(p)
    lattice = redundancy_lattice(p.ndim - 1, source_names)
    i_cap, h_t = _dense_i_cap(p, lattice)
    return pid_series(i_cap, h_t, lattice)


def pid_from_samples(target, *sources, correction="eb", n_boot=200,
                     confidence_level=0.95, random_state=None, source_names=None):
    """Bias-corrected I^sx atoms with bootstrap confidence intervals, from samples.

    The plug-in atoms (those of the table of relative frequencies, as
    :func:`isx_pid` gives them) are biased upwards when the joint cells hold few
    samples, mostly in the synergy. This function estimates that bias for every
    column of the decomposition, subtracts it, and gives percentile bootstrap
    intervals around the corrected value. The user guide page "Limitations"
    explains the estimators and shows how well they work.

    Parameters
    ----------
    target : array-like of shape (n_samples,)
        Target realisations (any hashable discrete values).
    *sources : array-like of shape (n_samples,)
        Two to four discrete source variables (bin them first if continuous).
    correction : {"eb", "shuffle", "bootstrap", "none"}, default="eb"
        How the bias is estimated:

        - ``"eb"``: simulate new targets for the observed source values from an
          empirical-Bayes smoothed ``P(T | sources)`` and measure how far the
          plug-in lands from the smoothed distribution's exact atoms. Works when
          most cells hold one or two samples and when the target depends on the
          sources.
        - ``"shuffle"``: the mean plug-in value with the target permuted against
          the sources (the bias under independence; over-corrects dependent
          data).
        - ``"bootstrap"``: Efron's bootstrap bias estimate (first order; too
          small for sparsely filled tables).
        - ``"none"``: no correction, intervals only.
    n_boot : int, default=200
        Bootstrap resamples for the intervals, and simulations for the
        correction. At least 10.
    confidence_level : float, default=0.95
        Coverage of the intervals, in (0, 1).
    random_state : int, RandomState instance or None, default=None
        Seeds the resampling and simulations; an int gives reproducible results.
    source_names : sequence of str, default=None
        Short source names for the atom names, e.g. ``"FC"``.

    Returns
    -------
    frame : pandas.DataFrame
        One row per column of :func:`isx_pid` (atoms in lattice order, ``H_res``,
        ``H_T``, ``MI_<subset>``, ``MI``) and the columns ``estimate`` (plug-in),
        ``bias`` (its estimated bias), ``corrected`` (``estimate - bias``),
        ``std`` (bootstrap standard error), ``lower`` and ``upper`` (the
        interval), all in bits. Corrected atoms still sum to the corrected
        ``MI``: every column is corrected through the same linear map.

    See Also
    --------
    isx_pid : Plug-in atoms of a table or of samples.

    Examples
    --------
    A target independent of two sources with 20 values each, 256 samples: the
    plug-in shows a large spurious synergy, the corrected value is near the truth,
    0 bits:

    >>> import numpy as np
    >>> from sklearn_infomorph import pid_from_samples
    >>> rng = np.random.default_rng(0)
    >>> t = rng.integers(0, 2, 256)
    >>> a, b = rng.integers(0, 20, 256), rng.integers(0, 20, 256)
    >>> frame = pid_from_samples(t, a, b, source_names="AB", random_state=0)
    >>> list(frame.columns)
    ['estimate', 'bias', 'corrected', 'std', 'lower', 'upper']
    >>> bool(frame.loc["{AB}", "estimate"] > 0.5)
    True
    >>> bool(abs(frame.loc["{AB}", "corrected"]) < 0.1)
    True
    """
    from ._pid_bias import check_estimation_params, estimate_from_counts, generator

    check_estimation_params(correction, n_boot, confidence_level)
    counts = _sample_counts(target, *sources)
    lattice = redundancy_lattice(counts.ndim - 1, source_names)
    return estimate_from_counts(
        counts, lattice, correction=correction, n_boot=int(n_boot),
        confidence_level=float(confidence_level), rng=generator(random_state),
    )


def pid_columns(atoms, h_res, lattice):
    """Atoms, H_res, H_T and mutual informations of many neurons.

    Parameters
    ----------
    atoms : ndarray (n_rows, n_atoms)
    h_res : ndarray (n_rows,)
    lattice : Lattice

    Returns
    -------
    values : ndarray (n_rows, n_columns)
    names : list of str
        Atom names, ``H_res``, ``H_T``, ``MI_<subset>`` for each proper source
        subset and ``MI`` (joint), in bits.
    """
    atoms = np.atleast_2d(atoms)
    # I(T; S_U) = I_cap of the single-subset antichain {U} = sum of atoms below it.
    single = {a[0]: i for i, a in enumerate(lattice.antichains) if len(a) == 1}
    full = (1 << lattice.n_sources) - 1
    rows = [single[m] for m in range(1, full)] + [lattice.top]
    mi = atoms @ lattice.order[rows].T.astype(np.float64)
    h_res = np.reshape(h_res, (-1, 1))
    values = np.hstack([atoms, h_res, h_res + mi[:, -1:], mi])
    names = lattice.names + ["H_res", "H_T"] + lattice.mi_names()
    return values, names


def pid_series(i_cap, h_t, lattice):
    """The ``isx_pid`` Series from the I_cap values and the target entropy."""
    atoms = lattice.moebius @ i_cap
    values, names = pid_columns(atoms, h_t - i_cap[lattice.top], lattice)
    return pd.Series(values[0], index=names, name="bits")
