"""One place that finds a fitted infomorphic estimator and one of its layers.

:mod:`~sklearn_infomorph.atoms`, :mod:`~sklearn_infomorph.metrics` and
:mod:`~sklearn_infomorph.plotting` accept an estimator or a Pipeline containing one
and a layer name; :func:`fitted_layer` resolves both, with the errors a user sees.
"""

from typing import NamedTuple

from sklearn.utils.validation import check_is_fitted

from ._training import InfomorphicTrainingMixin


class FittedLayer(NamedTuple):
    """A fitted infomorphic estimator, one of its layers and X as it sees it."""

    estimator: object
    name: str
    lattice: object
    X: object = None

    def columns(self, which="all"):
        """The layer's ``pid_atoms_`` columns: its atoms in lattice order
        (``"atoms"``), or those and ``H_res``, ``H_T`` and the mutual
        informations (``"all"``)."""
        names = list(self.lattice.names)
        if which == "all":
            names += ["H_res", "H_T"] + self.lattice.mi_names()
        return names


def infomorphic_step(estimator, X=None):
    """The fitted infomorphic estimator itself or inside a Pipeline (last one wins),
    and X as it sees it (transformed by the steps before it; None stays None)."""
    if isinstance(estimator, InfomorphicTrainingMixin):
        check_is_fitted(estimator)
        return estimator, X
    steps = getattr(estimator, "steps", None)
    if steps is not None:
        for i in range(len(steps) - 1, -1, -1):
            step = steps[i][1]
            if isinstance(step, InfomorphicTrainingMixin) or hasattr(step, "steps"):
                found = infomorphic_step(step)  # fitted? (before X meets the steps)
                if X is None:
                    return found
                for _, before in steps[:i]:
                    if before is not None and before != "passthrough":
                        X = before.transform(X)
                return infomorphic_step(step, X)
    raise TypeError(
        "Expected a fitted InfomorphicClassifier, InfomorphicTransformer, "
        "InfomorphicAssociativeMemory or a Pipeline containing one; got "
        f"{type(estimator).__name__}."
    )


def fitted_layer(estimator, layer=None, X=None):
    """:class:`FittedLayer` of ``layer`` (a name from ``layer_names_``; None: the
    first layer) of the fitted infomorphic estimator in ``estimator``.

    Raises NotFittedError for an unfitted estimator, TypeError for one that is no
    infomorphic estimator, and ValueError naming the layers for an unknown layer.
    """
    est, X = infomorphic_step(estimator, X)
    names = list(est.layer_names_)
    if layer is None:
        layer = names[0]
    elif layer not in names:
        raise ValueError(
            f"layer={layer!r} is not a layer of this estimator; choose one of {names}."
        )
    return FittedLayer(est, layer, est._lattices()[names.index(layer)], X)
