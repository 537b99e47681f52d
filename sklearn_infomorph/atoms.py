"""Analyse the PID atoms of fitted infomorphic estimators with pandas.

A fitted :class:`~sklearn_infomorph.InfomorphicClassifier`,
:class:`~sklearn_infomorph.InfomorphicTransformer` or
:class:`~sklearn_infomorph.InfomorphicAssociativeMemory` records, per neuron, how the
information of its output about its sources splits into PID atoms
(``pid_atoms_``, after the last epoch) and how that split evolved during training
(``pid_history_``, tidy, one row per epoch, neuron and atom). The functions here
give the views the infomorphic papers analyse: one layer's neurons, per-layer means,
groups of neurons by their dominant atom, and mean atoms per epoch; every result is a
plain DataFrame or Series ready for ``groupby``. :func:`describe_atom` names an atom
in plain words (``"{F}{C}"`` -> ``"redundancy of F and C"``).

Every function accepts a fitted estimator, or a Pipeline ending in (or containing)
one; :func:`layer_means` and :func:`dominant_atom` also accept a ``pid_atoms_``
DataFrame directly.
"""

import re

import numpy as np
import pandas as pd

from ._fitted_layer import fitted_layer, infomorphic_step

__all__ = [
    "SOURCE_NAMES",
    "atom_history",
    "atom_history_means",
    "atom_names",
    "describe_atom",
    "dominant_atom",
    "group_by_dominant_atom",
    "layer_atoms",
    "layer_means",
]

#: Full names of the source letters of infomorphic neurons.
SOURCE_NAMES = {"F": "feedforward", "C": "context", "L": "lateral"}

_ATOM = re.compile(r"^(\{[^{}]+\})+$")


# -- plain words --------------------------------------------------------------------------
def _join(words):
    words = list(words)
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def describe_atom(name, *, full_names=False):
    """Name a PID atom, or another column of ``pid_atoms_``, in plain words.

    An atom ``{A1}{A2}...`` is the information about the neuron's output shared by
    (redundant among) the source groups ``A1, A2, ...``; a group of several sources
    counts only jointly. Hence ``{F}{C}`` is the redundancy of F and C, ``{F}`` the
    unique information of F, ``{FC}`` the synergy of F and C, and ``{F}{CL}`` the
    information F shares with C and L taken jointly.

    Parameters
    ----------
    name : str
        An atom name such as ``"{F}{C}"`` or ``"{F}{CL}"`` (any source letters or
        digits), a bivariate alias (``"red"``, ``"syn"``, ``"unq_F"``), or one of
        ``"H_res"``, ``"H_T"``, ``"MI"``, ``"MI_<sources>"``.
    full_names : bool, default=False
        Spell the sources F, C and L as feedforward, context and lateral.

    Returns
    -------
    str

    Examples
    --------
    >>> from sklearn_infomorph.atoms import describe_atom
    >>> describe_atom("{F}{C}")
    'redundancy of F and C'
    >>> describe_atom("{F}")
    'unique information of F'
    >>> describe_atom("{FCL}", full_names=True)
    'synergy of feedforward, context and lateral'
    >>> describe_atom("{F}{CL}")
    'redundancy of F and joint (C, L)'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as '{{F}}{{C}}', got {name!r}.")

    def src(letter):
        return SOURCE_NAMES.get(letter, letter) if full_names else letter

    if name == "H_res":
        return "residual entropy (output entropy the sources do not explain)"
    if name == "H_T":
        return "output entropy"
    if name == "MI":
        return "mutual information with all sources"
    if name.startswith("MI_") and len(name) > 3:
        return f"mutual information with {_join(src(s) for s in name[3:])}"
    if name == "red":
        return "redundancy of both sources"
    if name == "syn":
        return "synergy of all sources"
    if name.startswith("unq_") and len(name) > 4:
        return f"unique information of {src(name[4:])}"
    if not _ATOM.match(name):
        raise ValueError(
            f"Unknown atom name {name!r}. Atoms are written as source groups in braces, "
            "e.g. '{F}{C}' (redundancy), '{F}' (unique), '{FC}' (synergy), or given as "
            "'red', 'syn', 'unq_<source>', 'H_res', 'H_T', 'MI' or 'MI_<sources>'."
        )
    groups = re.findall(r"\{([^{}]+)\}", name)
    if len(groups) == 1:
        (group,) = groups
        if len(group) == 1:
            return f"unique information of {src(group)}"
        return f"synergy of {_join(src(s) for s in group)}"
    parts = [
        src(g) if len(g) == 1 else "joint (" + ", ".join(src(s) for s in g) + ")"
        for g in groups
    ]
    return f"redundancy of {_join(parts)}"


# -- access to the fitted records -------------------------------------------------------------
def atom_names(estimator, layer=None):
    """The PID atoms of one layer's neurons, in lattice order.

    Parameters
    ----------
    estimator : fitted infomorphic estimator (classifier, transformer, memory) or Pipeline
    layer : str, default=None
        A name from ``layer_names_``; None is the first layer.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_infomorph import InfomorphicTransformer
    >>> from sklearn_infomorph.atoms import atom_names
    >>> X, _ = load_digits(return_X_y=True)
    >>> tr = InfomorphicTransformer(n_neurons=4, max_iter=1, random_state=0).fit(X / 16)
    >>> atom_names(tr)
    ['{F}{L}', '{F}', '{L}', '{FL}']
    """
    return fitted_layer(estimator, layer).columns("atoms")


def _frame_of(estimator_or_frame):
    if isinstance(estimator_or_frame, pd.DataFrame):
        return estimator_or_frame
    return infomorphic_step(estimator_or_frame)[0].pid_atoms_


def layer_atoms(estimator, layer=None, *, columns="atoms"):
    """Per-neuron atoms of one layer: rows are neurons, no NaN columns.

    Parameters
    ----------
    estimator : fitted infomorphic estimator (classifier, transformer, memory) or Pipeline
    layer : str, default=None
        A name from ``layer_names_``; None is the first layer.
    columns : {"atoms", "all"}, default="atoms"
        ``"atoms"``: the layer's atoms in lattice order; ``"all"``: also ``H_res``,
        ``H_T`` and the mutual informations.

    Returns
    -------
    pandas.DataFrame of shape (n_neurons, n_columns)
        Index ``neuron``, values in bits (from ``pid_atoms_``).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_infomorph import InfomorphicTransformer
    >>> from sklearn_infomorph.atoms import layer_atoms
    >>> X, _ = load_digits(return_X_y=True)
    >>> tr = InfomorphicTransformer(n_neurons=4, max_iter=1, random_state=0).fit(X / 16)
    >>> layer_atoms(tr).shape
    (4, 4)
    """
    if columns not in ("atoms", "all"):
        raise ValueError(f"columns must be 'atoms' or 'all', got {columns!r}.")
    found = fitted_layer(estimator, layer)
    return found.estimator.pid_atoms_.loc[found.name, found.columns(columns)]


def layer_means(estimator_or_frame):
    """Mean of every column of ``pid_atoms_`` over the neurons of each layer.

    Parameters
    ----------
    estimator_or_frame : fitted estimator, Pipeline or DataFrame
        An estimator (its ``pid_atoms_`` is used) or a ``pid_atoms_`` DataFrame.

    Returns
    -------
    pandas.DataFrame
        Index ``layer`` (in network order), the columns of ``pid_atoms_`` (NaN for
        atoms not in a layer's lattice), in bits.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_infomorph import InfomorphicClassifier
    >>> from sklearn_infomorph.atoms import layer_means
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = InfomorphicClassifier((4,), sources="FC", max_iter=1, random_state=0)
    >>> layer_means(clf.fit(X / 16, y)).index.tolist()
    ['hidden_0', 'readout']
    """
    frame = _frame_of(estimator_or_frame)
    return frame.groupby(level="layer", sort=False).mean()


def dominant_atom(estimator_or_frame, atoms=None):
    """The atom with the largest value of each neuron.

    Parameters
    ----------
    estimator_or_frame : fitted estimator, Pipeline or DataFrame
        An estimator (its ``pid_atoms_`` is used) or a DataFrame of atoms with one
        row per neuron (``pid_atoms_``, :func:`layer_atoms`, ...).
    atoms : list of str, default=None
        Atoms to compete; None takes every atom column (names in braces), ignoring
        the NaN of atoms outside a neuron's lattice. Negative atoms
        (misinformation) never dominate a positive one.

    Returns
    -------
    pandas.Series of str
        Same index as the frame, named ``dominant_atom``: use it as a ``groupby``
        key, e.g. ``atoms.groupby(dominant_atom(atoms))``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_infomorph.atoms import dominant_atom
    >>> atoms = pd.DataFrame({"{F}{C}": [0.5, 0.1], "{F}": [0.2, 0.3]})
    >>> dominant_atom(atoms).tolist()
    ['{F}{C}', '{F}']
    """
    frame = _frame_of(estimator_or_frame)
    if atoms is None:
        atoms = [c for c in frame.columns if isinstance(c, str) and c.startswith("{")]
    missing = [a for a in atoms if a not in frame.columns]
    if missing or not atoms:
        raise ValueError(
            f"atoms {missing or atoms!r} are not columns of the frame; its columns are "
            f"{list(frame.columns)}."
        )
    values = frame[list(atoms)].to_numpy(dtype=np.float64)
    if np.isnan(values).all(axis=1).any():
        raise ValueError("Some rows have no value for any of the given atoms.")
    best = np.nanargmax(values, axis=1)
    return pd.Series(np.asarray(atoms, dtype=object)[best], index=frame.index,
                     name="dominant_atom")


def group_by_dominant_atom(estimator, layer=None):
    """Neurons of one layer grouped by their dominant atom.

    Parameters
    ----------
    estimator : fitted infomorphic estimator (classifier, transformer, memory) or Pipeline
    layer : str, default=None
        A name from ``layer_names_``; None is the first layer.

    Returns
    -------
    pandas.DataFrame
        One row per dominant atom that occurs (index ``dominant_atom``, most
        frequent first, ties in lattice order) with columns ``n_neurons``,
        ``share`` (of the layer), ``mean_bits`` (mean of that atom over the group)
        and ``neurons`` (list of neuron ids).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_infomorph import InfomorphicTransformer
    >>> from sklearn_infomorph.atoms import group_by_dominant_atom
    >>> X, _ = load_digits(return_X_y=True)
    >>> tr = InfomorphicTransformer(n_neurons=6, max_iter=1, random_state=0).fit(X / 16)
    >>> int(group_by_dominant_atom(tr)["n_neurons"].sum())
    6
    """
    atoms = layer_atoms(estimator, layer)
    dominant = dominant_atom(atoms)
    rows = []
    for name in atoms.columns:  # lattice order
        members = dominant.index[dominant == name]
        if len(members):
            rows.append({
                "dominant_atom": name,
                "n_neurons": len(members),
                "share": len(members) / len(atoms),
                "mean_bits": float(atoms.loc[members, name].mean()),
                "neurons": [int(m) for m in members],
            })
    table = pd.DataFrame(rows).set_index("dominant_atom")
    return table.sort_values("n_neurons", ascending=False, kind="stable")


# -- history --------------------------------------------------------------------------------
def atom_history(estimator, layer=None):
    """``pid_history_`` in wide form: one row per epoch and neuron.

    Parameters
    ----------
    estimator : fitted infomorphic estimator (classifier, transformer, memory) or Pipeline
    layer : str, default=None
        A name from ``layer_names_``; None is the first layer.

    Returns
    -------
    pandas.DataFrame
        Index (``epoch``, ``neuron``); columns the layer's atoms in lattice order,
        then ``H_res``, ``H_T`` and the mutual informations, in bits.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_infomorph import InfomorphicTransformer
    >>> from sklearn_infomorph.atoms import atom_history
    >>> X, _ = load_digits(return_X_y=True)
    >>> tr = InfomorphicTransformer(n_neurons=3, max_iter=2, random_state=0).fit(X / 16)
    >>> atom_history(tr).shape
    (6, 9)
    """
    found = fitted_layer(estimator, layer)
    return found.estimator._atom_history(found.name)


def atom_history_means(estimator, layer=None):
    """Mean of every atom over a layer's neurons, per epoch.

    Parameters
    ----------
    estimator : fitted infomorphic estimator (classifier, transformer, memory) or Pipeline
    layer : str, default=None
        A name from ``layer_names_``; None is the first layer.

    Returns
    -------
    pandas.DataFrame
        Index ``epoch``; columns the layer's atoms in lattice order, then ``H_res``,
        ``H_T`` and the mutual informations, in bits per neuron.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_infomorph import InfomorphicTransformer
    >>> from sklearn_infomorph.atoms import atom_history_means
    >>> X, _ = load_digits(return_X_y=True)
    >>> tr = InfomorphicTransformer(n_neurons=3, max_iter=2, random_state=0).fit(X / 16)
    >>> atom_history_means(tr).index.tolist()
    [1, 2]
    """
    return atom_history(estimator, layer).groupby(level="epoch").mean()
