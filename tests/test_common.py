"""Properties every estimator of the package shares, tested once for all of them.

Each test runs on every estimator the property applies to: the classifier, the
transformer, the infomorphic associative memory and the Hebbian one. The tests use
the public API only (plus the engine's thread team as a spy), so that
moving the package's modules does not touch them. Properties of one estimator alone
stay in its own test file; scikit-learn's own checks are in test_estimator_checks.py.
"""

import pickle
import threading
import warnings

import numba
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sklearn_infomorph import (
    HebbianAssociativeMemory,
    InfomorphicAssociativeMemory,
    InfomorphicClassifier,
    InfomorphicTransformer,
)


def _patterns(n_patterns=12, n_neurons=40, seed=0):
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(n_patterns, n_neurons))


# name -> (small estimator, kind of data); n_jobs=1: these fits are far below the sizes
# from which the engine uses threads (the thread tests below choose their own sizes).
ESTIMATORS = {
    "classifier": (lambda **p: InfomorphicClassifier(
        **{**dict(hidden_layer_sizes=(12,), sources="FCL", batch_size=64, max_iter=3,
                  random_state=0, n_jobs=1), **p}), "labelled"),
    "transformer": (lambda **p: InfomorphicTransformer(
        **{**dict(n_neurons=12, batch_size=64, max_iter=3, random_state=0, n_jobs=1),
           **p}), "unlabelled"),
    "transformer_supervised": (lambda **p: InfomorphicTransformer(
        **{**dict(n_neurons=12, sources="FC", batch_size=64, max_iter=3, random_state=0,
                  n_jobs=1), **p}), "labelled"),
    "infomorphic_memory": (lambda **p: InfomorphicAssociativeMemory(
        **{**dict(max_iter=20, random_state=0, n_jobs=1), **p}), "patterns"),
    "hebbian_memory": (lambda **p: HebbianAssociativeMemory(**p), "patterns"),
}
NAMES = list(ESTIMATORS)
TRAINED = [n for n in NAMES if n != "hebbian_memory"]  # learn from a random start
WARM = [n for n in NAMES if "warm_start" in ESTIMATORS[n][0]().get_params()]
# A change of each warm-startable estimator's architecture.
ARCHITECTURE_CHANGES = {
    "classifier": [{"hidden_layer_sizes": (7,)}, {"sources": "FC"}],
    "transformer": [{"n_neurons": 5}, {"sources": "FC"}],
    "transformer_supervised": [{"n_neurons": 5}, {"sources": "FCL"}],
}


def make(name, **params):
    return ESTIMATORS[name][0](**params)


@pytest.fixture(scope="module")
def datasets(digits):
    X_train, _, y_train, _ = digits
    return {"labelled": (X_train[:400], y_train[:400]), "unlabelled": (X_train[:400], None),
            "patterns": (_patterns(), None)}


def data(name, datasets):
    return datasets[ESTIMATORS[name][1]]


def outputs(est, X):
    """Every output method's result on X."""
    result = {}
    for method in ("predict_proba", "predict", "transform"):
        if hasattr(est, method):
            result[method] = getattr(est, method)(X)
    return result


def fitted_arrays(est):
    """The learned state, as (name, array) pairs: weights, goal curve, PID atoms."""
    arrays = []
    for name in ("coefs_", "intercepts_"):
        for i, layer in enumerate(getattr(est, name, [])):
            arrays += [(f"{name}[{i}][{k}]", v) for k, v in sorted(layer.items())]
    for name in ("coef_", "goal_curve_"):
        if hasattr(est, name):
            arrays.append((name, getattr(est, name)))
    if hasattr(est, "pid_atoms_"):
        arrays.append(("pid_atoms_", est.pid_atoms_.to_numpy()))
    assert arrays, f"{type(est).__name__} exposes no fitted arrays"
    return arrays


def assert_same_model(a, b, X):
    names_a, names_b = [n for n, _ in fitted_arrays(a)], [n for n, _ in fitted_arrays(b)]
    assert names_a == names_b
    for (name, va), (_, vb) in zip(fitted_arrays(a), fitted_arrays(b)):
        np.testing.assert_array_equal(va, vb, err_msg=name)
    out_a, out_b = outputs(a, X), outputs(b, X)
    assert out_a.keys() == out_b.keys() and out_a
    for method in out_a:
        np.testing.assert_array_equal(out_a[method], out_b[method], err_msg=method)


def fit(est, X, y):
    return est.fit(X) if y is None else est.fit(X, y)


# -- determinism -------------------------------------------------------------------------
@pytest.mark.short_fit
@pytest.mark.parametrize("name", NAMES)
def test_same_random_state_gives_the_same_model_fresh_refit_and_cloned(name, datasets):
    X, y = data(name, datasets)
    first = fit(make(name), X, y)
    assert_same_model(first, fit(make(name), X, y), X)
    # Refitting the same object starts afresh (no state carried over) ...
    refit = fit(make(name), X, y)
    fit(refit, X, y)
    assert_same_model(first, refit, X)
    # ... and so does a clone.
    assert_same_model(first, fit(clone(first), X, y), X)


@pytest.mark.short_fit
@pytest.mark.parametrize("name", TRAINED)
def test_another_random_state_gives_another_model(name, datasets):
    X, y = data(name, datasets)
    a = fit(make(name, random_state=0), X, y)
    b = fit(make(name, random_state=1), X, y)
    first_weights = fitted_arrays(a)[0][1], fitted_arrays(b)[0][1]
    assert not np.array_equal(*first_weights)


# -- pickling ------------------------------------------------------------------------------
@pytest.mark.short_fit
@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip_of_fitted_and_unfitted(name, datasets):
    X, y = data(name, datasets)
    est = fit(make(name), X, y)
    restored = pickle.loads(pickle.dumps(est))
    assert type(restored) is type(est)
    assert restored.get_params() == est.get_params()
    assert_same_model(est, restored, X)
    unfitted = pickle.loads(pickle.dumps(make(name)))
    assert repr(unfitted) == repr(make(name))
    assert_same_model(est, fit(unfitted, X, y), X)


# -- not fitted ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_unfitted_estimator_raises_not_fitted_error(name, datasets):
    X, y = data(name, datasets)
    est = make(name)
    methods = [m for m in ("predict", "predict_proba", "transform", "score") if hasattr(est, m)]
    assert methods
    for method in methods:
        args = (X,) if method != "score" or y is None else (X, y)
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(est, method)(*args)


# -- parameters ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_get_params_set_params_and_clone(name):
    est = make(name)
    params = est.get_params()
    assert params, "no parameters"
    # get_params reports the constructor's arguments, and set_params returns self.
    assert clone(est).get_params() == params
    key = next(k for k, v in params.items() if isinstance(v, int) and not isinstance(v, bool)
               and k not in ("verbose",))
    assert est.set_params(**{key: params[key] + 1}) is est
    assert est.get_params()[key] == params[key] + 1
    with pytest.raises(ValueError, match="Invalid parameter 'bogus'"):
        est.set_params(bogus=1)


@pytest.mark.parametrize("name", [n for n in NAMES if "n_jobs" in make(n).get_params()])
def test_n_jobs_zero_names_the_parameter(name, datasets):
    X, y = data(name, datasets)
    with pytest.raises(ValueError, match="'n_jobs' parameter"):
        fit(make(name, n_jobs=0), X, y)


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.short_fit
@pytest.mark.parametrize("name", NAMES)
def test_bad_input_gets_a_clear_error(name, datasets):
    X, y = data(name, datasets)
    for value, message in ((np.nan, "NaN"), (np.inf, "infinity")):
        bad = X.copy()
        bad[1, 2] = value
        with pytest.raises(ValueError, match=message):
            fit(make(name), bad, y)
    with pytest.raises(ValueError, match="Expected 2D array"):
        fit(make(name), X[0], None if y is None else y[:1])
    with pytest.raises(ValueError, match="0 sample"):
        fit(make(name), X[:0], None if y is None else y[:0])
    with pytest.raises(ValueError, match="Complex data not supported"):
        fit(make(name), X + 1j, y)
    if y is not None:
        with pytest.raises(ValueError, match="inconsistent numbers of samples"):
            make(name).fit(X, y[:-1])
    est = fit(make(name), X, y)
    for method in outputs(est, X):
        with pytest.raises(ValueError, match=f"has {X.shape[1] - 1} features"):
            getattr(est, method)(X[:, 1:])


@pytest.mark.short_fit
@pytest.mark.parametrize("name", NAMES)
def test_feature_names_are_kept_and_checked(name, datasets):
    X, y = data(name, datasets)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    est = fit(make(name), frame, y)
    np.testing.assert_array_equal(est.feature_names_in_, frame.columns)
    assert est.n_features_in_ == X.shape[1]
    renamed = frame.rename(columns={"x0": "other"})
    for method in outputs(est, frame):
        with pytest.raises(ValueError, match="feature names"):
            getattr(est, method)(renamed)


# -- warm_start and partial_fit ------------------------------------------------------------------
@pytest.mark.short_fit
@pytest.mark.parametrize("name", WARM)
def test_warm_start_continues_and_a_cold_fit_restarts(name, datasets):
    X, y = data(name, datasets)
    warm = fit(make(name, warm_start=True, max_iter=2), X, y)
    before = fitted_arrays(warm)[0][1].copy()
    fit(warm, X, y)
    assert warm.n_iter_ == 4
    assert not np.array_equal(before, fitted_arrays(warm)[0][1])
    # Two warm fits of 2 epochs are not one fit of 4: each fit re-shuffles from the
    # state left, but a cold refit of the continued model equals a fresh model.
    cold = fit(warm.set_params(warm_start=False), X, y)
    assert cold.n_iter_ == 2
    assert_same_model(cold, fit(make(name, max_iter=2), X, y), X)


@pytest.mark.short_fit
@pytest.mark.parametrize("name, change",
                         [(n, c) for n in WARM for c in ARCHITECTURE_CHANGES[n]],
                         ids=[f"{n}-{next(iter(c))}" for n in WARM for c in ARCHITECTURE_CHANGES[n]])
def test_warm_start_and_partial_fit_refuse_a_changed_architecture(name, change, datasets):
    # Labels throughout: a change may add the context source C, which needs them (an
    # estimator without C ignores them).
    X, y = datasets["labelled"]
    warm = make(name, warm_start=True, max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="cannot change.*warm_start=False"):
        warm.set_params(**change).fit(X, y)
    partial = make(name).partial_fit(X, y, classes=np.unique(y))
    with pytest.raises(ValueError, match="cannot change"):
        partial.set_params(**change).partial_fit(X, y)
    # Without warm_start the new architecture is simply fitted.
    assert warm.set_params(warm_start=False).fit(X, y).n_iter_ == 1


@pytest.mark.short_fit
@pytest.mark.parametrize("name", WARM)
def test_warm_start_and_partial_fit_refuse_other_features(name, datasets):
    X, y = data(name, datasets)
    warm = fit(make(name, warm_start=True, max_iter=1), X, y)
    with pytest.raises(ValueError, match=f"X has 10 features.*expecting {X.shape[1]}"):
        fit(warm, X[:, :10], y)
    with pytest.raises(ValueError, match=f"X has 10 features.*expecting {X.shape[1]}"):
        warm.partial_fit(X[:, :10]) if y is None else warm.partial_fit(X[:, :10], y)


# -- threads ---------------------------------------------------------------------------------
# Sizes that reach the engine's thread thresholds (``_thread_pool``): a layer's kernels
# share a batch's work between threads from MIN_WORK_PER_THREAD = 16384 (sample, neuron)
# pairs on (batch 512 x 160 neurons = 81920; the readout's 512 x 10 stays below), its
# products from MIN_PRODUCT_WORK = 2M multiply-adds (512 x 64 x 160 = 5.2M), the row
# gather and the optimiser from MIN_ELEMENTWISE_WORK = 8192 elements (512 x 64 rows,
# 64 x 160 weights), and prediction from 16384 (row, neuron) pairs (400 rows x 160
# neurons). The memory trains full-batch on 256 patterns of 320 neurons (81920 pairs).
THREADED = {
    "classifier-FC": (lambda n_jobs: InfomorphicClassifier(
        hidden_layer_sizes=(160,), sources="FC", batch_size=512, max_iter=2, random_state=0,
        n_jobs=n_jobs), "labelled"),
    "classifier-FL": (lambda n_jobs: InfomorphicClassifier(
        hidden_layer_sizes=(160,), sources="FL", batch_size=512, max_iter=2, random_state=0,
        n_jobs=n_jobs), "labelled"),
    "classifier-FCL": (lambda n_jobs: InfomorphicClassifier(
        hidden_layer_sizes=(160,), sources="FCL", batch_size=512, max_iter=2, random_state=0,
        n_jobs=n_jobs), "labelled"),
    "transformer-FL": (lambda n_jobs: InfomorphicTransformer(
        n_neurons=160, batch_size=512, max_iter=2, random_state=0, n_jobs=n_jobs),
        "unlabelled"),
    "infomorphic_memory": (lambda n_jobs: InfomorphicAssociativeMemory(
        max_iter=3, random_state=0, n_jobs=n_jobs), "memory"),
}


@pytest.fixture(scope="module")
def threaded_data(digits):
    X_train, _, y_train, _ = digits  # 1257 rows: two batches of 512, one of 233
    return {"labelled": (X_train, y_train), "unlabelled": (X_train, None),
            "memory": (_patterns(256, 320), None)}


def _record_pool_threads(monkeypatch):
    """Thread ident -> modules of the block functions it ran, for every block list the
    engine's thread team runs (in the caller or a worker)."""
    from sklearn_infomorph._engine import _thread_pool

    seen = {}
    run_share = _thread_pool._run_share

    def recording_run_share(function, share):
        module = getattr(function, "__module__", "") or ""
        seen.setdefault(threading.get_ident(), set()).add(module.rsplit(".", 1)[-1])
        return run_share(function, share)

    monkeypatch.setattr(_thread_pool, "_run_share", recording_run_share)
    return seen


@pytest.fixture(scope="module")
def threaded_fits(threaded_data):
    """name -> (model with n_jobs=1, with n_jobs=2, the modules whose blocks threads
    other than the caller's ran for each), fitted and predicting at sizes above the
    thread thresholds."""
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs at least 2 numba threads (NUMBA_NUM_THREADS)")
    results = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        seen = _record_pool_threads(monkeypatch)
        for name, (factory, kind) in THREADED.items():
            X, y = threaded_data[kind]
            models, helpers = [], []
            for n_jobs in (1, 2):
                seen.clear()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    model = fit(factory(n_jobs), X, y)
                predictions = outputs(model, X)
                models.append((model, predictions))
                caller = threading.get_ident()
                helpers.append(set().union(*(m for t, m in seen.items() if t != caller)))
            results[name] = (*models, *helpers)
    return results


@pytest.mark.short_fit
@pytest.mark.parametrize("name", THREADED)
def test_n_jobs_gives_bit_identical_models_and_outputs(name, threaded_fits, threaded_data):
    (one, out_one), (two, out_two), _, _ = threaded_fits[name]
    for (key, a), (_, b) in zip(fitted_arrays(one), fitted_arrays(two), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=key)
    assert out_one.keys() == out_two.keys() and out_one
    for method in out_one:
        np.testing.assert_array_equal(out_one[method], out_two[method], err_msg=method)


@pytest.mark.parametrize("name", THREADED)
def test_n_jobs_2_really_shares_the_work_between_threads(name, threaded_fits):
    # Without this the identity test above could pass by never using a second thread.
    _, _, helpers_one, helpers_two = threaded_fits[name]
    assert not helpers_one, "n_jobs=1 handed work to another thread"
    assert helpers_two, "n_jobs=2 never handed work to another thread"
    if name.startswith(("classifier", "transformer")):
        # Every phase of a training step reached the second thread: the layer's kernels,
        # its products (_thread_pool.product), the optimiser and the row gather.
        assert {"_layer", "_thread_pool", "_adam", "_float32"} <= helpers_two, helpers_two
