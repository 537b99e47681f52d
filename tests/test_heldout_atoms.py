"""pid_atoms(X, y): the atoms of a fitted network on given (held-out) data, and the
atom scorers that use it on the scored split."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicClassifier, InfomorphicTransformer
from sklearn_infomorph.metrics import atom_scorer, make_atom_scorers


@pytest.fixture(scope="module")
def split(digits):
    return digits  # standardised X_train, X_test, y_train, y_test


@pytest.fixture(scope="module")
def fitted(split):
    X_train, _, y_train, _ = split
    models = {}
    for sources in ("FC", "FCL"):
        # Batches of 256 and the fixed learning rates the tolerances assume ("auto"
        # triples them on data this small, and the last epoch's records then differ
        # more from the final weights' atoms).
        models[sources] = InfomorphicClassifier(
            (12,), sources=sources, max_iter=4, batch_size=256, random_state=0,
            learning_rate_init=0.002, readout_learning_rate=0.003,
        ).fit(X_train, y_train)
    return models


@pytest.mark.short_fit
def test_training_data_reproduce_pid_atoms_(fitted, split):
    X_train, _, y_train, _ = split
    for sources, clf in fitted.items():
        again = clf.pid_atoms(X_train, y_train)
        pd.testing.assert_index_equal(again.index, clf.pid_atoms_.index)
        pd.testing.assert_index_equal(again.columns, clf.pid_atoms_.columns)
        diff = (again - clf.pid_atoms_).abs()
        # pid_atoms_ are the last epoch's records (each batch with the weights it was
        # learned with), pid_atoms the final weights on the same rows, with other
        # sampled +-1 inputs: small differences.
        assert diff.mean().mean() < 0.01
        assert diff.max().max() < 0.05
        assert diff.max().max() > 0  # not the same numbers: two different evaluations
        history = clf.pid_history_
        last = history[history.epoch == history.epoch.max()]
        records = clf.pid_atoms_.stack(future_stack=True).dropna()
        np.testing.assert_array_equal(np.sort(records.to_numpy()), np.sort(last.bits.to_numpy()))


def test_held_out_atoms_differ(fitted, split):
    X_train, X_test, y_train, y_test = split
    clf = fitted["FC"]
    train = clf.pid_atoms(X_train, y_train)
    test = clf.pid_atoms(X_test, y_test)
    assert not np.allclose(train.to_numpy(), test.to_numpy(), equal_nan=True)
    assert (train - test).abs().loc["hidden_0", "MI"].min() > 0  # every neuron
    # Identities of the decomposition hold on any data.
    h = test.loc["hidden_0"]
    np.testing.assert_allclose(h[["{F}{C}", "{F}", "{C}", "{FC}"]].sum(axis=1), h["MI"])


def test_deterministic_for_given_data_and_seed(fitted, split):
    _, X_test, _, y_test = split
    clf = fitted["FCL"]
    first = clf.pid_atoms(X_test, y_test)
    pd.testing.assert_frame_equal(first, clf.pid_atoms(X_test, y_test))
    other = clf.pid_atoms(X_test, y_test, random_state=1)
    # FCL: the lateral input of the hidden layer is sampled too.
    assert not np.allclose(first.loc["hidden_0"], other.loc["hidden_0"], equal_nan=True)
    pd.testing.assert_frame_equal(other, clf.pid_atoms(X_test, y_test, random_state=1))


def test_sparse_and_dense_input_agree(fitted, split):
    _, X_test, _, y_test = split
    clf = fitted["FC"]
    pd.testing.assert_frame_equal(
        clf.pid_atoms(sparse.csr_matrix(X_test), y_test), clf.pid_atoms(X_test, y_test)
    )


def test_errors(fitted, split):
    _, X_test, _, y_test = split
    clf = fitted["FC"]
    with pytest.raises(ValueError, match=r"pid_atoms needs y.*\['hidden_0', 'readout'\]"):
        clf.pid_atoms(X_test)
    with pytest.raises(ValueError, match="not in classes"):
        clf.pid_atoms(X_test, y_test + 100)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.pid_atoms(X_test, y_test[:-1])
    with pytest.raises(ValueError, match="features"):
        clf.pid_atoms(X_test[:, :10], y_test)
    with pytest.raises(ValueError, match="random_state must be an int"):
        clf.pid_atoms(X_test, y_test, random_state=None)
    with pytest.raises(NotFittedError):
        InfomorphicClassifier().pid_atoms(X_test, y_test)


@pytest.mark.short_fit
def test_transformer_with_and_without_context(split):
    X_train, X_test, y_train, y_test = split
    unsupervised = InfomorphicTransformer(n_neurons=6, sources="FL", max_iter=2,
                                          random_state=0).fit(X_train)
    atoms = unsupervised.pid_atoms(X_test)
    assert atoms.shape == unsupervised.pid_atoms_.shape
    pd.testing.assert_frame_equal(atoms, unsupervised.pid_atoms(X_test, y_test))  # y ignored
    supervised = InfomorphicTransformer(n_neurons=6, sources="FC", max_iter=2,
                                        random_state=0).fit(X_train, y_train)
    with pytest.raises(ValueError, match=r"pid_atoms needs y.*\['hidden_0'\]"):
        supervised.pid_atoms(X_test)
    assert supervised.pid_atoms(X_test, y_test).shape == supervised.pid_atoms_.shape


def test_scorer_data_test_uses_the_scored_rows(fitted, split):
    X_train, X_test, y_train, y_test = split
    clf = fitted["FC"]
    on_test = atom_scorer("red", data="test")
    on_train = atom_scorer("red")
    expected = clf.pid_atoms(X_test, y_test).loc["hidden_0", "{F}{C}"].mean()
    assert on_test(clf, X_test, y_test) == pytest.approx(expected)
    assert on_train(clf, X_test, y_test) == pytest.approx(
        clf.pid_atoms_.loc["hidden_0", "{F}{C}"].mean()
    )
    assert on_test(clf, X_test, y_test) != on_train(clf, X_test, y_test)
    with pytest.raises(ValueError, match="data must be 'train'"):
        atom_scorer("red", data="validation")
    with pytest.raises(ValueError, match="call scorer\\(estimator, X, y\\)"):
        on_test(clf)


@pytest.mark.short_fit
def test_scorer_in_a_pipeline_transforms_X_first(split):
    X_train, X_test, y_train, y_test = split
    pipe = make_pipeline(StandardScaler(), InfomorphicClassifier((8,), max_iter=2,
                                                                 random_state=0))
    pipe.fit(X_train * 3 + 1, y_train)
    scorer = atom_scorer("syn", layer="readout", data="test")
    inner = pipe[-1].pid_atoms(pipe[0].transform(X_test * 3 + 1), y_test)
    assert scorer(pipe, X_test * 3 + 1, y_test) == pytest.approx(
        inner.loc["readout", "{FC}"].mean()
    )


@pytest.mark.short_fit
def test_grid_search_with_test_split_atom_scorers(split):
    X_train, _, y_train, _ = split
    X, y = X_train[:400], y_train[:400]
    folds = [(np.arange(0, 200), np.arange(200, 400)), (np.arange(200, 400), np.arange(0, 200))]
    clf = InfomorphicClassifier((6,), sources="FC", goal="context_heuristic", max_iter=2,
                                random_state=0)
    scoring = {"accuracy": "accuracy", **make_atom_scorers(["red", "MI_C"], data="test")}
    search = GridSearchCV(clf, {"goal__red": [0.5, 1.0]}, cv=folds, scoring=scoring,
                          refit="accuracy", return_train_score=True).fit(X, y)
    res = search.cv_results_
    # The test column is the held-out atoms of the model fitted on the training rows.
    train_idx, test_idx = folds[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = clone(clf).set_params(goal__red=0.5).fit(X[train_idx], y[train_idx])
    held_out = model.pid_atoms(X[test_idx], y[test_idx]).loc["hidden_0"]
    assert res["split0_test_pid_MI_C"][0] == pytest.approx(held_out["MI_C"].mean())
    assert res["split0_train_pid_MI_C"][0] == pytest.approx(
        model.pid_atoms(X[train_idx], y[train_idx]).loc["hidden_0", "MI_C"].mean()
    )
    assert np.all(res["mean_test_pid_MI_C"] != res["mean_train_pid_MI_C"])


# -- bias correction and intervals of the neurons' atoms ------------------------------
def test_recovered_samples_give_the_kernels_atoms(fitted, split):
    # The (bins, theta) that pid_atoms resamples are those the training kernel used.
    _, X_test, _, y_test = split
    clf = fitted["FCL"]
    layer = clf._network.layers[0]
    onehot = np.eye(10)[y_test[:128]]
    samples = []
    _, atoms, h_res, _ = layer.train_batch(X_test[:128], onehot, np.random.default_rng(0),
                                           update=False, samples=samples)
    (bins, theta), = samples
    zero = np.zeros(len(layer.lattice))
    again, h_again, _, _ = layer.pid.evaluate_sources_first(
        bins, theta, layer.binning.n_bins, zero, 0.0, want_grad=False)
    np.testing.assert_allclose(again, atoms, atol=1e-12)
    np.testing.assert_allclose(h_again, h_res, atol=1e-12)


def test_corrected_frame(fitted, split):
    _, X_test, _, y_test = split
    clf = fitted["FC"]
    result = clf.pid_atoms(X_test, y_test, correction="bootstrap", n_boot=40)
    assert list(result.columns) == ["estimate", "bias", "corrected", "std", "lower", "upper"]
    assert list(result.index.names) == ["layer", "neuron", "column"]
    plain = clf.pid_atoms(X_test, y_test)
    wide = result["estimate"].unstack("column")[plain.columns]
    np.testing.assert_allclose(wide.to_numpy(), plain.to_numpy(), atol=1e-12)
    corrected = result["corrected"].unstack("column").loc["hidden_0"]
    np.testing.assert_allclose(corrected[["{F}{C}", "{F}", "{C}", "{FC}"]].sum(axis=1),
                               corrected["MI"], atol=1e-12)
    assert (result["lower"] <= result["upper"]).all()
    assert (result["bias"] != 0).any()
    pd.testing.assert_frame_equal(
        result, clf.pid_atoms(X_test, y_test, correction="bootstrap", n_boot=40)
    )
    none = clf.pid_atoms(X_test, y_test, correction="none", n_boot=40)
    assert (none["bias"] == 0).all()
    # Same resamples: the intervals differ by the bias shift only.
    np.testing.assert_allclose(none["lower"] - result["lower"], result["bias"], atol=1e-12)


def test_correction_errors(fitted, split):
    _, X_test, _, y_test = split
    with pytest.raises(ValueError, match="'eb' and 'shuffle' are for sampled targets"):
        fitted["FC"].pid_atoms(X_test, y_test, correction="eb")
    with pytest.raises(ValueError, match="n_boot must be an integer >= 10"):
        fitted["FC"].pid_atoms(X_test, y_test, correction="bootstrap", n_boot=2)


# -- the associative memory ---------------------------------------------------------
def test_memory_pid_atoms_on_stored_and_other_patterns():
    from sklearn_infomorph import InfomorphicAssociativeMemory

    rng = np.random.default_rng(0)
    stored = rng.choice([-1.0, 1.0], size=(12, 16))
    others = rng.choice([-1.0, 1.0], size=(12, 16))
    memory = InfomorphicAssociativeMemory(max_iter=30, random_state=0).fit(stored)
    # The memory's records are its final weights on the stored patterns: reproduced.
    pd.testing.assert_frame_equal(memory.pid_atoms(stored), memory.pid_atoms_)
    unseen = memory.pid_atoms(others)
    assert unseen.shape == memory.pid_atoms_.shape
    # Trained for redundancy on the stored patterns, less of it on random others.
    assert unseen["{F}{L}"].mean() < memory.pid_atoms_["{F}{L}"].mean()
    with pytest.raises(ValueError, match="only the pattern values -1 and 1"):
        memory.pid_atoms(others * 0.5)
    ci = memory.pid_atoms(others, correction="bootstrap", n_boot=30)
    assert list(ci.index.names) == ["layer", "neuron", "column"]
    wide = ci["estimate"].unstack("column")[unseen.columns]
    np.testing.assert_allclose(wide.to_numpy(), unseen.to_numpy(), atol=1e-12)
