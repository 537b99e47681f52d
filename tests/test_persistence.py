"""Persistence: pickle and joblib round trips, in this process and in a new one."""

import os
import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError

from sklearn_infomorph import InfomorphicClassifier, InfomorphicTransformer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MODELS = {
    "classifier_fcl": InfomorphicClassifier(
        hidden_layer_sizes=(5,), sources="FCL", lateral_connections=2, max_iter=3,
        batch_size=32, random_state=0, n_jobs=1,
    ),
    "classifier_fc_early_stopping": InfomorphicClassifier(
        hidden_layer_sizes=(4,), sources="FC", goal="context_heuristic", max_iter=3,
        early_stopping=True, batch_size=32, random_state=1, n_jobs=1,
    ),
    "transformer_fl": InfomorphicTransformer(
        n_neurons=5, max_iter=3, batch_size=32, random_state=0, n_jobs=1
    ),
    "transformer_fc_sign": InfomorphicTransformer(
        n_neurons=5, sources="FC", output="sign", max_iter=3, batch_size=32, random_state=0,
        n_jobs=1,
    ),
}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=120, n_features=6, n_classes=3, n_informative=4,
                               random_state=0)
    return (X - X.mean(0)) / X.std(0), np.array(["a", "b", "c"])[y]


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return {name: _fit(est, X, y) for name, est in MODELS.items()}


def _fit(est, X, y):
    return clone(est).fit(X, y)


def outputs(est, X):
    if isinstance(est, InfomorphicClassifier):
        return {"predict_proba": est.predict_proba(X), "predict": est.predict(X)}
    return {"transform": est.transform(X)}


def assert_same_fitted(a, b, X):
    assert a.get_params() == b.get_params() or repr(a) == repr(b)
    for key, value in outputs(a, X).items():
        np.testing.assert_array_equal(value, outputs(b, X)[key])
    for name in ("coefs_", "intercepts_"):
        for layer_a, layer_b in zip(getattr(a, name), getattr(b, name), strict=True):
            assert layer_a.keys() == layer_b.keys()
            for k in layer_a:
                np.testing.assert_array_equal(layer_a[k], layer_b[k])
    for name in ("goal_curve_", "n_features_in_", "n_iter_", "t_", "layer_names_",
                 "best_goal_", "validation_scores_"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    pd.testing.assert_frame_equal(a.pid_atoms_, b.pid_atoms_)
    pd.testing.assert_frame_equal(a.pid_history_, b.pid_history_)
    assert {k: g.get_params() for k, g in a.goals_.items()} == {
        k: g.get_params() for k, g in b.goals_.items()
    }
    if isinstance(a, InfomorphicClassifier):
        np.testing.assert_array_equal(a.classes_, b.classes_)
        np.testing.assert_array_equal(a.readout_flip_, b.readout_flip_)


def _round_trips(est, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    return [pickle.loads(pickle.dumps(est)), joblib.load(path)]


@pytest.mark.parametrize("name", MODELS)
def test_fitted_round_trips_are_identical_and_continue_identically(name, fitted, data,
                                                                   tmp_path):
    X, y = data
    original = fitted[name]
    for copy in _round_trips(original, tmp_path):
        assert_same_fitted(original, copy, X)
        # The generator state travels too: continuing gives the same model.
        a = pickle.loads(pickle.dumps(original)).partial_fit(X, y)
        assert_same_fitted(a, copy.partial_fit(X, y), X)


@pytest.mark.parametrize("name", MODELS)
def test_unfitted_round_trips(name, data, tmp_path):
    X, y = data
    for copy in _round_trips(MODELS[name], tmp_path):
        assert repr(copy) == repr(MODELS[name])
        with pytest.raises(NotFittedError):
            outputs(copy, X)
        assert_same_fitted(copy.fit(X, y), _fit(MODELS[name], X, y), X)


@pytest.mark.slow
@pytest.mark.subprocess
def test_loaded_in_a_new_process_predicts_identically(fitted, data, tmp_path):
    X, _ = data
    joblib.dump({"models": fitted, "X": X}, tmp_path / "models.joblib")
    script = textwrap.dedent(
        """
        import sys, joblib, numpy as np
        bundle = joblib.load(sys.argv[1])
        out = {}
        for name, est in bundle["models"].items():
            if hasattr(est, "predict_proba"):
                out[name] = est.predict_proba(bundle["X"])
            else:
                out[name] = est.transform(bundle["X"])
            out[name + "_pid"] = est.pid_atoms_.to_numpy()
        np.savez(sys.argv[2], **out)
        """
    )
    result = tmp_path / "out.npz"
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "models.joblib"), str(result)],
        check=True, env=dict(os.environ), timeout=300,
    )
    loaded = np.load(result)
    for name, est in fitted.items():
        expected = est.predict_proba(X) if name.startswith("classifier") else est.transform(X)
        np.testing.assert_array_equal(loaded[name], expected)
        np.testing.assert_array_equal(loaded[name + "_pid"], est.pid_atoms_.to_numpy())
