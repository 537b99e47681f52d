"""Persistence: pickle, joblib and skops round trips, in this process and in a new one;
the plain fitted state and its format; models saved by earlier versions (fixtures)."""

import io
import os
import pickle
import subprocess
import sys
import textwrap
from copy import deepcopy
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import BaseEstimator, clone
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError

import sklearn_infomorph
from sklearn_infomorph import (
    Goal,
    HebbianAssociativeMemory,
    InfomorphicAssociativeMemory,
    InfomorphicClassifier,
    InfomorphicTransformer,
)
from sklearn_infomorph import _persistence as persistence
from sklearn_infomorph._persistence import STATE_FORMAT

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


@pytest.mark.short_fit
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


@pytest.mark.short_fit
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


# -- plain fitted state ------------------------------------------------------------------
# What a state may hold: builtins, numpy arrays and scalars, and the package's public
# types (checked through their own state).
_PLAIN = (type(None), bool, int, float, complex, str, bytes, np.generic, np.dtype)


def non_plain(value, path="state"):
    """Where ``value`` holds anything but plain values and public types (paths)."""
    if isinstance(value, _PLAIN):
        return []
    if isinstance(value, np.ndarray):
        if value.dtype != object:
            return []
        return [p for i, v in enumerate(value.flat) for p in non_plain(v, f"{path}[{i}]")]
    if type(value) is dict:
        return [p for k, v in value.items()
                for p in non_plain(k, f"{path} key") + non_plain(v, f"{path}[{k!r}]")]
    if type(value) in (list, tuple):
        return [p for i, v in enumerate(value) for p in non_plain(v, f"{path}[{i}]")]
    if type(value) is Goal:
        return non_plain(value.__getstate__(), f"{path} (Goal)")
    return [f"{path}: {type(value).__module__}.{type(value).__qualname__}"]


def _patterns(n_patterns=4, n_neurons=24, seed=0):
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(n_patterns, n_neurons))


MEMORIES = {
    "infomorphic_memory": InfomorphicAssociativeMemory(max_iter=20, random_state=0),
    "hebbian_memory": HebbianAssociativeMemory(),
}


@pytest.fixture(scope="module")
def everything(fitted):
    """Every estimator of the package, fitted: the network estimators and both memories."""
    return {**fitted, **{name: clone(m).fit(_patterns()) for name, m in MEMORIES.items()}}


def _same_outputs(a, b, X):
    if hasattr(a, "coef_"):  # the memories: recall and weights
        cues = _patterns()
        np.testing.assert_array_equal(a.transform(cues), b.transform(cues))
        np.testing.assert_array_equal(a.coef_, b.coef_)
    else:
        for key, value in outputs(a, X).items():
            np.testing.assert_array_equal(value, outputs(b, X)[key])
    if hasattr(a, "pid_atoms_"):
        pd.testing.assert_frame_equal(a.pid_atoms_, b.pid_atoms_)


class _Recorder(pickle.Unpickler):
    """Unpickler noting every class or function a pickle refers to."""

    def __init__(self, blob):
        super().__init__(io.BytesIO(blob))
        self.globals = set()

    def find_class(self, module, name):
        self.globals.add(f"{module}.{name}")
        return super().find_class(module, name)


def test_state_holds_only_plain_values_and_public_types(everything):
    for name, est in everything.items():
        assert non_plain(est.__getstate__()) == [], name


def test_pickles_name_no_private_module_of_the_package(everything):
    for name, est in everything.items():
        recorder = _Recorder(pickle.dumps(est))
        _same_outputs(est, recorder.load(), None if name not in MODELS else _X())
        ours = {g for g in recorder.globals if g.startswith("sklearn_infomorph")}
        assert ours <= {f"sklearn_infomorph.{type(est).__name__}", "sklearn_infomorph.Goal"}, (
            name, ours)
        assert not any(g.split(".")[0] not in ("sklearn_infomorph", "numpy", "builtins",
                                               "copyreg", "_codecs") for g in recorder.globals)


def _X():
    X, _ = make_classification(n_samples=120, n_features=6, n_classes=3, n_informative=4,
                               random_state=0)
    return (X - X.mean(0)) / X.std(0)


def test_public_classes_pickle_under_the_package_name():
    for cls in (InfomorphicClassifier, InfomorphicTransformer, InfomorphicAssociativeMemory,
                HebbianAssociativeMemory, Goal):
        assert cls.__module__ == "sklearn_infomorph"
        assert pickle.loads(pickle.dumps(cls)) is cls
        assert b"sklearn_infomorph._" not in pickle.dumps(cls, protocol=0)


def test_copies_continue_identically(fitted, data):
    X, y = data
    original = fitted["classifier_fcl"]
    copy = deepcopy(original)
    _same_outputs(original, copy, X)
    a = pickle.loads(pickle.dumps(original)).partial_fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), copy.partial_fit(X, y).predict_proba(X))


def test_state_records_its_format_and_versions(everything):
    for est in everything.values():
        meta = est.__getstate__()["_sklearn_infomorph_state"]
        assert meta == {"format": STATE_FORMAT, "version": sklearn_infomorph.__version__,
                        "sklearn_version": sklearn.__version__}


def test_a_newer_format_raises_naming_both_versions(everything, monkeypatch):
    blobs = {}
    with monkeypatch.context() as patch:  # as a later version would write them
        patch.setattr(persistence, "STATE_FORMAT", STATE_FORMAT + 1)
        patch.setattr(persistence, "__version__", "9.1.0")
        for name, est in everything.items():
            blobs[name] = pickle.dumps(est)
    for name, blob in blobs.items():
        with pytest.raises(ValueError) as info:
            pickle.loads(blob)
        message = str(info.value)
        assert "sklearn-infomorph 9.1.0" in message, name
        assert f"sklearn-infomorph {sklearn_infomorph.__version__}, installed here" in message
        assert "pip install --upgrade" in message and "refit" in message


def test_a_parameter_missing_from_the_state_takes_its_default(fitted, data):
    """A model saved before a parameter existed loads with its __init__ default."""
    X, y = data
    original = fitted["classifier_fcl"]
    state = original.__getstate__()
    for name in ("class_weight", "n_iter_no_change", "lateral_connections"):
        del state[name]
    loaded = InfomorphicClassifier.__new__(InfomorphicClassifier)
    loaded.__setstate__(state)
    defaults = InfomorphicClassifier().get_params()
    assert loaded.class_weight is None and loaded.n_iter_no_change == 10
    assert loaded.get_params() == {**original.get_params(), "class_weight": None,
                                   "n_iter_no_change": defaults["n_iter_no_change"],
                                   "lateral_connections": None}
    _same_outputs(original, loaded, X)
    # and it trains on: lateral_connections only acts when layers are built.
    expected = pickle.loads(pickle.dumps(original)).partial_fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(loaded.partial_fit(X, y).predict_proba(X), expected)


def test_entries_unknown_to_this_version_are_ignored(everything):
    X = _X()
    for name, est in everything.items():
        state = est.__getstate__()
        state["an_attribute_of_a_later_version_"] = np.arange(3)
        state["_sklearn_infomorph_state"]["written_with"] = {"something": "new"}
        if "_network" in state:
            network = state["_network"]
            network["an_entry_of_a_later_version"] = [1, 2]
            for spec in [layer["spec"] for layer in network.get("layers", [])]:
                spec["a_field_of_a_later_version"] = 0.5
                spec["binning"]["another_one"] = None
        loaded = type(est).__new__(type(est))
        loaded.__setstate__(state)
        _same_outputs(est, loaded, X)


def test_a_pickle_from_before_the_format_loads(fitted, data):
    """Format 0 (pickled before states had a format: the network object inside),
    written before the calibration parameters existed: it loads and predicts
    uncalibrated, as it was fitted, and saves again as a plain state."""
    X, _ = data
    original = fitted["classifier_fcl"]
    state = dict(BaseEstimator.__getstate__(original))  # the network object itself
    for name in ("class_weight", "readout_calibration", "readout_calibration_"):
        del state[name]
    loaded = InfomorphicClassifier.__new__(InfomorphicClassifier)
    loaded.__setstate__(state)
    assert loaded.readout_calibration is False and loaded.readout_calibration_ is None
    assert loaded.class_weight is None
    uncalibrated = deepcopy(original)
    uncalibrated.readout_calibration_ = None
    np.testing.assert_array_equal(loaded.predict_proba(X), uncalibrated.predict_proba(X))
    assert not np.allclose(loaded.predict_proba(X), original.predict_proba(X))
    assert non_plain(loaded.__getstate__()) == []  # saved again: plain


# -- skops.io ----------------------------------------------------------------------------
def test_skops_round_trips_every_estimator_with_public_types_only(everything, tmp_path):
    sio = pytest.importorskip("skops.io")
    for name, est in {**everything, **{f"unfitted_{k}": clone(v) for k, v in
                                       {**MODELS, **MEMORIES}.items()}}.items():
        path = tmp_path / f"{name}.skops"
        sio.dump(est, path)
        untrusted = sio.get_untrusted_types(file=path)
        private = [t for t in untrusted
                   if any(part.startswith("_") for part in t.split("."))
                   or t.startswith("sklearn_infomorph._engine")]
        assert private == [], (name, untrusted)
        assert set(untrusted) <= {f"sklearn_infomorph.{type(est).__name__}",
                                  "sklearn_infomorph.Goal"}, (name, untrusted)
        loaded = sio.load(path, trusted=untrusted)
        assert repr(loaded) == repr(est)
        if not name.startswith("unfitted_"):
            _same_outputs(est, loaded, _X())


# -- models saved by earlier versions (tests/fixtures/make_fixtures.py) ------------------
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import make_fixtures  # noqa: E402  (the data and outputs the fixtures were written with)

FIXTURE_MODELS = [(path.parent.name, path.stem)
                  for path in sorted((FIXTURES / "persistence").glob("*/*.pkl"))]


PUBLIC_TYPES = [f"sklearn_infomorph.{cls.__name__}" for cls in (
    Goal, HebbianAssociativeMemory, InfomorphicAssociativeMemory, InfomorphicClassifier,
    InfomorphicTransformer)]


def _load_fixture(version, name, how="pickle"):
    folder = FIXTURES / "persistence" / version
    if how == "pickle":
        with open(folder / f"{name}.pkl", "rb") as fh:
            model = pickle.load(fh)
    else:
        sio = pytest.importorskip("skops.io")
        path = folder / f"{name}.skops"
        untrusted = sio.get_untrusted_types(file=path)
        assert set(untrusted) <= set(PUBLIC_TYPES), untrusted
        model = sio.load(path, trusted=untrusted)
    with np.load(folder / "expected.npz") as npz:
        expected = dict(npz)
    data = {k: expected[k] for k in ("X_digits", "y_digits", "patterns")}
    prefix = f"{name}__"
    return model, data, {k[len(prefix):]: v for k, v in expected.items() if k.startswith(prefix)}


def test_make_fixtures_writes_small_files_that_load(tmp_path):
    """The script runs with this version; the files it writes stay small (committed)."""
    out = tmp_path / "fixtures"
    make_fixtures.main(["--out", str(out)])
    sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    assert set(sizes) == {"expected.npz"} | {f"{n}.{e}" for n in
                                             ("classifier", "transformer", "memory", "hebbian")
                                             for e in ("pkl", "skops")}
    assert max(sizes.values()) < 40_000 and sum(sizes.values()) < 200_000, sizes
    with pytest.raises(SystemExit, match="exists"):
        make_fixtures.main(["--out", str(out)])


def test_there_are_fixtures_of_this_state_format():
    assert FIXTURE_MODELS, "no fixtures: run tests/fixtures/make_fixtures.py"
    formats = set()
    for version, name in FIXTURE_MODELS:
        with open(FIXTURES / "persistence" / version / f"{name}.pkl", "rb") as fh:
            formats.add(pickle.load(fh).__getstate__()["_sklearn_infomorph_state"]["format"])
    assert STATE_FORMAT in formats


@pytest.mark.parametrize("how", ["pickle", "skops"])
@pytest.mark.parametrize("version, name", FIXTURE_MODELS)
def test_saved_models_load_and_give_the_same_outputs(version, name, how):
    """A model saved by any earlier version predicts as it did when it was saved."""
    model, data, expected = _load_fixture(version, name, how)
    got = make_fixtures.outputs(name, model, data)
    assert set(got) <= set(expected)
    for key, value in got.items():
        np.testing.assert_array_equal(value, expected[key], err_msg=f"{version} {name} {key}")


@pytest.mark.short_fit
@pytest.mark.parametrize("version, name", [v for v in FIXTURE_MODELS
                                           if v[1] in ("classifier", "transformer")])
def test_saved_models_continue_training_as_the_original(version, name):
    """partial_fit / a warm-started fit of a loaded model give what the model that was
    saved gave (recorded when the fixture was written), and loading twice gives the same.

    Training itself may change on purpose in a later version (a new fingerprint); the
    recorded continuation then no longer applies to that fixture and its check can be
    dropped, the determinism check stays."""
    _, data, expected = _load_fixture(version, name)
    loaded = lambda: _load_fixture(version, name)[0]  # noqa: E731
    got = make_fixtures.continued(name, loaded, data)
    assert got
    for key, value in make_fixtures.continued(name, loaded, data).items():
        np.testing.assert_array_equal(got[key], value)
        if (version, name) in _DECISION_CHANGED_SINCE:
            # Training is the same; the readout calibration of the continued fit is
            # now fitted on binned statistics (it was fitted on every row).
            np.testing.assert_allclose(value, expected[key], rtol=0, atol=2e-3,
                                       err_msg=f"{version} {name} {key}")
        else:
            np.testing.assert_array_equal(value, expected[key],
                                          err_msg=f"{version} {name} {key}")


# Fixtures whose continued training ends in a readout decision made by a newer rule
# (the decision of a loaded model, and its predictions, are unchanged).
_DECISION_CHANGED_SINCE = {("0.2.0.dev0", "classifier")}


class _ClassifierWithRequiredParameter(InfomorphicClassifier):
    def __init__(self, hidden_layer_sizes, *, max_iter=3, extra=None):
        super().__init__(hidden_layer_sizes, max_iter=max_iter, batch_size=32,
                         random_state=0, n_jobs=1)
        self.extra = extra


@pytest.mark.short_fit
def test_a_subclass_with_a_required_parameter_round_trips(data):
    """Missing entries are filled from the __init__ signature, without calling it."""
    X, y = data
    est = _ClassifierWithRequiredParameter((4,), extra="kept").fit(X, y)
    state = est.__getstate__()
    del state["max_iter"]
    loaded = _ClassifierWithRequiredParameter.__new__(_ClassifierWithRequiredParameter)
    loaded.__setstate__(state)
    assert loaded.max_iter == 3 and loaded.extra == "kept"
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
