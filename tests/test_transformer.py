"""InfomorphicTransformer: features, pipelines, PID records, determinism, API and errors."""


import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import Goal, InfomorphicTransformer
from sklearn_infomorph._goal import PRESETS


# n_jobs=1 throughout: tiny fits gain nothing from threads, and busy-waiting OpenMP
# threads slow them down by orders of magnitude when the cores are shared.
def small(**params):
    base = dict(n_neurons=12, batch_size=64, max_iter=3, random_state=0, n_jobs=1)
    base.update(params)
    return InfomorphicTransformer(**base)


@pytest.fixture(scope="module")
def fitted_lateral(digits):
    X_train, _, _, _ = digits
    with pytest.warns(ConvergenceWarning, match="max_iter=15"):  # a budget of 15 epochs
        return small(n_neurons=30, batch_size=128, max_iter=15).fit(X_train)


# scikit-learn's estimator checks: tests/test_estimator_checks.py (every configuration).


# -- features worth using ---------------------------------------------------------------
@pytest.mark.short_fit
@pytest.mark.slow
def test_pipeline_cross_val_score(digits):
    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(),
        InfomorphicTransformer(
            n_neurons=30, batch_size=128, max_iter=8, random_state=0, n_jobs=1
        ),
        LogisticRegression(max_iter=1000),
    )
    scores = cross_val_score(pipe, X[:600], y[:600], cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.8  # chance is 0.1


@pytest.mark.short_fit
def test_supervised_layer_uses_labels_in_fit_only(digits):
    X_train, X_test, y_train, y_test = digits
    tr = small(n_neurons=20, sources="FC", max_iter=10).fit(X_train, y_train)
    assert list(tr.classes_) == list(range(10))
    assert tr.coefs_[0]["C"].shape == (10, 20)
    Z = tr.transform(X_test)  # no labels needed
    assert Z.shape == (len(X_test), 20)
    readout = LogisticRegression(max_iter=1000).fit(tr.transform(X_train), y_train)
    assert readout.score(Z, y_test) > 0.8


@pytest.mark.short_fit
def test_unsupervised_ignores_y(digits):
    X_train, _, y_train, _ = digits
    with_y = small().fit(X_train, y_train)
    without = small().fit(X_train)
    np.testing.assert_array_equal(with_y.coefs_[0]["F"], without.coefs_[0]["F"])
    assert not hasattr(without, "classes_")


@pytest.mark.short_fit
def test_unsupervised_goal_raises_its_atom(digits):
    X_train, _, _, _ = digits
    tr = small(
        n_neurons=20, goal="lateral_heuristic", batch_size=128, max_iter=12
    ).fit(X_train)
    history = tr.pid_history_
    unique_f = history[(history.layer == "hidden_0") & (history.atom == "{F}")]
    per_epoch = unique_f.groupby("epoch").bits.mean()
    assert per_epoch.index.tolist() == list(range(1, 13))
    assert per_epoch.iloc[-1] > per_epoch.iloc[0] + 0.02
    # The goal is the {F} atom alone: its curve is the atom's mean.
    np.testing.assert_allclose(tr.goal_curve_[:, 0], per_epoch.to_numpy(), atol=1e-10)


# -- PID records ----------------------------------------------------------
def test_records_of_the_fitted_layer(fitted_lateral):
    tr = fitted_lateral
    assert tr.layer_names_ == ["hidden_0"]
    assert tr.n_iter_ == 15
    assert tr.goal_curve_.shape == (15, 1)
    atoms = tr.pid_atoms_
    assert list(atoms.index.names) == ["layer", "neuron"] and len(atoms) == 30
    values = atoms[["{F}{L}", "{F}", "{L}", "{FL}"]].to_numpy()
    np.testing.assert_allclose(values.sum(axis=1), atoms["MI"], atol=1e-10)
    assert list(tr.pid_history_.columns) == ["epoch", "layer", "neuron", "atom", "bits"]
    # goal=None resolves to the published optimised goal of the sources.
    assert tr.goal is None
    assert tr.goal_.get_params() == PRESETS["lateral_optimised"][1]
    assert set(tr.coefs_[0]) == {"F", "L"} and tr.coefs_[0]["F"].shape == (64, 30)
    assert np.all(np.diag(tr.coefs_[0]["L"]) == 0)


# -- determinism ------------------------------------------------------------------------
def test_transform_is_deterministic_and_batch_independent(digits, fitted_lateral):
    _, X_test, _, _ = digits
    Z = fitted_lateral.transform(X_test)
    assert Z.shape == (len(X_test), 30)
    assert np.all((Z > 0) & (Z < 1))
    np.testing.assert_array_equal(Z, fitted_lateral.transform(X_test))
    alone = np.vstack([fitted_lateral.transform(X_test[i : i + 1]) for i in range(5)])
    np.testing.assert_allclose(alone, Z[:5], rtol=1e-12)
    signs = clone(fitted_lateral).set_params(output="sign")
    signs._network = fitted_lateral._network  # same weights, other output
    codes = signs.transform(X_test)
    assert set(np.unique(codes)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(codes, np.where(Z >= 0.5, 1.0, -1.0))


@pytest.mark.short_fit
def test_fit_transform_equals_fit_then_transform(digits):
    # random_state and n_jobs determinism for every estimator: test_common.py.
    X_train, _, _, _ = digits
    np.testing.assert_array_equal(small().fit_transform(X_train),
                                  small().fit(X_train).transform(X_train))


# -- estimator API ------------------------------------------------------------------------
@pytest.mark.short_fit
def test_pandas_output_and_feature_names():
    X, _ = make_classification(n_samples=150, n_features=6, random_state=0)
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(6)], index=np.arange(150) + 1000)
    tr = small(n_neurons=4).set_output(transform="pandas").fit(frame)
    assert list(tr.feature_names_in_) == list(frame.columns) and tr.n_features_in_ == 6
    names = ["infomorphic0", "infomorphic1", "infomorphic2", "infomorphic3"]
    assert list(tr.get_feature_names_out()) == names
    out = tr.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == names
    assert out.index.equals(frame.index)
    pipe = make_pipeline(StandardScaler(), small(n_neurons=4)).set_output(transform="pandas")
    assert list(pipe.fit_transform(frame).columns) == names
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        tr.get_feature_names_out(["a", "b", "c", "d", "e", "f"])


@pytest.mark.short_fit
@pytest.mark.slow
def test_goal_grid_search_in_pipeline(digits):
    X_train, _, y_train, _ = digits
    pipe = make_pipeline(
        InfomorphicTransformer(
            n_neurons=10, goal=Goal.preset("lateral_optimised"), batch_size=64, max_iter=2,
            random_state=0, n_jobs=1,
        ),
        LogisticRegression(max_iter=500),
    )
    grid = GridSearchCV(
        pipe,
        {"infomorphictransformer__goal__unq_F": [0.0, 1.0],
         "infomorphictransformer__goal__syn": [0.1, 0.5]},
        cv=2,
    )
    grid.fit(X_train[:400], y_train[:400])
    assert len(grid.cv_results_["params"]) == 4
    best = grid.best_estimator_.named_steps["infomorphictransformer"]
    assert best.goal_.get_params()["unq_F"] == grid.best_params_[
        "infomorphictransformer__goal__unq_F"
    ]


def test_tags_say_when_y_is_needed():
    assert InfomorphicTransformer().__sklearn_tags__().target_tags.required is False
    assert InfomorphicTransformer(sources="FCL").__sklearn_tags__().target_tags.required is True
    assert InfomorphicTransformer().__sklearn_tags__().transformer_tags is not None


def test_partial_fit(digits):
    X_train, _, y_train, _ = digits
    tr = small()
    for chunk in np.array_split(np.arange(len(X_train)), 3):
        tr.partial_fit(X_train[chunk])
    assert tr.n_iter_ == 3 and tr.goal_curve_.shape == (3, 1)
    sup = small(sources="FC")
    sup.partial_fit(X_train[:200], y_train[:200], classes=np.arange(10))
    sup.partial_fit(X_train[200:400], y_train[200:400])
    assert sup.n_iter_ == 2
    # Without classes= the first call's labels fix the classes; new ones are refused.
    inferred = small(sources="FC").partial_fit(X_train[y_train < 5], y_train[y_train < 5])
    np.testing.assert_array_equal(inferred.classes_, np.arange(5))
    with pytest.raises(ValueError, match=r"not in classes.*pass every class"):
        inferred.partial_fit(X_train, y_train)


@pytest.mark.short_fit
def test_early_stopping_on_validation_goal(digits):
    X_train, _, y_train, _ = digits
    tr = small(early_stopping=True, n_iter_no_change=2, max_iter=30, tol=10.0).fit(X_train)
    assert tr.n_iter_ == 3  # tol=10 bits never counts as improvement
    assert len(tr.validation_scores_) == 3
    assert tr.best_validation_score_ == max(tr.validation_scores_)
    assert all(-1.0 < s < 1.0 for s in tr.validation_scores_)  # bits per neuron
    sup = small(sources="FC", early_stopping=True, max_iter=2).fit(X_train, y_train)
    assert len(sup.validation_scores_) == 2


@pytest.mark.short_fit
def test_verbose_prints_one_line_per_epoch(digits, capsys):
    X_train, _, _, _ = digits
    small(max_iter=2, verbose=1).fit(X_train)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert "Iteration 1" in lines[0] and "hidden_0=" in lines[0] and "time=" in lines[0]


# -- errors -----------------------------------------------------------------------------
def test_supervised_without_y_names_sources_and_y(digits):
    X_train, _, _, _ = digits
    with pytest.raises(ValueError, match=r"sources='FC'.*requires y"):
        small(sources="FC").fit(X_train)
    with pytest.raises(ValueError, match=r"sources='FCL'.*requires y"):
        small(sources="FCL").fit_transform(X_train)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"sources": "FX"}, "sources must name"),
        ({"sources": "F"}, "sources must name"),
        ({"output": "binary"}, "'output' parameter"),
        ({"n_neurons": 0}, "'n_neurons' parameter"),
        ({"goal": "no_such_preset"}, "Unknown goal preset"),
        ({"goal": {"red": 1.0, "unq_C": 1.0}}, r"unknown atom 'unq_C'.*Valid names"),
        ({"goal": "context_heuristic", "sources": "FCL"}, r"unknown atom 'red'"),
        ({"c1": 0.6, "c2": 0.6, "sources": "FCL"}, r"c1 \+ c2 must be <= 1"),
    ],
)
def test_bad_parameters(digits, params, message):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match=message):
        small(**params).fit(X_train, y_train)


def test_bad_data():
    # NaN, shapes, feature counts and unfitted use for every estimator: test_common.py.
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    with pytest.raises(ValueError, match="at least 2 classes"):
        small(sources="FC").fit(X, np.zeros(60))
    with pytest.raises(ValueError, match="Unknown label type"):
        small(sources="FC").fit(X, np.linspace(0, 1, 60))
