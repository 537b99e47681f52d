"""Goal search with scikit-learn's model selection, and the atom scorers."""

import pickle

import numpy as np
import pytest
from scipy.stats import loguniform, randint, uniform
from sklearn.base import clone
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
)
from sklearn.pipeline import make_pipeline

from sklearn_infomorph import Goal, InfomorphicClassifier, InfomorphicTransformer
from sklearn_infomorph._goal import PRESETS
from sklearn_infomorph.metrics import atom_scorer, make_atom_scorers


def small_clf(**params):
    base = dict(hidden_layer_sizes=(8,), batch_size=64, max_iter=4, random_state=0, n_jobs=1)
    base.update(params)
    return InfomorphicClassifier(**base)


@pytest.fixture(scope="module")
def data(digits):
    X_train, _, y_train, _ = digits
    return X_train[:240], y_train[:240]


# -- goal__ parameters on every form of goal -----------------------------------------------
@pytest.mark.parametrize(
    "goal, sources, expected",
    [
        ("context_optimised", "FC", PRESETS["context_optimised"][1]),
        ("context_optimized", "FC", PRESETS["context_optimised"][1]),
        (None, "FC", PRESETS["context_optimised"][1]),
        (None, "FCL", PRESETS["trivariate_optimised"][1]),
        ({"red": 1.0, "syn": 0.1}, "FC", {"red": 1.0, "syn": 0.1}),
        (Goal(red=1.0), "FC", {"red": 1.0}),
    ],
)
def test_nested_goal_param_turns_any_goal_into_a_goal(goal, sources, expected):
    clf = small_clf(goal=goal, sources=sources)
    clf.set_params(goal__red=0.25)
    assert isinstance(clf.goal, Goal)
    assert clf.goal.get_params() == {**expected, "red": 0.25}
    # And it is visible as nested parameters from now on.
    assert clf.get_params()["goal__red"] == 0.25


def test_nested_goal_param_follows_sources_set_in_the_same_call():
    clf = small_clf(goal=None, sources="FC")
    clf.set_params(sources="FL", goal__unq_F=0.5)
    assert clf.goal.get_params() == {**PRESETS["lateral_optimised"][1], "unq_F": 0.5}


def test_readout_goal_param_and_unknown_ones():
    clf = small_clf()
    clf.set_params(readout_goal__syn=0.3)
    assert clf.readout_goal.get_params() == {**PRESETS["readout"][1], "syn": 0.3}
    with pytest.raises(ValueError, match="Unknown goal preset 'nope'"):
        small_clf(goal="nope").set_params(goal__red=1.0)
    with pytest.raises(ValueError, match="Invalid parameter 'readout_goal'"):
        InfomorphicTransformer(goal="lateral_heuristic").set_params(readout_goal__red=1.0)


@pytest.mark.short_fit
def test_grid_search_on_a_preset_string_tunes_the_weight(data):
    X, y = data
    # Adaptive bins: with the default fixed range [-20, 20] the small potentials of
    # this 4-epoch fit on 240 digits fill only a few bins, and the atoms on the test
    # folds are too small to order (red 0.0172 vs 0.0175 with syn rewarded).
    base = small_clf(sources="FC", goal="context_heuristic", binning="adaptive")
    scoring = {"accuracy": "accuracy", **make_atom_scorers(["red", "syn"])}
    search = GridSearchCV(
        base, {"goal__red": [0.0, 1.0], "goal__syn": [0.0, 1.0]}, cv=2,
        scoring=scoring, refit="accuracy",
    ).fit(X, y)
    results = search.cv_results_
    assert base.goal == "context_heuristic"  # the search works on clones
    assert [p for p in results["params"]] == [
        {"goal__red": r, "goal__syn": s} for r in (0.0, 1.0) for s in (0.0, 1.0)
    ]
    # The weights reach the neurons: a rewarded atom ends higher than when it is not.
    red = results["mean_test_pid_red"].reshape(2, 2)
    syn = results["mean_test_pid_syn"].reshape(2, 2)
    assert np.all(red[1] > red[0])
    assert np.all(syn[:, 1] > syn[:, 0])
    best = search.best_estimator_
    assert best.goal.get_params() == {
        "red": search.best_params_["goal__red"], "syn": search.best_params_["goal__syn"]
    }
    assert best.goals_["hidden_0"].get_params() == best.goal.get_params()


@pytest.mark.short_fit
def test_randomized_search_over_all_19_trivariate_weights(data):
    X, y = data
    weights = PRESETS["trivariate_optimised"][1]
    assert len(weights) == 19
    space = {f"goal__{name}": uniform(-1, 2) for name in weights}
    space["learning_rate_init"] = loguniform(1e-3, 1e-2)
    search = RandomizedSearchCV(
        small_clf(sources="FCL", goal="trivariate_optimised"), space, n_iter=2, cv=2,
        random_state=0,
    ).fit(X, y)
    for params in search.cv_results_["params"]:
        goal_keys = [k for k in params if k.startswith("goal__")]
        assert len(goal_keys) == 19
        assert all(-1 <= params[k] <= 1 for k in goal_keys)
    best = search.best_estimator_
    expected = {k[6:]: v for k, v in search.best_params_.items() if k.startswith("goal__")}
    assert best.goal.get_params() == expected
    assert best.goals_["hidden_0"].get_params() == expected
    first, second = search.cv_results_["params"]
    assert first != second
    assert np.all(np.isfinite(search.cv_results_["split0_test_score"]))


@pytest.mark.short_fit
def test_halving_search_over_epochs_and_a_weight(data):
    X, y = data
    search = HalvingRandomSearchCV(
        small_clf(sources="FC", goal=Goal.preset("context_heuristic")),
        {"goal__syn": uniform(0, 0.5), "alpha": loguniform(1e-5, 1e-3)},
        resource="max_iter", min_resources=2, max_resources=8, factor=2, n_candidates=4,
        cv=2, random_state=0,
    ).fit(X, y)
    assert list(search.n_resources_) == [2, 4, 8]
    assert list(search.n_candidates_) == [4, 2, 1]
    assert search.best_estimator_.max_iter == search.best_params_["max_iter"] == 8
    assert search.best_estimator_.n_iter_ <= 8


@pytest.mark.short_fit
@pytest.mark.slow
def test_halving_search_in_a_transformer_pipeline(data):
    X, y = data
    pipe = make_pipeline(
        InfomorphicTransformer(n_neurons=8, goal="lateral_heuristic", batch_size=64,
                               max_iter=3, random_state=0, n_jobs=1),
        LogisticRegression(max_iter=300),
    )
    search = HalvingRandomSearchCV(
        pipe, {"infomorphictransformer__goal__unq_F": uniform(0.5, 1.0),
               "infomorphictransformer__n_neurons": randint(4, 12)},
        n_candidates=4, factor=2, min_resources=60, cv=2, random_state=0,
    ).fit(X, y)
    layer = search.best_estimator_[0]
    assert layer.goal.get_params()["unq_F"] == search.best_params_[
        "infomorphictransformer__goal__unq_F"
    ]
    assert 0.5 <= layer.goal.get_params()["unq_F"] <= 1.5
    assert pipe[0].goal == "lateral_heuristic"


# -- atom scorers ----------------------------------------------------------------------------
@pytest.mark.short_fit
def test_atom_scorer_values_equal_the_fold_models_atoms(data):
    X, y = data
    cv = StratifiedKFold(2)
    base = small_clf(sources="FC", goal="context_heuristic")
    scoring = {
        "accuracy": "accuracy",
        **make_atom_scorers(["{F}{C}", "unq_F", "MI"]),
        **make_atom_scorers(["syn"], layer="readout", statistic="max"),
    }
    search = GridSearchCV(
        base, {"goal__red": [0.5, 1.0]}, cv=cv, scoring=scoring, refit="accuracy",
        return_train_score=True,
    ).fit(X, y)
    results = search.cv_results_
    assert {"mean_test_pid_{F}{C}", "mean_test_pid_readout_syn"} <= set(results)
    for k, params in enumerate(results["params"]):
        train, test = next(iter(cv.split(X, y)))
        model = clone(base).set_params(**params).fit(X[train], y[train])
        atoms = model.pid_atoms_
        hidden, readout = atoms.loc["hidden_0"], atoms.loc["readout"]
        np.testing.assert_allclose(results["split0_test_pid_{F}{C}"][k], hidden["{F}{C}"].mean())
        np.testing.assert_allclose(results["split0_test_pid_unq_F"][k], hidden["{F}"].mean())
        np.testing.assert_allclose(results["split0_test_pid_MI"][k], hidden["MI"].mean())
        np.testing.assert_allclose(results["split0_test_pid_readout_syn"][k], readout["{FC}"].max())
        np.testing.assert_allclose(results["split0_test_accuracy"][k], model.score(X[test], y[test]))
        # The atoms are those of the fit: train and test columns agree.
        assert results["split0_train_pid_MI"][k] == results["split0_test_pid_MI"][k]


@pytest.mark.short_fit
def test_atom_scorer_on_pipelines_and_transformers(data):
    X, y = data
    layer = InfomorphicTransformer(n_neurons=6, max_iter=2, random_state=0, n_jobs=1)
    pipe = make_pipeline(layer, LogisticRegression(max_iter=300)).fit(X, y)
    expected = pipe[0].pid_atoms_.loc["hidden_0", "{F}{L}"].median()
    assert atom_scorer("red", statistic="median")(pipe, X, y) == pytest.approx(expected)
    assert atom_scorer("syn")(pipe[0], X) == pytest.approx(
        pipe[0].pid_atoms_.loc["hidden_0", "{FL}"].mean()
    )


@pytest.mark.short_fit
def test_atom_scorer_errors_and_pickling(data):
    X, y = data
    clf = small_clf(sources="FC").fit(X, y)
    with pytest.raises(ValueError, match=r"atom='\{L\}' is not recorded for layer 'hidden_0'"):
        atom_scorer("{L}")(clf, X, y)
    with pytest.raises(ValueError, match=r"layer='hidden_3' is not a layer.*hidden_0"):
        atom_scorer("red", layer="hidden_3")(clf, X, y)
    with pytest.raises(ValueError, match="statistic must be one of"):
        atom_scorer("red", statistic="mode")
    with pytest.raises(TypeError, match="atoms must be a list"):
        make_atom_scorers("red")
    with pytest.raises(ValueError, match="duplicates"):
        make_atom_scorers(["red", "red"])
    with pytest.raises(TypeError, match="InfomorphicClassifier"):
        atom_scorer("red")(LogisticRegression().fit(X, y), X, y)
    scorer = pickle.loads(pickle.dumps(atom_scorer("red", layer="readout", statistic="min")))
    assert scorer(clf, X, y) == clf.pid_atoms_.loc["readout", "{F}{C}"].min()
    assert repr(scorer) == "atom_scorer('red', layer='readout', statistic='min')"


@pytest.mark.short_fit
def test_unsupervised_search_on_a_transformer_scored_by_an_atom(data):
    # A transformer has no score method: an atom scorer lets a search rank goals by
    # what the neurons learn, without labels.
    X, _ = data
    search = GridSearchCV(
        InfomorphicTransformer(n_neurons=6, goal=None, batch_size=64, max_iter=3,
                               random_state=0, n_jobs=1),
        {"goal__unq_F": [-0.5, 1.0]}, cv=2, scoring=atom_scorer("unq_F"),
    ).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert scores[1] > scores[0]
    assert search.best_params_ == {"goal__unq_F": 1.0}
    assert search.best_estimator_.goal.get_params()["unq_F"] == 1.0
    assert search.best_estimator_.goal.get_params()["red"] == PRESETS["lateral_optimised"][1]["red"]
