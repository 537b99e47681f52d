"""Goal discovery with Optuna: TPE over goal weights, and one study shared by several
worker processes through an SQLite file (the recipe of the tuning guide)."""

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

optuna = pytest.importorskip("optuna")

ROOT = Path(__file__).resolve().parents[1]

# The worker of the recipe: load the shared study and add trials to it.
WORKER = textwrap.dedent('''
    import os
    import sys
    import warnings

    import optuna
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_infomorph import Goal, InfomorphicClassifier

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    url, n_trials = sys.argv[1], int(sys.argv[2])
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]


    def objective(trial):
        trial.set_user_attr("worker", os.getpid())
        goal = Goal(red=trial.suggest_float("red", -1, 1),
                    syn=trial.suggest_float("syn", -1, 1))
        clf = InfomorphicClassifier((4,), sources="FC", goal=goal, max_iter=1,
                                    random_state=0, n_jobs=1)
        return clf.fit(X[:200], y[:200]).score(X[200:], y[200:])


    storage = optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 60}})
    study = optuna.load_study(study_name="goals", storage=storage,
                              sampler=optuna.samplers.TPESampler(seed=os.getpid()))
    study.optimize(objective, n_trials=n_trials)
''')


@pytest.mark.slow
@pytest.mark.subprocess
def test_two_workers_share_one_sqlite_study(tmp_path):
    url = f"sqlite:///{tmp_path / 'goals.db'}"
    optuna.create_study(study_name="goals", storage=url, direction="maximize")
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    workers = [
        subprocess.Popen([sys.executable, str(script), url, "3"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for proc in workers:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
    study = optuna.load_study(study_name="goals", storage=url)
    complete = study.get_trials(states=[optuna.trial.TrialState.COMPLETE])
    assert len(complete) == 6
    assert {t.user_attrs["worker"] for t in complete} == {p.pid for p in workers}
    assert len({t.number for t in complete}) == 6
    assert all(0.0 <= t.value <= 1.0 for t in complete)
    assert set(study.best_params) == {"red", "syn"}


def test_optuna_search_cv_tunes_goal_weights(digits):
    pytest.importorskip("optuna_integration")
    from optuna.distributions import FloatDistribution
    from optuna_integration import OptunaSearchCV

    from sklearn_infomorph import InfomorphicClassifier
    from sklearn_infomorph.metrics import make_atom_scorers

    X_train, _, y_train, _ = digits
    clf = InfomorphicClassifier((6,), sources="FC", goal="context_heuristic", max_iter=2,
                                random_state=0, n_jobs=1)
    space = {"goal__red": FloatDistribution(-1, 1), "goal__syn": FloatDistribution(-1, 1)}
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning, OptunaSearchCV is experimental
        search = OptunaSearchCV(clf, space, cv=2, n_trials=4, study=study, random_state=0,
                                scoring=make_atom_scorers(["MI_C"], data="test")["pid_MI_C"])
        search.fit(X_train[:300], y_train[:300])
    assert len(study.trials) == 4
    assert set(search.best_params_) == {"goal__red", "goal__syn"}
    best = search.best_estimator_
    assert best.goal.get_params()["red"] == pytest.approx(search.best_params_["goal__red"])
