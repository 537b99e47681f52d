"""Tests of the I^sx partial information decomposition (sklearn_infomorph.pid)."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sklearn_infomorph import isx_pid, pid_table_from_samples, redundancy_lattice
from sklearn_infomorph.pid import _dense_i_cap

GATE_TOL = 1e-4  # the published gate values (Makkeh, Gutknecht, Wibral 2021) have 4 decimals
TIGHT = 1e-10

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# --------------------------------------------------------------------------- helpers


def entropy_bits(p):
    p = np.asarray(p, dtype=float).ravel()
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


def mutual_information(p, source_axes):
    """I(T; S_A) in bits, computed directly from the table (independent of the package)."""
    n = p.ndim - 1
    drop = tuple(1 + i for i in range(n) if i not in source_axes)
    joint = p.sum(axis=drop)
    return entropy_bits(joint.sum(axis=0)) + entropy_bits(joint.sum(axis=tuple(range(1, joint.ndim)))) - entropy_bits(joint)


def reference_i_cap(p, antichain):
    """I_cap(alpha) by brute force: union events built by explicit cell matching.

    Does not use inclusion-exclusion; follows the definition of I^sx (Makkeh, Gutknecht, Wibral, Phys. Rev. E 103, 2021).
    """
    n = p.ndim - 1
    cells = np.array(list(np.ndindex(p.shape[1:])))  # (C, n), C-order like reshape
    p_ts = p.reshape(p.shape[0], -1)  # (n_t, C)
    p_s = p_ts.sum(axis=0)
    p_t = p_ts.sum(axis=1)
    match = np.zeros((len(cells), len(cells)), dtype=bool)
    for mask in antichain:
        idx = [i for i in range(n) if mask >> i & 1]
        match |= np.all(cells[:, None, idx] == cells[None, :, idx], axis=-1)
    p_w = match.astype(float) @ p_s  # P(W(s)) per cell s
    p_tw = p_ts @ match.T.astype(float)  # P(T=t, W(s))
    support = p_ts > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = p_tw / (p_t[:, None] * p_w[None, :])
    return float(np.sum(p_ts[support] * np.log2(ratio[support])))


def table_from_rows(rows, n_values=None):
    """Equiprobable table from rows (t, s1, ..., sn)."""
    rows = np.asarray(rows)
    if n_values is None:
        n_values = rows.max(axis=0) + 1
    p = np.zeros(tuple(n_values))
    for r in rows:
        p[tuple(r)] += 1.0 / len(rows)
    return p


def atoms_of(pid, lattice):
    return np.array([pid[name] for name in lattice.names])


def dit_node(antichain, n):
    subsets = [tuple(i for i in range(n) if m >> i & 1) for m in antichain]
    return tuple(sorted(subsets, key=lambda s: (len(s), s)))


def dit_atoms(p):
    """Atoms of PID_SX from dit for table p[t, s1, ..., sn], in our lattice order."""
    import dit
    from dit.pid import PID_SX

    n = p.ndim - 1
    outcomes, probs = [], []
    for idx in np.ndindex(p.shape):
        if p[idx] > 0:
            outcomes.append(tuple(int(v) for v in idx[1:]) + (int(idx[0]),))
            probs.append(float(p[idx]))
    d = dit.Distribution(outcomes, probs)
    assert not d.is_log()
    pid = PID_SX(d, [[i] for i in range(n)], [n])
    lattice = redundancy_lattice(n)
    nodes = [dit_node(a, n) for a in lattice.antichains]
    # our antichains map one-to-one onto dit's lattice nodes
    assert set(nodes) == set(pid._lattice)
    assert len(set(nodes)) == len(lattice)
    return np.array([pid.get_pi(node) for node in nodes])


def random_table(rng, shape, zeros=0):
    p = rng.dirichlet(np.ones(int(np.prod(shape)))).reshape(shape)
    if zeros:
        flat = p.reshape(-1)
        flat[rng.choice(flat.size, zeros, replace=False)] = 0.0
        p /= p.sum()
    return p


BITS2 = np.array(list(itertools.product([0, 1], repeat=2)))
BITS3 = np.array(list(itertools.product([0, 1], repeat=3)))


def both_modes(target, sources):
    """PID of equiprobable samples, from samples and from the equivalent table."""
    from_samples = isx_pid(target=target, sources=sources)
    rows = np.column_stack([target] + list(sources))
    from_table = isx_pid(table_from_rows(rows))
    return from_samples, from_table


# --------------------------------------------------------------------------- gates


def test_and_gate():
    a, b = BITS2.T
    for pid in both_modes(a & b, [a, b]):
        assert pid["{0}{1}"] == pytest.approx(0.1226, abs=GATE_TOL)
        assert pid["{0}"] == pytest.approx(0.1887, abs=GATE_TOL)
        assert pid["{1}"] == pytest.approx(0.1887, abs=GATE_TOL)
        assert pid["{01}"] == pytest.approx(0.3113, abs=GATE_TOL)
        h_and = entropy_bits([0.75, 0.25])
        assert pid["MI"] == pytest.approx(h_and, abs=1e-12)
        assert pid["H_T"] == pytest.approx(h_and, abs=1e-12)
        assert pid["H_res"] == pytest.approx(0.0, abs=1e-12)
        assert pid["MI_0"] == pytest.approx(pid["MI_1"], abs=1e-12)


def test_xor_gate():
    a, b = BITS2.T
    for pid in both_modes(a ^ b, [a, b]):
        assert pid["{0}{1}"] == pytest.approx(-0.585, abs=GATE_TOL)
        assert pid["{0}"] == pytest.approx(0.585, abs=GATE_TOL)
        assert pid["{1}"] == pytest.approx(0.585, abs=GATE_TOL)
        assert pid["{01}"] == pytest.approx(0.415, abs=GATE_TOL)
        # closed forms: red = log2(2/3), unq = log2(3/2), syn = 2 - log2(3)
        assert pid["{0}{1}"] == pytest.approx(math.log2(2 / 3), abs=1e-12)
        assert pid["{0}"] == pytest.approx(math.log2(3 / 2), abs=1e-12)
        assert pid["{01}"] == pytest.approx(2 - math.log2(3), abs=1e-12)
        assert pid["MI"] == pytest.approx(1.0, abs=1e-12)
        assert pid["MI_0"] == pytest.approx(0.0, abs=1e-12)


def test_identical_copies_two_sources():
    t = np.array([0, 1])
    for pid in both_modes(t, [t, t]):
        assert pid["{0}{1}"] == pytest.approx(1.0, abs=1e-12)
        for name in ("{0}", "{1}", "{01}"):
            assert pid[name] == pytest.approx(0.0, abs=1e-12)
        assert pid["MI"] == pytest.approx(1.0, abs=1e-12)


def test_aliases_in_series_with_source_names():
    a, b = BITS2.T
    pid = isx_pid(target=a & b, sources=[a, b], source_names="FC")
    lat = redundancy_lattice(2, "FC")
    assert list(pid.index[:4]) == ["{F}{C}", "{F}", "{C}", "{FC}"]
    assert pid[lat.aliases["red"]] == pytest.approx(0.1226, abs=GATE_TOL)
    assert pid[lat.aliases["unq_F"]] == pytest.approx(0.1887, abs=GATE_TOL)
    assert pid[lat.aliases["syn"]] == pytest.approx(0.3113, abs=GATE_TOL)


def test_series_layout():
    pid = isx_pid(random_table(np.random.default_rng(0), (2, 2, 2, 3)))
    lat = redundancy_lattice(3)
    assert isinstance(pid, pd.Series)
    assert list(pid.index) == lat.names + ["H_res", "H_T"] + lat.mi_names()
    assert list(pid.index[-7:]) == ["MI_0", "MI_1", "MI_01", "MI_2", "MI_02", "MI_12", "MI"]
    assert pid.dtype == np.float64


def test_parity_three_sources():
    a, b, c = BITS3.T
    samples_pid, table_pid = both_modes(a ^ b ^ c, [a, b, c])
    lat = redundancy_lattice(3)
    expected = dit_atoms(table_from_rows(np.column_stack([a ^ b ^ c, a, b, c])))
    for pid in (samples_pid, table_pid):
        atoms = atoms_of(pid, lat)
        assert atoms.sum() == pytest.approx(1.0, abs=1e-12)
        assert pid["MI"] == pytest.approx(1.0, abs=1e-12)
        for name in ("MI_0", "MI_1", "MI_2", "MI_01", "MI_02", "MI_12"):
            assert pid[name] == pytest.approx(0.0, abs=1e-12)
        np.testing.assert_allclose(atoms, expected, rtol=0, atol=1e-12)
        # every union of source events misses exactly one cell: P(W) = 7/8, P(t, W) = P(t)
        assert pid["{0}{1}{2}"] == pytest.approx(math.log2(8 / 7), abs=1e-12)
        # symmetric in the sources
        for group in (["{0}{1}", "{0}{2}", "{1}{2}"], ["{0}", "{1}", "{2}"], ["{01}", "{02}", "{12}"]):
            assert np.ptp([pid[g] for g in group]) < 1e-12


def test_copy_of_one_source_three_sources():
    """T = S1 with three independent uniform bits.

    Note: for I^sx this is NOT "1 bit unique to S1, every other atom 0". The shared
    exclusion redundancy of S1 with an independent source is log2(4/3) > 0 (and that of
    all three log2(8/7)), compensated by negative atoms. The values below are checked
    against dit's PID_SX; the brief's "{0} == 1, all else 0" expectation does not hold.
    """
    a, b, c = BITS3.T
    lat = redundancy_lattice(3)
    expected = dit_atoms(table_from_rows(np.column_stack([a, a, b, c])))
    for pid in both_modes(a, [a, b, c]):
        atoms = atoms_of(pid, lat)
        np.testing.assert_allclose(atoms, expected, rtol=0, atol=1e-12)
        assert atoms.sum() == pytest.approx(1.0, abs=1e-12)
        assert pid["MI_0"] == pytest.approx(1.0, abs=1e-12)
        assert pid["MI_12"] == pytest.approx(0.0, abs=1e-12)
        # atoms below {12} (everything without a role for source 0) sum to I(T;S2,S3)=0
        below_12 = lat.order[lat.index("{12}")]
        assert atoms[below_12].sum() == pytest.approx(0.0, abs=1e-12)
        # atoms below {0} sum to I(T;S1) = 1
        below_0 = lat.order[lat.index("{0}")]
        assert atoms[below_0].sum() == pytest.approx(1.0, abs=1e-12)
        assert pid["{0}{1}{2}"] == pytest.approx(math.log2(8 / 7), abs=1e-12)
        assert pid["{1}{2}"] == pytest.approx(-math.log2(8 / 7), abs=1e-12)
        # S2 and S3 play symmetric roles
        assert pid["{0}{1}"] == pytest.approx(pid["{0}{2}"], abs=1e-12)
        assert pid["{1}"] == pytest.approx(pid["{2}"], abs=1e-12)


def test_copy_of_one_source_two_sources_closed_form():
    """T = S1, S2 independent: red = syn = log2(4/3), unq_1 = log2(3/2), unq_2 = -log2(4/3)."""
    a, b = BITS2.T
    for pid in both_modes(a, [a, b]):
        assert pid["{0}{1}"] == pytest.approx(math.log2(4 / 3), abs=1e-12)
        assert pid["{0}"] == pytest.approx(math.log2(3 / 2), abs=1e-12)
        assert pid["{1}"] == pytest.approx(-math.log2(4 / 3), abs=1e-12)
        assert pid["{01}"] == pytest.approx(math.log2(4 / 3), abs=1e-12)


def test_identical_copies_three_sources():
    t = np.array([0, 1])
    lat = redundancy_lattice(3)
    for pid in both_modes(t, [t, t, t]):
        atoms = atoms_of(pid, lat)
        assert pid["{0}{1}{2}"] == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(atoms[1:], 0.0, atol=1e-12)
        assert pid["MI"] == pytest.approx(1.0, abs=1e-12)


def test_identical_copies_four_sources():
    t = np.array([0, 1])
    pid = isx_pid(target=t, sources=[t, t, t, t])
    lat = redundancy_lattice(4)
    atoms = atoms_of(pid, lat)
    assert atoms[0] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(atoms[1:], 0.0, atol=1e-12)


def test_samples_mode_matches_manual_table():
    rng = np.random.default_rng(3)
    n = 200
    s1 = rng.choice(["lo", "mid", "hi"], n)
    s2 = rng.integers(10, 12, n)
    t = np.where((s1 == "hi") | (rng.random(n) < 0.3), "yes", "no")
    pid = isx_pid(target=t, sources=[s1, s2])
    # manual table with values in sorted order on each axis
    tv, s1v, s2v = np.unique(t), np.unique(s1), np.unique(s2)
    p = np.zeros((len(tv), len(s1v), len(s2v)))
    for ti, ai, bi in zip(t, s1, s2):
        p[np.searchsorted(tv, ti), np.searchsorted(s1v, ai), np.searchsorted(s2v, bi)] += 1
    p /= n
    np.testing.assert_allclose(pid_table_from_samples(t, s1, s2), p, atol=1e-15)
    np.testing.assert_allclose(isx_pid(p).values, pid.values, atol=1e-12)


def test_table_normalised_within_tolerance():
    p = random_table(np.random.default_rng(1), (2, 2, 2))
    a = isx_pid(p)
    b = isx_pid(p * (1 + 5e-7))
    np.testing.assert_allclose(a.values, b.values, atol=1e-12)


# --------------------------------------------------------------------------- properties


@st.composite
def tables(draw, n_sources=(2, 3)):
    n = draw(st.sampled_from(n_sources))
    shape = tuple(draw(st.integers(2, 3)) for _ in range(n + 1))
    size = int(np.prod(shape))
    weights = draw(
        st.lists(
            st.one_of(st.just(0.0), st.floats(0.01, 1.0), st.floats(1e-6, 1e-3)),
            min_size=size,
            max_size=size,
        )
    )
    assume(sum(weights) > 0)
    p = np.array(weights, dtype=float).reshape(shape)
    return p / p.sum()


@PROPERTY_SETTINGS
@given(p=tables())
def test_atoms_sum_to_mi_and_entropies(p):
    n = p.ndim - 1
    lat = redundancy_lattice(n)
    pid = isx_pid(p)
    atoms = atoms_of(pid, lat)
    mi = mutual_information(p, tuple(range(n)))
    h_t = entropy_bits(p.sum(axis=tuple(range(1, p.ndim))))
    assert np.all(np.isfinite(pid.values))
    assert atoms.sum() == pytest.approx(mi, abs=TIGHT)
    assert pid["MI"] == pytest.approx(mi, abs=TIGHT)
    assert pid["H_T"] == pytest.approx(h_t, abs=TIGHT)
    assert pid["H_res"] == pytest.approx(h_t - mi, abs=TIGHT)
    assert pid["H_res"] == pytest.approx(pid["H_T"] - pid["MI"], abs=1e-12)
    assert pid["H_res"] >= -1e-12
    # every reported subset MI is the true one
    for mask in range(1, (1 << n) - 1):
        axes = tuple(i for i in range(n) if mask >> i & 1)
        assert pid[f"MI_{lat.subset_name(mask)}"] == pytest.approx(
            mutual_information(p, axes), abs=TIGHT
        )


@PROPERTY_SETTINGS
@given(p=tables(n_sources=(2,)))
def test_bivariate_consistency(p):
    pid = isx_pid(p)
    mi_0 = mutual_information(p, (0,))
    mi_1 = mutual_information(p, (1,))
    assert pid["{0}{1}"] + pid["{0}"] == pytest.approx(mi_0, abs=TIGHT)
    assert pid["{0}{1}"] + pid["{1}"] == pytest.approx(mi_1, abs=TIGHT)


@PROPERTY_SETTINGS
@given(p=tables())
def test_i_cap_is_sum_of_atoms_below(p):
    n = p.ndim - 1
    lat = redundancy_lattice(n)
    atoms = atoms_of(isx_pid(p), lat)
    i_cap, h_t = _dense_i_cap(p, lat)
    reference = np.array([reference_i_cap(p, a) for a in lat.antichains])
    # the package's I_cap agrees with a brute-force union-of-events evaluation
    np.testing.assert_allclose(i_cap, reference, rtol=0, atol=TIGHT)
    # and the atoms invert it on the lattice: I_cap(alpha) = sum_{beta <= alpha} Pi(beta)
    for a in range(len(lat)):
        below = lat.order[a]
        assert reference[a] == pytest.approx(atoms[below].sum(), abs=TIGHT), lat.names[a]
    # single-subset antichains are mutual informations
    for a, antichain in enumerate(lat.antichains):
        if len(antichain) == 1:
            axes = tuple(i for i in range(n) if antichain[0] >> i & 1)
            assert i_cap[a] == pytest.approx(mutual_information(p, axes), abs=TIGHT)


@PROPERTY_SETTINGS
@given(p=tables(), data=st.data())
def test_invariant_under_relabelling(p, data):
    perms = [data.draw(st.permutations(range(size)), label=f"axis{ax}") for ax, size in enumerate(p.shape)]
    q = p
    for axis, perm in enumerate(perms):
        q = np.take(q, perm, axis=axis)
    np.testing.assert_allclose(isx_pid(q).values, isx_pid(p).values, rtol=0, atol=TIGHT)


@PROPERTY_SETTINGS
@given(p=tables(), data=st.data())
def test_equivariant_under_source_permutation(p, data):
    n = p.ndim - 1
    perm = data.draw(st.permutations(range(n)), label="perm")
    # new source k is old source perm[k]
    q = np.transpose(p, [0] + [1 + perm[k] for k in range(n)])
    lat = redundancy_lattice(n)
    old_index = {frozenset(a): i for i, a in enumerate(lat.antichains)}
    pid_p, pid_q = isx_pid(p), isx_pid(q)

    def to_old(mask):
        return sum(1 << perm[k] for k in range(n) if mask >> k & 1)

    for name, antichain in zip(lat.names, lat.antichains):
        mapped = frozenset(to_old(m) for m in antichain)
        old_name = lat.names[old_index[mapped]]
        assert pid_q[name] == pytest.approx(pid_p[old_name], abs=TIGHT), (name, old_name)
    for mask in range(1, (1 << n) - 1):
        assert pid_q[f"MI_{lat.subset_name(mask)}"] == pytest.approx(
            pid_p[f"MI_{lat.subset_name(to_old(mask))}"], abs=TIGHT
        )


@PROPERTY_SETTINGS
@given(p=tables(), target=st.lists(st.floats(0.05, 1.0), min_size=3, max_size=3))
def test_independent_target_gives_zero_atoms(p, target):
    n = p.ndim - 1
    p_s = p.sum(axis=0)  # arbitrary (possibly dependent) sources
    p_t = np.array(target[: p.shape[0]])
    p_t /= p_t.sum()
    joint = p_t.reshape((-1,) + (1,) * n) * p_s[None]
    pid = isx_pid(joint)
    lat = redundancy_lattice(n)
    np.testing.assert_allclose(atoms_of(pid, lat), 0.0, atol=1e-12)
    assert pid["MI"] == pytest.approx(0.0, abs=1e-12)
    assert pid["H_res"] == pytest.approx(entropy_bits(p_t), abs=1e-12)


# --------------------------------------------------------------------------- bad input


def _good_table():
    return np.full((2, 2, 2), 1 / 8)


def test_negative_entries():
    p = _good_table()
    p[0, 0, 0] = -0.125
    p[1, 1, 1] = 0.375
    with pytest.raises(ValueError, match=r"negative entries"):
        isx_pid(p)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_entries(bad):
    p = _good_table()
    p[0, 1, 0] = bad
    with pytest.raises(ValueError, match=r"NaN or infinite"):
        isx_pid(p)


@pytest.mark.parametrize("scale", [0.5, 2.0, 1 + 1e-3])
def test_sum_not_one(scale):
    with pytest.raises(ValueError, match=r"sums to .*not 1"):
        isx_pid(_good_table() * scale)


def test_zero_table():
    with pytest.raises(ValueError, match=r"sums to .*not 1"):
        isx_pid(np.zeros((2, 2, 2)))


@pytest.mark.parametrize("shape", [(2, 2), (2, 2, 2, 2, 2, 2), (4,)])
def test_wrong_dimensionality(shape):
    p = np.full(shape, 1.0 / np.prod(shape))
    with pytest.raises(ValueError, match=rf"3 to 5 dimensions; got {len(shape)} dimension"):
        isx_pid(p)


def test_empty_table():
    with pytest.raises(ValueError, match=r"empty"):
        isx_pid(np.zeros((2, 0, 2)))


def test_mismatched_sample_lengths():
    with pytest.raises(ValueError, match=r"same number of samples.*\[4, 4, 3\]"):
        isx_pid(target=[0, 1, 0, 1], sources=[[0, 0, 1, 1], [0, 1, 0]])


@pytest.mark.parametrize("n_sources", [0, 1, 5])
def test_wrong_number_of_sources_in_samples(n_sources):
    x = [0, 1, 0, 1]
    with pytest.raises(ValueError, match=rf"2 to 4 source arrays.*got {n_sources}"):
        isx_pid(target=x, sources=[x] * n_sources)


def test_both_table_and_samples():
    x = [0, 1, 0, 1]
    with pytest.raises(ValueError, match=r"either a probability table p or samples, not both"):
        isx_pid(_good_table(), target=x, sources=[x, x])
    with pytest.raises(ValueError, match=r"not both"):
        isx_pid(_good_table(), target=x)


def test_neither_table_nor_samples():
    with pytest.raises(ValueError, match=r"Give either a probability table p or both target= and sources="):
        isx_pid()
    # half of the samples is not enough either
    with pytest.raises(ValueError, match=r"both target= and sources="):
        isx_pid(target=[0, 1])
    with pytest.raises(ValueError, match=r"both target= and sources="):
        isx_pid(sources=[[0, 1], [1, 0]])


def test_bad_samples():
    with pytest.raises(ValueError, match=r"NaN or infinite"):
        isx_pid(target=[0.0, 1.0, np.nan], sources=[[0, 1, 1], [1, 1, 0]])
    with pytest.raises(ValueError, match=r"source 1 must be one-dimensional"):
        isx_pid(target=[0, 1], sources=[[0, 1], [[0, 1], [1, 0]]])
    with pytest.raises(ValueError, match=r"No samples"):
        isx_pid(target=[], sources=[[], []])


def test_bad_source_names():
    with pytest.raises(ValueError, match=r"source_names must hold 2 distinct names"):
        isx_pid(_good_table(), source_names="FCL")


# --------------------------------------------------------------------------- dit


@pytest.mark.parametrize(
    "seed, shape, zeros",
    [(10, (2, 2, 3), 0), (11, (2, 2, 3), 0), (12, (2, 2, 3), 3), (13, (3, 2, 2), 0)],
)
def test_agrees_with_dit_two_sources(seed, shape, zeros):
    p = random_table(np.random.default_rng(seed), shape, zeros)
    lat = redundancy_lattice(2)
    ours = atoms_of(isx_pid(p), lat)
    theirs = dit_atoms(p)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    # dit works in bits as well: its atoms add up to the mutual information in bits
    assert theirs.sum() == pytest.approx(mutual_information(p, (0, 1)), abs=1e-12)


@pytest.mark.slow
def test_agrees_with_dit_three_sources():
    p = random_table(np.random.default_rng(20), (2, 2, 2, 2))
    lat = redundancy_lattice(3)
    ours = atoms_of(isx_pid(p), lat)
    theirs = dit_atoms(p)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    assert theirs.sum() == pytest.approx(mutual_information(p, (0, 1, 2)), abs=1e-12)


def test_dit_uses_bits():
    import dit

    d = dit.Distribution(["00", "11"], [0.5, 0.5])
    assert dit.shannon.entropy(d) == pytest.approx(1.0, abs=1e-12)
    assert dit_atoms(table_from_rows([[0, 0, 0], [1, 1, 1]]))[0] == pytest.approx(1.0, abs=1e-12)
