"""Plug-in PID of probability tables: sample counts, I_cap values and PID columns.

The functions shared by :mod:`sklearn_infomorph.pid` (the public decomposition) and
the bias correction in ``_pid_bias``: both import them from here, so that neither
imports the other's module in a cycle.
"""

import numpy as np


def sample_counts(target, *sources):
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
