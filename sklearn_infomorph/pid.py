"""The I^sx partial information decomposition of discrete joint distributions.

``isx_pid`` decomposes the information a target T holds about n = 2 to 4 sources
into the atoms of the redundancy lattice, using the shared-exclusion redundancy
I^sx of Makkeh, Gutknecht and Wibral (2021). Everything is in bits.
"""

import numpy as np
import pandas as pd

from .lattice import N_ATOMS, redundancy_lattice

__all__ = ["isx_pid", "pid_table_from_samples"]

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
    return (counts / counts.sum()).reshape(shape)


def _marginal(p, keep_axes):
    drop = tuple(ax for ax in range(p.ndim) if ax not in keep_axes)
    return p.sum(axis=drop, keepdims=True)


def _dense_i_cap(p, lattice):
    """I_cap of every antichain, target entropy and mutual informations, in bits."""
    n = p.ndim - 1
    ptr, masks, coefs, _ = lattice.inclusion_exclusion_terms()
    source_marg, joint_marg = {}, {}
    for mask in range(1, 1 << n):
        axes = tuple(i + 1 for i in range(n) if mask >> i & 1)
        joint_marg[mask] = _marginal(p, (0,) + axes)
        source_marg[mask] = joint_marg[mask].sum(axis=0, keepdims=True)
    p_t = _marginal(p, (0,))
    support = p > 0
    pt_b = np.broadcast_to(p_t, p.shape)[support]
    pv = p[support]
    i_cap = np.empty(len(lattice))
    for a in range(len(lattice)):
        p_w = np.zeros(p.shape)
        p_tw = np.zeros(p.shape)
        for k in range(ptr[a], ptr[a + 1]):
            p_w = p_w + coefs[k] * source_marg[masks[k]]
            p_tw = p_tw + coefs[k] * joint_marg[masks[k]]
        ratio = p_tw[support] / (pt_b * p_w[support])
        i_cap[a] = np.sum(pv * np.log2(ratio))
    nz = p_t[p_t > 0]
    h_t = -np.sum(nz * np.log2(nz))
    return i_cap, h_t


def isx_pid(p=None, *, target=None, sources=None, source_names=None):
    """I^sx partial information decomposition of a discrete joint distribution.

    Give either a probability table ``p`` or samples (``target`` and ``sources``).

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

    Returns
    -------
    pid : pandas.Series
        Indexed by the atom names in lattice order (see
        :mod:`sklearn_infomorph.lattice`), then ``H_res`` (the target entropy not
        explained by the sources), ``H_T`` (target entropy), ``MI_<subset>`` for
        every proper non-empty source subset and ``MI`` (joint mutual
        information). All values in bits. Atoms may be negative
        (misinformation), which is correct for I^sx.

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
        p = pid_table_from_samples(target, *sources)
    elif target is not None or sources is not None:
        raise ValueError("Give either a probability table p or samples, not both.")
    p = _check_table(p)
    lattice = redundancy_lattice(p.ndim - 1, source_names)
    i_cap, h_t = _dense_i_cap(p, lattice)
    return pid_series(i_cap, h_t, lattice)


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
