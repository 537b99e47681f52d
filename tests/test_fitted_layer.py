"""One helper resolves the estimator and layer for atoms, metrics and plotting."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicClassifier, InfomorphicTransformer
from sklearn_infomorph._fitted_layer import fitted_layer
from sklearn_infomorph.atoms import (
    atom_history,
    atom_history_means,
    atom_names,
    group_by_dominant_atom,
    layer_atoms,
)
from sklearn_infomorph.metrics import atom_scorer
from sklearn_infomorph.plotting import AtomHistoryDisplay, AtomsDisplay

X, Y = make_classification(120, 6, n_informative=4, n_classes=3, random_state=0)

# Every public entry point that takes an estimator and a layer name.
ENTRIES = {
    "atom_names": lambda est, layer: atom_names(est, layer),
    "layer_atoms": lambda est, layer: layer_atoms(est, layer),
    "atom_history": lambda est, layer: atom_history(est, layer),
    "atom_history_means": lambda est, layer: atom_history_means(est, layer),
    "group_by_dominant_atom": lambda est, layer: group_by_dominant_atom(est, layer),
    "AtomsDisplay": lambda est, layer: AtomsDisplay.from_estimator(est, layer=layer),
    "AtomHistoryDisplay": lambda est, layer: AtomHistoryDisplay.from_estimator(
        est, layer=layer),
    "atom_scorer": lambda est, layer: atom_scorer("MI", layer=layer)(est, X, Y),
    "atom_scorer_test": lambda est, layer: atom_scorer("MI", layer=layer, data="test")(
        est, X, Y),
}


@pytest.fixture(scope="module")
def clf():
    # One partial_fit: an epoch of records, no stopping rule to warn about.
    return InfomorphicClassifier(hidden_layer_sizes=(4,), sources="FC", random_state=0, n_jobs=1
                                 ).partial_fit(X, Y, classes=[0, 1, 2])


@pytest.mark.parametrize("entry", ENTRIES)
def test_unknown_layer_names_the_layers(clf, entry):
    with pytest.raises(ValueError, match=(
        r"^layer='hidden_7' is not a layer of this estimator; choose one of "
        r"\['hidden_0', 'readout'\]\.$"
    )):
        ENTRIES[entry](clf, "hidden_7")


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("unfitted", [
    InfomorphicClassifier(),
    make_pipeline(StandardScaler(), InfomorphicTransformer(n_neurons=3)),
])
def test_unfitted_estimator(entry, unfitted):
    name = type(unfitted[-1] if hasattr(unfitted, "steps") else unfitted).__name__
    with pytest.raises(NotFittedError, match=f"This {name} instance is not fitted yet"):
        ENTRIES[entry](unfitted, None)


@pytest.mark.parametrize("entry", ENTRIES)
def test_not_infomorphic(entry):
    with pytest.raises(TypeError, match="Expected a fitted InfomorphicClassifier"):
        ENTRIES[entry](LogisticRegression().fit(X, Y), None)


def test_fitted_layer_resolves_layer_lattice_and_x(clf):
    found = fitted_layer(clf)
    assert (found.estimator, found.name, found.X) == (clf, "hidden_0", None)
    assert found.columns("atoms") == ["{F}{C}", "{F}", "{C}", "{FC}"]
    assert found.columns("all") == list(clf.pid_atoms_.loc["hidden_0"].dropna(axis=1).columns)
    readout = fitted_layer(clf, "readout")
    assert readout.lattice is clf._lattices()[1]
    # In a Pipeline: the last infomorphic step, and X through the steps before it.
    pipe = make_pipeline(StandardScaler(), InfomorphicTransformer(
        n_neurons=3, random_state=0, n_jobs=1))
    pipe[0].fit(X)
    pipe[1].partial_fit(pipe[0].transform(X))
    found = fitted_layer(make_pipeline(pipe, LogisticRegression()), X=X)
    assert found.estimator is pipe[1] and found.name == "hidden_0"
    np.testing.assert_array_equal(found.X, pipe[0].transform(X))
