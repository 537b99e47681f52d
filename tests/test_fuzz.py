"""Fuzz: random estimators, hyperparameters and (often bad) data, drawn by hypothesis.

Every case must end in one of two ways:

* a clear error: a ValueError or TypeError (scikit-learn's InvalidParameterError is
  both) raised while checking parameters or data, before the numerical engine runs;
* a correct model: finite weights, goals and outputs; probabilities in (0, 1) summing
  to one; predictions among ``classes_``.

Anything else (another exception type, an error raised inside the engine, a NaN) is a
failure. ``benchmarks/fuzz_report.py`` runs the same strategy, :func:`cases`, at scale
and counts the outcomes with :func:`run_case`.
"""

import traceback
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from sklearn_infomorph import InfomorphicClassifier, InfomorphicTransformer
from sklearn_infomorph.lattice import redundancy_lattice

# Valid values of every parameter drawn, extremes included. A case breaks at most one
# parameter (INVALID) and at most one property of the data (BROKEN_DATA), so that most
# cases fit and the rest test one error each.
VALID = {
    "n_bins": [2, 3, 20, 20, 1024],
    "binning": ["auto", "adaptive", "fixed"],
    "bin_range": [20.0, 0.5, 1e-300, 1e300],
    "lateral_connections": [None, None, 0, 1, 3, 100],
    "k1": [0.9, 0.0, 1.0],
    "k2": [2.0, -5.0, 50.0],
    "c1": [0.1, 0.0, 0.5],
    "c2": [0.1, 0.0, 0.5],
    "w1": [2.0, -3.0, 100.0],
    "w2": [2.0, -3.0, 100.0],
    "batch_size": ["auto", 1, 2, 7, 10**6],
    "learning_rate_init": [0.002, 0.002, 1e-6, 0.5, 1e3, 1e300],
    "alpha": [3.5e-4, 0.0, 10.0],
    "tol": [1e-4, 0.0, 1e9],
    "validation_fraction": [0.1, 0.5],
}
INVALID = {
    "sources": ["F", "FX", (1, 2), "FCLX"],
    "n_bins": [1, 2000, 2.5],
    "bin_range": [0.0, -1.0, float("inf")],
    "lateral_connections": [-1],
    "k1": [1.5],
    "k2": [float("inf"), float("nan")],
    "c1": [0.7],  # with c2 = 0.7 below: c1 + c2 > 1
    "batch_size": [0, "big"],
    "learning_rate_init": [-1.0, 0.0],
    "max_iter": [0],
    "n_jobs": [0],
    "validation_fraction": [1.0],
    "goal": ["no_such_goal", {"bogus": 1.0}, {"red": float("nan")}, {"red": "a"},
             {"red": True}, {"{F}{C}{L}": 1.0}, 3],
    "hidden_layer_sizes": [(3, 0), (2.5,)],
    "n_neurons": [0],
    "output": ["binary"],
}
BROKEN_DATA = ["empty", "nan", "inf", "continuous_y", "mixed_y", "y_length", "one_class"]
SCALES = [1.0, 1.0, 1.0, 1e6, 1e-6, 1e150, 1e-300]


class NaNModel(AssertionError):
    """A fit that returned a model with a non-finite weight, goal or output."""


@st.composite
def cases(draw):
    """One estimator with its parameters, data and a way to fit it."""
    kind = draw(st.sampled_from(["classifier", "transformer"]))
    sources = draw(st.sampled_from(["FC", "FL", "FCL", "FCL", "CF", ("F", "L")]))
    canon = "".join(c for c in "FCL" if c in "".join(sources))
    params = {name: draw(st.sampled_from(values)) for name, values in VALID.items()}
    params.update(
        sources=sources,
        max_iter=draw(st.integers(1, 2)),
        shuffle=draw(st.booleans()),
        early_stopping=draw(st.booleans()),
        n_iter_no_change=draw(st.integers(1, 2)),
        random_state=draw(st.integers(0, 2**31 - 1)),
        n_jobs=1,
    )
    goal = draw(st.sampled_from(["default", "preset", "dict"]))
    if goal == "preset":
        preset = {"FC": "context_heuristic", "FL": "lateral_optimized", "FCL": "trivariate_minimal"}
        params["goal"] = preset[canon]
    elif goal == "dict":
        atoms = redundancy_lattice(len(canon), canon).names + ["H_res", "syn"]
        names = draw(st.lists(st.sampled_from(atoms), min_size=1, max_size=3, unique=True))
        params["goal"] = {n: draw(st.sampled_from([1.0, -2.5, 0.0, 1e6])) for n in names}
    if kind == "classifier":
        params["hidden_layer_sizes"] = tuple(draw(st.lists(st.integers(1, 6), max_size=2)))
        params["readout_learning_rate"] = draw(st.sampled_from([0.003, 0.05, 1e300]))
    else:
        params["n_neurons"] = draw(st.integers(1, 6))
        params["output"] = draw(st.sampled_from(["probability", "sign"]))
    own = {"classifier": {"n_neurons", "output"}, "transformer": {"hidden_layer_sizes"}}
    breakable = sorted(set(INVALID) - own[kind])
    broken = draw(st.sampled_from([None] * 40 + breakable))
    if broken is not None:
        params[broken] = draw(st.sampled_from(INVALID[broken]))
        if broken == "c1":
            params["c2"] = 0.7

    many_classes = draw(st.integers(0, 19)) == 0  # 100 classes now and then
    data = dict(
        n_samples=200 if many_classes else draw(st.integers(2, 40)),
        n_features=draw(st.integers(1, 5)),
        n_classes=100 if many_classes else draw(st.integers(2, 4)),
        seed=draw(st.integers(0, 2**31 - 1)),
        scale=draw(st.sampled_from(SCALES)),
        constant_column=draw(st.booleans()),
        dtype=draw(st.sampled_from(["float64", "float32", "int64"])),
        layout=draw(st.sampled_from(["C", "F", "strided", "csr", "coo", "frame", "list"])),
        labels=draw(st.sampled_from(["int", "str", "categorical", "bool"])),
        broken=draw(st.sampled_from([None] * 16 + BROKEN_DATA)),
    )
    method = draw(st.sampled_from(["fit", "fit", "partial_fit", "warm_start"]))
    return kind, params, data, method


def make_data(n_samples, n_features, n_classes, seed, scale, constant_column, dtype,
              layout, labels, broken):
    """X and y as described by the drawn options."""
    rng = np.random.default_rng(seed)
    n_samples = 0 if broken == "empty" else n_samples
    n_classes = 1 if broken == "one_class" else n_classes
    X = rng.normal(size=(n_samples, n_features)) * scale
    if constant_column:
        X[:, 0] = 3.0
    if broken in ("nan", "inf"):
        X[rng.integers(n_samples), rng.integers(n_features)] = np.nan if broken == "nan" else np.inf
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype == "int64":
            X = X.clip(-1e9, 1e9).round()
        X = X.astype(dtype)  # float32 overflows to inf at 1e150: the validation's job
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "strided":
        X = np.repeat(X, 2, axis=1)[:, ::2]
    elif layout in ("csr", "coo"):
        X = sparse.csr_matrix(np.where(np.abs(X) < 0.5 * abs(X).max(initial=0), 0, X))
        X = X.tocoo() if layout == "coo" else X
    elif layout == "frame":
        X = pd.DataFrame(X, columns=[f"x{j}" for j in range(n_features)])
    elif layout == "list":
        X = X.tolist()
    codes = rng.integers(0, n_classes, size=n_samples + (broken == "y_length"))
    codes[: min(n_classes, n_samples)] = np.arange(min(n_classes, n_samples))
    if broken == "continuous_y":
        y = rng.normal(size=len(codes))
    elif broken == "mixed_y":
        y = np.array([c if c % 2 else f"s{c}" for c in codes], dtype=object)
    elif labels == "int":
        y = codes
    elif labels == "str":
        y = np.array([f"class {c}" for c in codes])
    elif labels == "categorical":
        y = pd.Series(pd.Categorical([f"c{c}" for c in codes]))
    else:
        y = codes % 2 == 0
    return X, y


def _in_engine(exc):
    return any("_engine" in frame.filename for frame in traceback.extract_tb(exc.__traceback__))


def run_case(case):
    """Fit one drawn case; returns "ok" or "error:<type>" for a clear error.

    Raises :class:`NaNModel` for a model with non-finite numbers and re-raises any
    other failure (an unexpected exception type, or an error from inside the engine).
    """
    kind, params, data, method = case
    X, y = make_data(**data)
    cls = InfomorphicClassifier if kind == "classifier" else InfomorphicTransformer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning, overflow RuntimeWarning
        try:
            est = cls(**params)
            if method == "partial_fit":
                # every label once, unsorted: mixed types must reach the estimator
                est.partial_fit(X, y, classes=list(dict.fromkeys(np.asarray(y).tolist())))
            else:
                est.fit(X, y)
                if method == "warm_start":
                    est.set_params(warm_start=True).fit(X, y)
            _check_model(est, X)
        except (ValueError, TypeError) as exc:
            if _in_engine(exc) or not str(exc):
                raise
            return f"error:{type(exc).__name__}"
    return "ok"


def _check_model(est, X):
    """The fitted model is finite and its outputs are well formed."""
    for name in ("coefs_", "intercepts_"):
        for layer in getattr(est, name):
            for source, values in layer.items():
                if not np.all(np.isfinite(values)):
                    raise NaNModel(f"{name} {source} not finite")
    if not np.all(np.isfinite(est.goal_curve_)):
        raise NaNModel("goal_curve_ not finite")
    if not np.all(np.isfinite(est.pid_atoms_[["H_res", "H_T"]].to_numpy())):
        raise NaNModel("pid_atoms_ not finite")
    n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
    if isinstance(est, InfomorphicClassifier):
        proba = est.predict_proba(X)
        if not np.all(np.isfinite(proba)):
            raise NaNModel("predict_proba not finite")
        assert proba.shape == (n_samples, len(est.classes_))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-9)
        assert np.all((proba > 0) & (proba < 1))
        np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    else:
        Z = est.transform(X)
        if not np.all(np.isfinite(Z)):
            raise NaNModel("transform not finite")
        assert Z.shape == (n_samples, est.n_neurons)
        if est.output == "sign":
            assert np.isin(Z, [-1.0, 1.0]).all()
        else:
            assert np.all((Z > 0) & (Z < 1))


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(case=cases())
def test_fuzz_clear_error_or_correct_model(case):
    assert run_case(case) in ("ok", "error:ValueError", "error:TypeError",
                              "error:InvalidParameterError")
