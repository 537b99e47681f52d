"""InfomorphicClassifier: learning, PID records, determinism, API and errors."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from sklearn_infomorph import Goal, InfomorphicClassifier
from sklearn_infomorph._base import auto_binning
from sklearn_infomorph._goal import PRESETS
from sklearn_infomorph.lattice import redundancy_lattice


@pytest.fixture(scope="module")
def logistic_accuracy(digits):
    X_train, X_test, y_train, y_test = digits
    return LogisticRegression(max_iter=2000).fit(X_train, y_train).score(X_test, y_test)


def small(**params):
    base = dict(hidden_layer_sizes=(12,), batch_size=64, max_iter=3, random_state=0)
    base.update(params)
    return InfomorphicClassifier(**base)


# -- learning -------------------------------------------------------------------------
def test_trivariate_learns_digits(digits, fitted_fcl, logistic_accuracy):
    _, X_test, _, y_test = digits
    accuracy = fitted_fcl.score(X_test, y_test)
    assert accuracy > 0.5  # chance is 0.1
    assert accuracy >= logistic_accuracy - 0.05


@pytest.mark.short_fit
def test_context_learns_digits(digits, logistic_accuracy):
    X_train, X_test, y_train, y_test = digits
    clf = InfomorphicClassifier(
        hidden_layer_sizes=(60,), sources="FC", batch_size=128, max_iter=60,
        readout_learning_rate=0.01, random_state=0,
    ).fit(X_train, y_train)
    # Context-only networks reach about 0.92 here (0.918 to 0.93 over seeds 0 to 3),
    # a few points under logistic regression, as on MNIST in the papers.
    assert clf.score(X_test, y_test) >= logistic_accuracy - 0.06


@pytest.mark.short_fit
def test_redundancy_goal_raises_redundancy(digits):
    X_train, _, y_train, _ = digits
    clf = InfomorphicClassifier(
        hidden_layer_sizes=(30,), sources="FC", goal="context_heuristic", batch_size=128,
        max_iter=15, random_state=0,
    ).fit(X_train, y_train)
    history = clf.pid_history_
    red = history[(history.layer == "hidden_0") & (history.atom == "{F}{C}")]
    per_epoch = red.groupby("epoch").bits.mean()
    assert per_epoch.iloc[-1] > per_epoch.iloc[0] + 0.05
    assert np.all(np.diff(clf.goal_curve_[:, 0])[:5] > -0.01)


def test_partial_fit_over_chunks_learns(digits, logistic_accuracy):
    X_train, X_test, y_train, y_test = digits
    clf = InfomorphicClassifier(
        hidden_layer_sizes=(40,), sources="FC", batch_size=128, random_state=0
    )
    classes = np.unique(y_train)
    chunks = np.array_split(np.arange(len(X_train)), 4)
    scores = []
    for _ in range(12):
        for chunk in chunks:
            clf.partial_fit(X_train[chunk], y_train[chunk], classes=classes)
        scores.append(clf.score(X_test, y_test))
    assert clf.n_iter_ == 48
    assert scores[-1] > 0.6 and scores[-1] > scores[0] + 0.1


# -- PID records ----------------------------------------------------------------------
def test_pid_atoms_satisfy_identities(fitted_fcl):
    atoms = fitted_fcl.pid_atoms_
    assert list(atoms.index.names) == ["layer", "neuron"]
    assert set(atoms.index.get_level_values("layer")) == {"hidden_0", "readout"}
    assert len(atoms.loc["hidden_0"]) == 60 and len(atoms.loc["readout"]) == 10
    for layer, sources in (("hidden_0", "FCL"), ("readout", "FC")):
        lattice = redundancy_lattice(len(sources), sources)
        rows = atoms.loc[layer]
        values = rows[lattice.names].to_numpy()
        assert not np.isnan(values).any()
        np.testing.assert_allclose(values.sum(axis=1), rows["MI"], atol=1e-10)
        np.testing.assert_allclose(rows["H_res"] + rows["MI"], rows["H_T"], atol=1e-10)
        assert (rows["H_T"] <= 1 + 1e-12).all() and (rows["H_res"] >= -1e-9).all()
        # Each I(Y; S_U) is the sum of the atoms below {U}.
        for name in lattice.mi_names()[:-1]:
            subset = name[3:]
            below = lattice.order[lattice.index("{" + subset + "}")]
            np.testing.assert_allclose(values[:, below].sum(axis=1), rows[name], atol=1e-10)
    readout = atoms.loc["readout"]
    np.testing.assert_allclose(readout["{F}{C}"] + readout["{F}"], readout["MI_F"], atol=1e-10)


def test_pid_history_is_tidy(fitted_fcl):
    history = fitted_fcl.pid_history_
    assert list(history.columns) == ["epoch", "layer", "neuron", "atom", "bits"]
    assert sorted(history.epoch.unique()) == list(range(1, fitted_fcl.n_iter_ + 1))
    one = history[(history.epoch == 3) & (history.layer == "readout") & (history.neuron == 2)]
    assert set(one.atom) >= {"{F}{C}", "{F}", "{C}", "{FC}", "H_res", "MI"}
    assert fitted_fcl.goal_curve_.shape == (fitted_fcl.n_iter_, 2)


def test_coefs_per_layer_and_source(fitted_fcl):
    coefs, intercepts = fitted_fcl.coefs_, fitted_fcl.intercepts_
    assert coefs[0]["F"].shape == (64, 60)
    assert coefs[0]["C"].shape == (10, 60)
    assert coefs[0]["L"].shape == (60, 60)
    assert np.all(np.diag(coefs[0]["L"]) == 0)
    assert set(coefs[1]) == {"F"} and coefs[1]["F"].shape == (60, 10)
    assert intercepts[0]["F"].shape == (60,)


# -- determinism (random_state and n_jobs for every estimator: test_common.py) --------
@pytest.mark.short_fit
@pytest.mark.parametrize("sources", ["FC", "FL"])
def test_auto_binning_is_adaptive_on_small_data(digits, sources):
    # Digits (1,257 training rows, 64 inputs) is below 5,000 samples: "auto" bins
    # the hidden layer adaptively, so "auto" and "adaptive" train the same network.
    X_train, _, y_train, _ = digits
    auto = small(sources=sources).fit(X_train, y_train)
    adaptive = small(sources=sources, binning="adaptive").fit(X_train, y_train)
    fixed = small(sources=sources, binning="fixed").fit(X_train, y_train)
    for ca, cb in zip(auto.coefs_, adaptive.coefs_):
        for source in ca:
            np.testing.assert_array_equal(ca[source], cb[source])
    assert not np.allclose(auto.coefs_[0]["F"], fixed.coefs_[0]["F"])
    # The readout alone: adaptive whatever binning says.
    readouts = [
        small(hidden_layer_sizes=(), binning=b, bin_range=0.5).fit(X_train, y_train)
        for b in ("fixed", "adaptive")
    ]
    np.testing.assert_array_equal(readouts[0].coefs_[0]["F"], readouts[1].coefs_[0]["F"])


def test_auto_binning_is_fixed_range_with_many_inputs_and_samples():
    # At least 16 inputs and 5,000 samples (MNIST-sized fits): the papers' fixed-range
    # bins for every hidden layer, adaptive for the readout; one row fewer: adaptive.
    X, y = make_classification(5000, 20, n_informative=10, random_state=0)
    params = dict(hidden_layer_sizes=(15, 8), batch_size=1000, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        large = InfomorphicClassifier(**params).fit(X, y)
        smaller = InfomorphicClassifier(**params).fit(X[:-1], y[:-1])
    # hidden_0 sees 20 features, hidden_1 only the 15 neurons below it.
    assert [layer.binning.fixed for layer in large._network.layers] == [True, False, False]
    assert [layer.binning.fixed for layer in smaller._network.layers] == [False] * 3
    assert auto_binning(16, 5000) == "fixed" and auto_binning(15, 10**6) == "adaptive"
    assert auto_binning(784, None) == "fixed"


def test_prediction_is_deterministic_and_batch_independent(digits, fitted_fcl):
    _, X_test, _, _ = digits
    proba = fitted_fcl.predict_proba(X_test)
    np.testing.assert_array_equal(proba, fitted_fcl.predict_proba(X_test))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    alone = np.vstack([fitted_fcl.predict_proba(X_test[i : i + 1]) for i in range(5)])
    np.testing.assert_allclose(alone, proba[:5], rtol=1e-12)


# -- labels, inputs and estimator API -----------------------------------------------------
@pytest.mark.short_fit
def test_string_labels_and_binary():
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    labels = np.where(y == 1, "spam", "ham")
    clf = small(max_iter=20, sources="FC").fit(X, labels)
    assert list(clf.classes_) == ["ham", "spam"]
    proba = clf.predict_proba(X)
    assert proba.shape == (300, 2)
    # predict is the most probable class, named as in y.
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, labels) > 0.75


@pytest.mark.short_fit
def test_readout_only_and_two_hidden_layers(digits):
    X_train, X_test, y_train, y_test = digits
    readout = small(hidden_layer_sizes=(), max_iter=10).fit(X_train, y_train)
    assert readout.layer_names_ == ["readout"]
    assert readout.score(X_test, y_test) > 0.5
    deep = small(hidden_layer_sizes=(20, 15), max_iter=2).fit(X_train, y_train)
    assert deep.layer_names_ == ["hidden_0", "hidden_1", "readout"]
    assert deep.coefs_[1]["F"].shape == (20, 15)
    assert deep.goal_curve_.shape == (2, 3)


@pytest.mark.short_fit
def test_goal_grid_search(digits):
    X_train, _, y_train, _ = digits
    clf = small(sources="FC", goal=Goal.preset("context_optimised"))
    grid = GridSearchCV(clf, {"goal__red": [0.0, 1.0], "goal__syn": [0.1, 0.5]}, cv=2)
    grid.fit(X_train[:400], y_train[:400])
    scores = grid.cv_results_["mean_test_score"]
    assert len(scores) == 4
    assert len(set(scores)) > 1  # the goal weights reach the fits
    assert grid.best_params_ == grid.cv_results_["params"][np.argmax(scores)]
    # The refitted best model trains with the chosen weights, the preset's others kept.
    goal = grid.best_estimator_.goals_["hidden_0"].get_params()
    assert goal == {**Goal.preset("context_optimised").get_params(),
                    "red": grid.best_params_["goal__red"],
                    "syn": grid.best_params_["goal__syn"]}


def test_early_stopping_keeps_best(digits):
    X_train, _, y_train, _ = digits
    # Learning rates 0.05: the stopping rules may count from 1 / 0.05 = 20 updates on,
    # which the first epoch (20 batches) makes.
    clf = small(sources="FC", early_stopping=True, n_iter_no_change=2, max_iter=30, tol=0.5,
                learning_rate_init=0.05, readout_learning_rate=0.05)
    clf.fit(X_train, y_train)
    assert clf.n_iter_ == 3  # tol=0.5 never counts as improvement
    assert len(clf.validation_scores_) == 3
    assert clf.best_validation_score_ == max(clf.validation_scores_)


@pytest.mark.short_fit
def test_convergence_warning_and_verbose(digits, capsys):
    X_train, _, y_train, _ = digits
    with pytest.warns(ConvergenceWarning):
        small(sources="FC", max_iter=2, verbose=1).fit(X_train, y_train)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert "Iteration 1" in lines[0] and "hidden_0=" in lines[0]
    assert "training accuracy=" in lines[0] and "time=" in lines[0]


@pytest.mark.short_fit
def test_verbose_and_early_stopping_do_not_change_the_model(digits, capsys):
    # The validation score and the verbose accuracy decide the readout flip they use
    # themselves: printing does not set it, and the score does not depend on hooks
    # having run before it.
    X_train, _, y_train, _ = digits
    params = dict(sources="FC", max_iter=3, early_stopping=True, n_iter_no_change=5)
    quiet = small(**params).fit(X_train, y_train)
    loud = small(verbose=1, **params).fit(X_train, y_train)
    assert len(capsys.readouterr().out.strip().splitlines()) == 3
    assert quiet.validation_scores_ == loud.validation_scores_
    np.testing.assert_array_equal(quiet.readout_flip_, loud.readout_flip_)
    np.testing.assert_array_equal(quiet.predict_proba(X_train), loud.predict_proba(X_train))
    # The score of each epoch is the accuracy on the held-out rows of the network
    # with the flip decided on the training rows; the kept network is the best one.
    assert quiet.best_validation_score_ == max(quiet.validation_scores_)


@pytest.mark.short_fit
def test_sparse_lateral_connections(digits):
    X_train, _, y_train, _ = digits
    clf = small(hidden_layer_sizes=(20,), lateral_connections=4, max_iter=2).fit(X_train, y_train)
    lateral = clf.coefs_[0]["L"]
    assert np.all((lateral != 0).sum(axis=0) <= 4)
    assert np.all(np.diag(lateral) == 0)


# -- goals ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_resolve_on_their_sources(name):
    sources, weights = PRESETS[name]
    gamma, gamma_h = Goal.preset(name).to_vector(redundancy_lattice(len(sources), sources))
    assert np.count_nonzero(gamma) + (gamma_h != 0) == len(weights)


def test_goal_params_round_trip():
    goal = Goal(red=1.0, syn=0.1)
    assert goal.get_params() == {"red": 1.0, "syn": 0.1}
    goal.set_params(red=0.5, unq_F=-0.2)
    assert clone(goal).get_params() == {"red": 0.5, "syn": 0.1, "unq_F": -0.2}
    assert Goal.preset("trivariate_optimized").get_params()["{F}{C}"] == 0.978


# -- errors ---------------------------------------------------------------------------
def test_unknown_atom_lists_valid_names(digits):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match=r"unknown atom 'bogus'.*Valid names: \{F\}\{C\}"):
        small(sources="FC", goal={"bogus": 1.0}).fit(X_train, y_train)
    with pytest.raises(ValueError, match=r"unknown atom '\{F\}\{C\}\{L\}'"):
        small(sources="FC", goal="trivariate_minimal").fit(X_train, y_train)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"sources": "FX"}, "sources must name"),
        ({"sources": "F"}, "sources must name"),
        ({"goal": "no_such_preset"}, "Unknown goal preset"),
        ({"c1": 0.6, "c2": 0.6}, "c1 \\+ c2 must be <= 1"),
        ({"n_bins": 1}, "n_bins"),
        ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes"),
        ({"goal": {"red": float("nan")}, "sources": "FC"}, "finite real number"),
    ],
)
def test_bad_parameters(digits, params, message):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match=message):
        small(**params).fit(X_train, y_train)


def test_bad_data():
    # NaN, shapes and feature counts for every estimator: test_common.py.
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    with pytest.raises(ValueError, match="at least 2 classes"):
        small().fit(X, np.zeros(60))
    with pytest.raises(ValueError, match="Unknown label type"):
        small().fit(X, np.linspace(0, 1, 60))
    with pytest.raises(ValueError, match="classes must be passed"):
        small().partial_fit(X, y)
    with pytest.raises(ValueError, match="not in classes"):
        small().partial_fit(X, y + 5, classes=[0, 1])


def test_diverging_training_stops_with_finite_weights():
    # Details (which weights are kept) in test_reliability.py.
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(ConvergenceWarning, match="diverged.*learning_rate_init"):
            clf = small(learning_rate_init=1e300, readout_learning_rate=1e300).fit(X * 1e10, y)
    assert all(np.isfinite(w).all() for layer in clf.coefs_ for w in layer.values())
    assert np.isfinite(clf.predict_proba(X * 1e10)).all()


@pytest.mark.short_fit
@pytest.mark.slow
@pytest.mark.subprocess
def test_grid_search_in_parallel_workers_respects_thread_limits(digits):
    # loky workers cap numba at cpus // n_jobs threads; n_jobs=-1 inside must not
    # ask for more (numba raises when set_num_threads exceeds the cap).
    X_train, _, y_train, _ = digits
    clf = small(sources="FC", goal=Goal.preset("context_heuristic"), n_jobs=-1)
    grid = GridSearchCV(clf, {"goal__red": [0.5, 1.0]}, cv=2, n_jobs=2)
    grid.fit(X_train[:300], y_train[:300])
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))


def test_prediction_in_row_chunks_equals_whole(digits, fitted_fcl, monkeypatch):
    from sklearn_infomorph._engine import _network

    _, X_test, _, _ = digits
    whole = fitted_fcl.predict_proba(X_test)
    monkeypatch.setattr(_network, "_CHUNK_ROWS", 7)
    np.testing.assert_allclose(fitted_fcl.predict_proba(X_test), whole, rtol=1e-12)
