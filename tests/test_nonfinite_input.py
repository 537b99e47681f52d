"""NaN and infinity in the training rows: found by the fit loop as it gathers the rows of
the first epoch (dense X gets no separate check before training), with the error that
scikit-learn's own check gives and the estimator left exactly as it was."""

import pickle

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_infomorph import InfomorphicClassifier, InfomorphicTransformer
from sklearn_infomorph._engine import _network

pytestmark = pytest.mark.short_fit

ESTIMATORS = [
    (InfomorphicClassifier, dict(hidden_layer_sizes=(6,), sources="FCL")),
    (InfomorphicTransformer, dict(n_neurons=6, sources="FC")),
    (InfomorphicTransformer, dict(n_neurons=6, sources="FL")),
]
IDS = ["classifier-FCL", "transformer-FC", "transformer-FL"]
# A goal other than the default of each kind of neuron.
OTHER_GOAL = {"FCL": "trivariate_heuristic", "FC": "context_heuristic", "FL": "lateral_heuristic"}
BAD_ROW = 370  # in the 8th of 8 batches of 50 (shuffle=False)


def make(cls, **params):
    base = dict(max_iter=2, batch_size=50, shuffle=False, random_state=0, n_jobs=1)
    return cls(**{**base, **params})


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(400, 8, n_informative=5, n_classes=3, random_state=0)
    return X, y


def with_value(X, value, row=BAD_ROW):
    bad = X.copy()
    bad[row, 3] = value
    return bad


@pytest.fixture
def batches(monkeypatch):
    """Count the network's training steps (to show that batches trained before the
    bad row was met, i.e. that rolling back is needed)."""
    calls = []
    original = _network.Network.train_batch

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_network.Network, "train_batch", counted)
    return calls


@pytest.mark.parametrize("cls, params", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("value, message", [
    (np.nan, "contains NaN.*SimpleImputer"),
    (np.inf, "contains infinity.*Scale X"),
    (-np.inf, "contains infinity.*Scale X"),
    # Finite in float64, infinity in the engine's float32.
    (-1e39, r"contains infinity or a value too large for float32 \(\|x\| = 1e\+39 > 3.4e\+38\).*Scale X"),
])
def test_first_fit_raises_and_leaves_the_estimator_unfitted(cls, params, value, message,
                                                            data, batches):
    X, y = data
    est = make(cls, **params)
    with pytest.raises(ValueError, match=f"Input X {message}") as raised:
        est.fit(with_value(X, value), y)
    assert type(raised.value) is ValueError  # as scikit-learn's own check raises
    assert len(batches) == BAD_ROW // 50  # the batches before the bad one trained
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert not [k for k in vars(est) if k.endswith("_") or k.startswith("_")]
    # The same estimator then fits clean data as a new one does.
    expected = make(cls, **params).fit(X, y).transform(X) if cls is InfomorphicTransformer \
        else make(cls, **params).fit(X, y).predict_proba(X)
    est.fit(X, y)
    got = est.transform(X) if cls is InfomorphicTransformer else est.predict_proba(X)
    np.testing.assert_array_equal(got, expected)


def assert_same_state(a, b, where="state"):
    """Plain values, arrays, lists and dicts equal all the way down."""
    assert type(a) is type(b), where
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same_state(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for k, (u, v) in enumerate(zip(a, b)):
            assert_same_state(u, v, f"{where}[{k}]")
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
    else:
        assert pickle.dumps(a) == pickle.dumps(b), where


def _outputs(est, X):
    return est.transform(X) if isinstance(est, InfomorphicTransformer) else est.predict_proba(X)


@pytest.mark.parametrize("cls, params", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("call", ["refit", "warm_start_new_goal", "partial_fit",
                                  "early_stopping"])
def test_a_fitted_estimator_is_left_as_it_was(cls, params, call, data, batches):
    X, y = data
    est = make(cls, **params).fit(X, y)
    untouched = pickle.loads(pickle.dumps(est))
    before = _outputs(est, X)
    bad = with_value(X, np.nan)
    n_fit = len(batches)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        if call == "refit":
            est.fit(bad, y)
        elif call == "warm_start_new_goal":
            # A new goal is set on the network before training: it must be undone too.
            est.set_params(warm_start=True, goal=OTHER_GOAL[params["sources"]])
            est.fit(bad, y)
        elif call == "partial_fit":
            est.partial_fit(bad, y)
        else:
            est.set_params(early_stopping=True, validation_fraction=0.2)
            est.fit(bad, y)
    if call != "early_stopping":  # (a NaN among the validation rows stops it at once)
        assert len(batches) > n_fit
    est.set_params(**untouched.get_params())
    # The whole fitted state (what the pickle holds: the network's weights, optimiser
    # and goals as plain arrays) is that of the copy.
    assert_same_state(est.__getstate__(), untouched.__getstate__())
    np.testing.assert_array_equal(_outputs(est, X), before)
    for name in ("n_iter_", "t_", "n_features_in_"):
        assert getattr(est, name) == getattr(untouched, name)
    # Weights, optimiser, goals and generator are as before: further training is
    # bit-identical to that of the copy that never met the bad rows.
    est.set_params(warm_start=True)
    untouched.set_params(warm_start=True)
    np.testing.assert_array_equal(_outputs(est.fit(X, y), X),
                                  _outputs(untouched.fit(X, y), X))


def test_early_stopping_rows_are_checked_before_any_training(data, batches):
    X, y = data
    bad = with_value(X, np.nan, row=0)
    for row in range(len(X)):  # a NaN in every row: the validation rows hold some
        bad[row, 0] = np.nan
    est = make(InfomorphicClassifier, early_stopping=True, validation_fraction=0.2)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.fit(bad, y)
    assert batches == []


def test_rows_an_interrupted_epoch_did_not_reach_are_still_checked(data, monkeypatch):
    # The first epoch stops (interrupted) before the bad row: the final check of the
    # fit, over all of X, finds it.
    X, y = data
    original = _network.Network.train_batch
    calls = []

    def interrupted_at_second(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_network.Network, "train_batch", interrupted_at_second)
    est = make(InfomorphicClassifier)
    with pytest.warns(UserWarning, match="interrupted"), \
            pytest.raises(ValueError, match="Input X contains NaN"):
        est.fit(with_value(X, np.nan), y)
    assert len(calls) == 2
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


def test_sparse_input_is_checked_by_scikit_learn(data):
    X, y = data
    with pytest.raises(ValueError, match="Input X contains NaN"):
        make(InfomorphicClassifier).fit(sparse.csr_matrix(with_value(X, np.nan)), y)


def test_prediction_still_checks_its_input(data):
    X, y = data
    est = make(InfomorphicClassifier).fit(X, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(with_value(X, np.nan))
