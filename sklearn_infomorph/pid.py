"""The I^sx partial information decomposition of discrete joint distributions.

``isx_pid`` decomposes the information a target T holds about n = 2 to 4 sources
into the atoms of the redundancy lattice, using the shared-exclusion redundancy
I^sx of Makkeh, Gutknecht and Wibral (2021). Everything is in bits.
"""

import numpy as np
import pandas as pd

from ._pid_bias import check_estimation_params, estimate_from_counts, generator
from ._pid_table import pid_columns, table_i_cap
from ._pid_table import sample_counts as _sample_counts
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
    check_estimation_params(correction, n_boot, confidence_level)
    counts = _sample_counts(target, *sources)
    lattice = redundancy_lattice(counts.ndim - 1, source_names)
    return estimate_from_counts(
        counts, lattice, correction=correction, n_boot=int(n_boot),
        confidence_level=float(confidence_level), rng=generator(random_state),
    )


def pid_series(i_cap, h_t, lattice):
    """The ``isx_pid`` Series from the I_cap values and the target entropy."""
    atoms = lattice.moebius @ i_cap
    values, names = pid_columns(atoms, h_t - i_cap[lattice.top], lattice)
    return pd.Series(values[0], index=names, name="bits")
