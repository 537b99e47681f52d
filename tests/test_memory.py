"""Tests of the associative memories (infomorphic and Hebbian)."""

import importlib
import json
import sys
import warnings
from argparse import Namespace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import check_estimator

from sklearn_infomorph import (
    Goal,
    HebbianAssociativeMemory,
    InfomorphicAssociativeMemory,
    isx_pid,
    redundancy_lattice,
)
from sklearn_infomorph._associative_memory import flip_bits, log_spaced_epochs
from sklearn_infomorph._engine._memory_network import recall

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

N_NEURONS, N_PATTERNS = 40, 12  # load 0.3: above the Hebbian capacity (about 0.14)


def _patterns(seed=0, m=N_PATTERNS, n=N_NEURONS):
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(m, n))


@pytest.fixture(scope="module")
def patterns():
    return _patterns()


@pytest.fixture(scope="module")
def memory(patterns):
    # 300 epochs without the recall check: the goal has time to shape the atoms.
    return InfomorphicAssociativeMemory(
        max_iter=300, recall_threshold=None, random_state=0).fit(patterns)


# -- recall -----------------------------------------------------------------------------
def test_exact_recall_from_clean_noisy_and_partial_cues(memory, patterns):
    np.testing.assert_array_equal(memory.transform(patterns), patterns)
    assert memory.score(patterns) == 1.0
    noisy = flip_bits(patterns, 0.05, random_state=0)  # 2 of 40 bits flipped
    assert np.all(np.sum(noisy != patterns, axis=1) == 2)
    np.testing.assert_array_equal(memory.transform(noisy), patterns)
    partial = patterns.copy()
    partial[:, :4] = 0.0  # 4 unknown bits
    np.testing.assert_array_equal(memory.transform(partial), patterns)


def test_hebbian_fails_above_its_capacity_where_infomorphic_succeeds(memory, patterns):
    hebbian = HebbianAssociativeMemory().fit(patterns)
    assert hebbian.score(patterns, criterion="share_recalled") < 0.8
    assert memory.score(patterns) == 1.0
    # Both store a load well below the Hebbian capacity.
    few = _patterns(seed=1, m=3, n=100)
    assert HebbianAssociativeMemory().fit(few).score(few, flip_fraction=0.1, random_state=0) == 1.0


def test_zero_one_patterns_come_back_as_zero_one(patterns):
    binary = (patterns + 1) / 2
    memory = InfomorphicAssociativeMemory(max_iter=300, random_state=0).fit(binary)
    np.testing.assert_array_equal(memory.pattern_values_, [0.0, 1.0])
    cue = binary.copy()
    cue[:, :4] = 0.5  # unknown bits in the 0/1 convention
    out = memory.transform(cue)
    np.testing.assert_array_equal(out, binary)
    assert set(np.unique(out)) == {0.0, 1.0}
    # Same weights as the +-1 fit: the convention does not change what is learned.
    pm1 = InfomorphicAssociativeMemory(max_iter=300, random_state=0).fit(patterns)
    np.testing.assert_array_equal(memory.coef_, pm1.coef_)
    hebbian = HebbianAssociativeMemory().fit(binary)
    assert set(np.unique(hebbian.transform(binary))) <= {0.0, 1.0}


def test_score_with_cues_and_flips(memory, patterns):
    far = -patterns  # the inverted patterns are attractors too, not the patterns
    assert memory.score(patterns, cues=far) == -1.0  # mean cosine similarity
    assert memory.score(patterns, cues=far, criterion="share_recalled") == 0.0
    assert memory.score(patterns, cues=far, criterion="share_recalled", threshold=-1.0) == 1.0
    # Flipping every bit of a cue turns the clean pattern into its inverse.
    assert memory.score(patterns, flip_fraction=1.0, criterion="share_recalled") == 0.0
    a = memory.score(patterns, flip_fraction=0.3, random_state=1)
    assert a == memory.score(patterns, flip_fraction=0.3, random_state=1)


def test_flip_bits_flips_exactly_the_requested_number():
    states = _patterns(m=5, n=20)
    flipped = flip_bits(states, 0.25, random_state=0)
    assert np.all(np.sum(flipped != states, axis=1) == 5)
    np.testing.assert_array_equal(flip_bits(states, 0.0), states)


def test_recall_engine_fixed_points_and_cycles():
    # Two neurons that inhibit each other: (1, 1) -> (-1, -1) -> (1, 1), a 2-cycle.
    weights = np.array([[0.0, -1.0], [-1.0, 0.0]])
    states, steps, converged = recall(weights, np.array([[1.0, 1.0], [1.0, -1.0]]), 10)
    np.testing.assert_array_equal(states, [[1.0, 1.0], [1.0, -1.0]])
    np.testing.assert_array_equal(steps, [2, 1])  # a 2-cycle, then a fixed point
    assert converged.all()
    # A ring of three neurons, each copying its predecessor: a 3-cycle never settles.
    ring = np.roll(np.eye(3), 1, axis=1)
    _, steps, converged = recall(ring, np.array([[1.0, -1.0, -1.0]]), 10)
    assert not converged[0] and steps[0] == 10


def test_recall_warns_when_a_cue_does_not_settle(patterns):
    hebbian = HebbianAssociativeMemory(max_recall_steps=5).fit(np.ones((1, 3)))
    hebbian.coef_ = np.roll(np.eye(3), 1, axis=0)  # receiver i listens to i - 1
    with pytest.warns(ConvergenceWarning, match="max_recall_steps=5"):
        out = hebbian.transform([[1.0, -1.0, -1.0]])
    assert set(np.unique(out)) <= {-1.0, 1.0}


# -- fitted state -----------------------------------------------------------------------
def test_weights_have_zero_diagonal_and_hebbian_is_the_outer_product(memory, patterns):
    assert memory.coef_.shape == (N_NEURONS, N_NEURONS)
    np.testing.assert_array_equal(np.diag(memory.coef_), 0.0)
    hebbian = HebbianAssociativeMemory().fit(patterns)
    expected = sum(np.outer(p, p) for p in patterns) / N_NEURONS
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(hebbian.coef_, expected)


def test_pid_atoms_match_isx_pid_of_each_neuron(memory, patterns):
    atoms = memory.pid_atoms_
    assert isinstance(atoms, pd.DataFrame)
    assert atoms.shape[0] == N_NEURONS
    np.testing.assert_allclose(
        atoms[["{F}{L}", "{F}", "{L}", "{FL}"]].sum(axis=1), atoms["MI"], atol=1e-9
    )
    np.testing.assert_allclose(atoms["{F}{L}"] + atoms["{F}"], atoms["MI_F"], atol=1e-9)
    # Recompute two neurons' joint distributions from scratch and decompose them.
    field = patterns @ memory.coef_.T
    theta = 1.0 / (1.0 + np.exp(-(field + 2.3 * patterns)))
    theta = np.clip(theta, 1e-6, 1.0 - 1e-6)  # the engine's clamp, for numerical safety
    l_bins = np.clip(((np.clip(field, -20, 20) + 20) * 60 / 40).astype(int), 0, 59)
    for j in (0, 7):
        table = np.zeros((2, 2, 60))
        for b in range(len(patterns)):
            f_bin = int(patterns[b, j] > 0)
            table[1, f_bin, l_bins[b, j]] += theta[b, j] / len(patterns)
            table[0, f_bin, l_bins[b, j]] += (1.0 - theta[b, j]) / len(patterns)
        expected = isx_pid(table, source_names="FL")
        got = atoms.loc[("memory", j)]
        for name in ("{F}{L}", "{F}", "{L}", "{FL}", "H_res", "MI"):
            assert got[name] == pytest.approx(expected[name], abs=1e-6)
    # The redundancy goal was learned: high redundancy, little of anything else.
    assert atoms["{F}{L}"].mean() > 0.8
    assert memory.goal_curve_[-1] > memory.goal_curve_[0]
    assert memory.n_iter_ == len(memory.goal_curve_)


def test_records_have_the_form_of_the_other_estimators_and_helpers_accept_them(memory):
    # One fit loop for every estimator: goal_curve_ (epochs, layers), pid_history_
    # per epoch, and the atoms helpers and metrics take the memory too.
    from sklearn_infomorph import atoms as atoms_module
    from sklearn_infomorph.metrics import atom_scorer

    assert memory.layer_names_ == ["memory"]
    assert memory.goal_curve_.shape == (memory.n_iter_, 1)
    history = memory.pid_history_
    assert sorted(history["epoch"].unique()) == list(range(1, memory.n_iter_ + 1))
    last = history[history["epoch"] == memory.n_iter_]
    assert len(last) == N_NEURONS * len(memory.pid_atoms_.columns)
    table = atoms_module.layer_atoms(memory)
    assert list(table.columns) == ["{F}{L}", "{F}", "{L}", "{FL}"]
    assert atoms_module.atom_history_means(memory).shape[0] == memory.n_iter_
    assert atom_scorer("red")(memory) == pytest.approx(table["{F}{L}"].mean())


def test_a_neuron_with_a_constant_bit_gets_zero_weights_and_is_clamped():
    patterns = _patterns(seed=2)
    patterns[:, 5] = -1.0  # neuron 5 is off in every pattern: nothing to learn
    memory = InfomorphicAssociativeMemory(recall_threshold=1.0, random_state=0).fit(patterns)
    np.testing.assert_array_equal(memory.coef_[5], 0.0)  # its incoming weights
    assert memory.pid_atoms_.loc[("memory", 5), "MI"] == pytest.approx(0.0, abs=1e-12)
    cue = patterns.copy()
    cue[:, 5] = 0.0  # unknown or wrong: recalled as the value all patterns share
    np.testing.assert_array_equal(memory.transform(cue), patterns)
    cue[:, 5] = 1.0
    np.testing.assert_array_equal(memory.transform(cue), patterns)


def test_a_single_pattern_is_kept_by_both_memories():
    pattern = _patterns(m=1, n=10)
    for memory in (InfomorphicAssociativeMemory(max_iter=20), HebbianAssociativeMemory()):
        memory.fit(pattern)
        cue = pattern.copy()
        cue[0, :3] = 0.0
        np.testing.assert_array_equal(memory.transform(cue), pattern)


def test_goal_is_used_and_tunable(patterns):
    memory = InfomorphicAssociativeMemory(goal={"unq_L": 1.0}, max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        memory.fit(patterns)
        default = InfomorphicAssociativeMemory(max_iter=20, random_state=0).fit(patterns)
    assert memory.goal_.get_params() == {"unq_L": 1.0}
    assert default.goal_.get_params() == {"red": 1.0}
    assert not np.allclose(memory.coef_, default.coef_)
    tuned = InfomorphicAssociativeMemory().set_params(goal__red=0.5, goal__syn=0.1)
    assert tuned.goal.get_params() == {"red": 0.5, "syn": 0.1}
    with pytest.raises(ValueError, match="'goal' parameter.*unknown atom 'unq_C'"):
        InfomorphicAssociativeMemory(goal={"unq_C": 1.0}).fit(patterns)


def test_stops_when_the_goal_stalls_and_warns_at_max_iter(patterns):
    quick = InfomorphicAssociativeMemory(
        tol=10.0, n_iter_no_change=3, recall_threshold=None, random_state=0)
    assert quick.fit(patterns).n_iter_ == 4  # the first epoch improves on -inf
    assert quick.recall_checks_.shape == (0, 2)
    with pytest.warns(ConvergenceWarning, match="goal is still improving.*max_iter"):
        InfomorphicAssociativeMemory(
            max_iter=3, tol=0.0, recall_threshold=None, random_state=0).fit(patterns)
    # Neither rule: exactly max_iter epochs, no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = InfomorphicAssociativeMemory(max_iter=7, recall_threshold=None).fit(patterns)
    assert plain.n_iter_ == 7


def test_defaults_and_pandas_output(memory, patterns):
    # Cloning, pickling and random_state for every estimator: test_common.py.
    # The authors' protocol (paper_hopfield of Priesemann-Group/Infomorphic_Networks).
    params = InfomorphicAssociativeMemory().get_params()
    assert params["external_weight"] == 2.3 and params["n_bins"] == 60
    assert params["learning_rate_init"] == 0.05 and params["bin_range"] == 20.0
    assert params["init_scale"] == 0.001 and params["max_iter"] == 5000
    assert params["recall_threshold"] == 0.95 and params["n_recall_checks"] == 15
    assert params["tol"] is None and params["goal"] is None
    frame = pd.DataFrame(patterns, columns=[f"px{i}" for i in range(N_NEURONS)])
    hebbian = HebbianAssociativeMemory().set_output(transform="pandas").fit(frame)
    out = hebbian.transform(frame)
    assert list(out.columns) == list(frame.columns)


# -- the recall score: two criteria ------------------------------------------------------
def test_score_criteria_mean_cosine_and_share_recalled():
    # The Hebbian rule far above its capacity: recall is partly wrong, pattern by pattern.
    patterns = _patterns(seed=3, m=16, n=40)
    hebbian = HebbianAssociativeMemory().fit(patterns)
    similarity = np.sum(hebbian.transform(patterns) * patterns, axis=1) / 40
    assert 0.0 < np.mean(similarity >= 0.95) < 1.0  # the test reaches both outcomes
    assert hebbian.score(patterns) == pytest.approx(similarity.mean())  # the default
    assert hebbian.score(patterns, criterion="mean_cosine") == pytest.approx(similarity.mean())
    for threshold in (0.95, 0.5):
        assert hebbian.score(patterns, criterion="share_recalled", threshold=threshold) == (
            pytest.approx(np.mean(similarity >= threshold)))
    # The threshold belongs to share_recalled only.
    assert hebbian.score(patterns, threshold=0.1) == hebbian.score(patterns)
    with pytest.raises(ValueError, match="criterion must be one of 'mean_cosine'"):
        hebbian.score(patterns, criterion="all")


# -- stopping on the recall score (the authors' rule) ------------------------------------
def test_log_spaced_checks_are_the_authors():
    assert log_spaced_epochs(5000, 15) == (
        1, 3, 6, 11, 20, 38, 70, 129, 238, 438, 805, 1480, 2721, 4999)
    assert log_spaced_epochs(1, 15) == (1,)


def test_recall_stopping_stops_once_the_patterns_are_recalled(patterns):
    memory = InfomorphicAssociativeMemory(max_iter=5000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        memory.fit(patterns)  # load 0.3: stored within a few dozen epochs
    checks = memory.recall_checks_
    checkpoints = log_spaced_epochs(5000, 15)
    assert memory.n_iter_ < 5000 and memory.n_iter_ in checkpoints
    np.testing.assert_array_equal(checks[:, 0], checkpoints[:len(checks)])
    assert checks[-1, 0] == memory.n_iter_
    assert checks[-1, 1] >= 0.95 and np.all(checks[:-1, 1] < 0.95)
    assert len(checks) >= 2  # not stored after the first epoch: the rule had to wait
    assert memory.score(patterns) == pytest.approx(checks[-1, 1])
    # A lower threshold stops no later.
    early = InfomorphicAssociativeMemory(recall_threshold=0.5, random_state=0).fit(patterns)
    assert early.n_iter_ <= memory.n_iter_


def test_recall_stopping_runs_on_when_the_load_is_too_high():
    patterns = _patterns(seed=4, m=50, n=20)  # 2.5 patterns per neuron: beyond capacity
    memory = InfomorphicAssociativeMemory(max_iter=250, random_state=0)
    with pytest.warns(ConvergenceWarning, match="recall_threshold=0.95 after max_iter=250"):
        memory.fit(patterns)
    assert memory.n_iter_ == 250
    # Checked at every log-spaced epoch (the last at 249) and after the last one.
    np.testing.assert_array_equal(
        memory.recall_checks_[:, 0], list(log_spaced_epochs(250, 15)) + [250])
    assert np.all(memory.recall_checks_[:, 1] < 0.95)
    # The weights are those of the last epoch, as with the rule switched off.
    plain = InfomorphicAssociativeMemory(
        max_iter=250, recall_threshold=None, random_state=0).fit(patterns)
    np.testing.assert_array_equal(memory.coef_, plain.coef_)
    np.testing.assert_array_equal(memory.goal_curve_, plain.goal_curve_)
    assert len(memory.pid_history_) == len(plain.pid_history_)


# -- the associative memory's optimised goal ----------------------------------------------
def test_memory_optimised_preset_is_the_authors_goal(patterns):
    goal = Goal.preset("memory_optimised")
    assert goal.get_params() == {
        "unq_F": 0.48, "unq_L": -0.16, "red": 0.25, "syn": 0.04, "H_res": -0.63}
    assert Goal.preset("memory_optimized").get_params() == goal.get_params()
    # F is the external source, L the recurrent one; lattice order {F}{L}, {F}, {L}, {FL}.
    gamma, gamma_h = goal.to_vector(redundancy_lattice(2, "FL"))
    np.testing.assert_allclose(gamma, [0.25, 0.48, -0.16, 0.04])
    assert gamma_h == -0.63
    memory = InfomorphicAssociativeMemory("memory_optimised", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        memory.fit(patterns)
    assert memory.goal_.get_params() == goal.get_params()


# -- the capacity sweep of benchmarks/memory_capacity.py ----------------------------------
@pytest.fixture(scope="module")
def capacity_script():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module("memory_capacity")
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_sweep_stops_at_the_first_failure(capacity_script):
    sweep, grid = capacity_script.sweep, capacity_script.load_grid
    assert grid(100, 0.2, 0.02, 2.0) == list(range(20, 201, 2))  # the authors' loads
    assert grid(100, 0.01, 0.01, 0.05) == [1, 2, 3, 4, 5]
    asked = []

    def stored(m):
        asked.append(m)
        return m <= 24 or m == 28  # a later success must not count

    assert sweep(stored, grid(100, 0.2, 0.02, 2.0)) == (24, 26)
    assert asked == [20, 22, 24, 26]
    assert sweep(lambda m: False, [20, 22]) == (0, 20)
    assert sweep(lambda m: True, [20, 22]) == (22, None)  # a lower bound only
    flips = capacity_script.largest_flip(lambda k: 1.0 if k in (0, 1, 2, 4) else 0.5, 10)
    assert flips == 2
    assert capacity_script.largest_flip(lambda k: 0.0, 10) == -1
    cues = capacity_script.flip_exactly(_patterns(m=6, n=20), 7, np.random.default_rng(0))
    assert np.all(np.sum(cues != _patterns(m=6, n=20), axis=1) == 7)


def test_capacity_sweep_on_a_tiny_network_is_resumable(capacity_script, tmp_path):
    out = tmp_path / "memory.jsonl"
    args = Namespace(out=str(out), n_neurons=20, max_iter=300, seed=0, start=0.4, step=0.2,
                     stop=2.0, n_bins=60, bin_range=20.0)
    runner = capacity_script.Runner(args)
    capacity, bound_only = runner.capacity("hebbian", 0)
    assert not bound_only and 0.0 < capacity < 0.5
    records = [json.loads(line) for line in out.read_text().splitlines()]
    # Hebbian: one pattern more per load, up to the first load not stored.
    assert [r["m"] for r in records] == list(range(1, int(capacity * 20) + 2))
    assert all(r["stored"] for r in records[:-1]) and not records[-1]["stored"]
    assert all(r["score"] >= 0.95 for r in records[:-1]) and records[-1]["score"] < 0.95
    info, _ = runner.capacity("redundancy", 0)
    assert info > capacity  # the infomorphic rule stores more on the same network size
    n_lines = len(out.read_text().splitlines())
    again = capacity_script.Runner(args)  # reads the records back: no new fit
    assert again.capacity("redundancy", 0) == (info, False)
    assert len(out.read_text().splitlines()) == n_lines
    # Records of other bins are not reused: --n-bins 2 fits memories of its own.
    coarse = capacity_script.Runner(Namespace(**{**vars(args), "n_bins": 2}))
    assert coarse.results == {}
    coarse.capacity("redundancy", 0)
    new = [json.loads(line) for line in out.read_text().splitlines()[n_lines:]]
    assert new and {r["n_bins"] for r in new} == {2}


# -- bad input --------------------------------------------------------------------------
@pytest.mark.parametrize("Memory", [InfomorphicAssociativeMemory, HebbianAssociativeMemory])
def test_bad_input_gets_clear_errors(Memory, patterns):
    est = Memory(max_iter=5) if Memory is InfomorphicAssociativeMemory else Memory()
    three = patterns.copy()
    three[0, 0] = 0.0  # -1, 0 and 1: neither convention
    with pytest.raises(ValueError, match="binary patterns.*got values -1, 0, 1"):
        est.fit(three)
    with pytest.raises(ValueError, match="binary patterns.*0.5"):
        est.fit(np.full((3, 4), 0.5))
    with pytest.raises(ValueError, match="minimum of 2 is required"):
        est.fit(patterns[:, :1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(patterns)
    with pytest.raises(ValueError, match="has 39 features.*expecting 40"):
        est.transform(patterns[:, 1:])
    with pytest.raises(ValueError, match=r"values in \[-1, 1\].*got 2"):
        est.transform(2 * patterns)
    with pytest.raises(ValueError, match="only the pattern values -1 and 1"):
        est.score(0.5 * patterns)
    with pytest.raises(ValueError, match="one cue per pattern"):
        est.score(patterns, cues=patterns[:2])
    with pytest.raises(ValueError, match="flip_fraction"):
        est.score(patterns, flip_fraction=1.5)
    with pytest.raises(ValueError, match="max_recall_steps"):
        clone(est).set_params(max_recall_steps=0).fit(patterns)


def test_parameter_validation():
    with pytest.raises(ValueError, match="external_weight"):
        InfomorphicAssociativeMemory(external_weight=np.inf).fit(_patterns())
    with pytest.raises(ValueError, match="n_bins"):
        InfomorphicAssociativeMemory(n_bins=1).fit(_patterns())
    with pytest.raises(ValueError, match="'goal' parameter"):
        InfomorphicAssociativeMemory(goal=Goal).fit(_patterns())
    with pytest.raises(ValueError, match="Unknown goal preset 'nope'"):
        InfomorphicAssociativeMemory(goal="nope").fit(_patterns())


# -- scikit-learn's estimator checks ------------------------------------------------------
# Most checks fit on continuous random data (normal or uniform values). Both memories
# store binary patterns only and refuse such data with a ValueError by design (clear
# errors on non-binary input), so these checks fail, and must fail for that reason
# alone; every other check (parameters, cloning, validation, tags, ...) must pass.
_CONTINUOUS_DATA_CHECKS = {
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
    "check_estimators_dtypes", "check_estimators_fit_returns_self",
    "check_estimators_nan_inf", "check_estimators_overwrite_params",
    "check_estimators_pickle", "check_f_contiguous_array_estimator",
    "check_fit2d_1sample", "check_fit2d_predict1d", "check_fit_check_is_fitted",
    "check_fit_idempotent", "check_fit_score_takes_y", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_n_features_in",
    "check_n_features_in_after_fitting", "check_pipeline_consistency",
    "check_positive_only_tag_during_fit", "check_readonly_memmap_input",
    "check_transformer_data_not_an_array", "check_transformer_general",
    "check_transformer_n_iter", "check_transformer_preserve_dtypes",
}


def _messages(exc):
    while exc is not None:
        yield str(exc)
        exc = exc.__cause__ or exc.__context__


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@pytest.mark.parametrize("memory", [InfomorphicAssociativeMemory(max_iter=3),
                                    HebbianAssociativeMemory()], ids=lambda m: type(m).__name__)
def test_scikit_learn_checks(memory):
    results = check_estimator(memory, on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    expected = set(_CONTINUOUS_DATA_CHECKS)
    if not hasattr(memory, "max_iter"):
        expected.discard("check_transformer_n_iter")  # runs only on iterative estimators
    assert failed == expected, (
        f"unexpected failures: {sorted(failed - expected)}; "
        f"now passing (remove from the list): {sorted(expected - failed)}")
    for r in results:
        if r["status"] == "failed":
            assert any("stores binary patterns" in m for m in _messages(r["exception"])), (
                f"{r['check_name']} failed for another reason: {r['exception']!r}")
        elif r["status"] == "skipped":  # only the array-API check, without SCIPY_ARRAY_API
            assert r["check_name"] == "check_array_api_input", r["check_name"]
