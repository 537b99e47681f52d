"""Scorers that record PID atoms of fitted models next to accuracy in model selection.

Model selection in scikit-learn keeps one column per scorer in ``cv_results_``. The
scorers made here do not measure predictions: each returns a statistic (mean by
default) of one column of the fitted model's ``pid_atoms_`` over the neurons of one
layer, so that a search over goal weights shows what the neurons learned next to how
well they classify::

    scoring = {"accuracy": "accuracy", **make_atom_scorers(["red", "syn"])}
    GridSearchCV(clf, grid, scoring=scoring, refit="accuracy")

Which data the atoms are measured on is chosen with ``data``:

``data="train"`` (default)
    ``pid_atoms_``, measured on the data the model was fitted on (the training part
    of each split). The scorer ignores the data it is called with, so
    ``mean_test_<name>`` and ``mean_train_<name>`` are equal.
``data="test"``
    ``pid_atoms(X, y)`` on the data the scorer is called with: in a search, the
    test part of each split for ``mean_test_<name>`` (and the training part for
    ``mean_train_<name>`` with ``return_train_score=True``). This shows what the
    neurons encode on data they were not trained on. In a Pipeline, X is first
    transformed by the steps before the infomorphic estimator.
"""

import numpy as np

from ._fitted_layer import fitted_layer

__all__ = ["atom_scorer", "make_atom_scorers"]

_DATA = ("train", "test")

_STATISTICS = {
    "mean": np.mean,
    "median": np.median,
    "min": np.min,
    "max": np.max,
    "std": np.std,
}


class _AtomScorer:
    """Callable ``scorer(estimator, X, y)``; a class (not a closure) so it pickles
    to joblib and Dask workers."""

    def __init__(self, atom, layer, statistic, data="train"):
        self.atom = atom
        self.layer = layer
        self.statistic = statistic
        self.data = data

    def __call__(self, estimator, X=None, y=None, **kwargs):
        if self.data == "test" and X is None:
            raise ValueError(
                "An atom scorer with data='test' measures the atoms on the data it is "
                "called with: call scorer(estimator, X, y)."
            )
        found = fitted_layer(estimator, self.layer, X if self.data == "test" else None)
        est, layer, lattice = found.estimator, found.name, found.lattice
        column = lattice.aliases.get(self.atom, self.atom)
        valid = found.columns("all")
        if column not in valid:
            raise ValueError(
                f"atom={self.atom!r} is not recorded for layer {layer!r} (sources "
                f"{''.join(lattice.source_names)}); choose one of {valid} or an alias "
                f"{list(lattice.aliases)}."
            )
        atoms = est.pid_atoms(found.X, y) if self.data == "test" else est.pid_atoms_
        values = atoms.loc[layer, column].to_numpy(dtype=np.float64)
        return float(_STATISTICS[self.statistic](values))

    def __repr__(self):
        return (
            f"atom_scorer({self.atom!r}, layer={self.layer!r}, "
            f"statistic={self.statistic!r}"
            + ("" if self.data == "train" else f", data={self.data!r}")
            + ")"
        )


def atom_scorer(atom, *, layer=None, statistic="mean", data="train"):
    """A scorer reporting one PID atom of the fitted model, for ``cv_results_``.

    Parameters
    ----------
    atom : str
        A column of ``pid_atoms_`` for the layer: an atom name (``"{F}{C}"``), a
        bivariate alias (``"red"``, ``"unq_F"``, ``"unq_C"``, ``"unq_L"``,
        ``"syn"``; ``"syn"`` is the synergy of all sources in any layer),
        ``"H_res"``, ``"H_T"``, ``"MI"`` or ``"MI_<sources>"``. It is checked
        against the layer when scoring.
    layer : str, default=None
        A name from ``layer_names_``; None is the first layer (``"hidden_0"``, or
        ``"readout"`` for a classifier without hidden layers).
    statistic : {"mean", "median", "min", "max", "std"}, default="mean"
        How the neurons of the layer are summarised.
    data : {"train", "test"}, default="train"
        ``"train"``: the atoms of the fit (``pid_atoms_``, measured on the
        training data); X and y are ignored. ``"test"``: the atoms on the data the
        scorer is called with (``pid_atoms(X, y)``; y is needed when a layer has a
        context source, as in every classifier).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y) -> float`` in bits. The estimator may be a fitted
        :class:`~sklearn_infomorph.InfomorphicClassifier`,
        :class:`~sklearn_infomorph.InfomorphicTransformer` or a Pipeline containing
        one.

    See Also
    --------
    make_atom_scorers : Several atom scorers as a ``scoring`` dict.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_infomorph import InfomorphicClassifier
    >>> from sklearn_infomorph.metrics import atom_scorer
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = InfomorphicClassifier((4,), sources="FC", max_iter=2, random_state=0)
    >>> clf = clf.fit(X / 16, y)
    >>> red = atom_scorer("red")
    >>> bool(red(clf, X, y) == clf.pid_atoms_.loc["hidden_0", "{F}{C}"].mean())
    True
    """
    if not isinstance(atom, str):
        raise TypeError(f"atom must be a column name such as '{{F}}{{C}}', got {atom!r}.")
    if layer is not None and not isinstance(layer, str):
        raise TypeError(f"layer must be None or a layer name such as 'hidden_0', got {layer!r}.")
    if statistic not in _STATISTICS:
        raise ValueError(
            f"statistic must be one of {sorted(_STATISTICS)}, got {statistic!r}."
        )
    if data not in _DATA:
        raise ValueError(
            f"data must be 'train' (the atoms of the fit) or 'test' (the atoms on the "
            f"data the scorer is called with), got {data!r}."
        )
    return _AtomScorer(atom, layer, statistic, data)


def make_atom_scorers(atoms, *, layer=None, statistic="mean", prefix="pid_", data="train"):
    """Atom scorers as a dict, to merge into a multi-metric ``scoring``.

    Parameters
    ----------
    atoms : list of str
        Columns of ``pid_atoms_`` (see :func:`atom_scorer`).
    layer : str, default=None
        A name from ``layer_names_``; None is the first layer.
    statistic : {"mean", "median", "min", "max", "std"}, default="mean"
        How the neurons of the layer are summarised.
    prefix : str, default="pid_"
        Start of each key. Keys are ``prefix + atom`` or, with a layer,
        ``prefix + layer + "_" + atom``; ``cv_results_`` then holds e.g.
        ``mean_test_pid_red``.
    data : {"train", "test"}, default="train"
        Where the atoms are measured (see :func:`atom_scorer`): the fit's training
        data, or the data the scorer is called with (the test split in a search).

    Returns
    -------
    dict of str -> callable

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_infomorph import InfomorphicClassifier
    >>> from sklearn_infomorph.metrics import make_atom_scorers
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = InfomorphicClassifier((4,), sources="FC", goal="context_heuristic",
    ...                             max_iter=2, random_state=0)
    >>> scoring = {"accuracy": "accuracy", **make_atom_scorers(["red", "syn"])}
    >>> search = GridSearchCV(clf, {"goal__red": [0.5, 1.0]}, cv=2,
    ...                       scoring=scoring, refit="accuracy").fit(X[:200] / 16, y[:200])
    >>> sorted(k for k in search.cv_results_ if k.startswith("mean_test"))
    ['mean_test_accuracy', 'mean_test_pid_red', 'mean_test_pid_syn']
    """
    if isinstance(atoms, str):
        raise TypeError(f"atoms must be a list of names, e.g. [{atoms!r}]; got a string.")
    atoms = list(atoms)
    if not atoms:
        raise ValueError("atoms is empty; name at least one atom, e.g. ['red'].")
    head = prefix if layer is None else f"{prefix}{layer}_"
    scorers = {
        head + atom: atom_scorer(atom, layer=layer, statistic=statistic, data=data)
        for atom in atoms
    }
    if len(scorers) != len(atoms):
        raise ValueError(f"atoms has duplicates: {atoms!r}.")
    return scorers
