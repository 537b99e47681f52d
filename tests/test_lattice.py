"""Tests of the redundancy lattice (sklearn_infomorph.lattice)."""

import re
from itertools import combinations

import numpy as np
import pytest

from sklearn_infomorph import Lattice, redundancy_lattice
from sklearn_infomorph.lattice import N_ATOMS

ALL_N = [2, 3, 4]


def _as_sets(antichain):
    """An antichain of bitmasks as a list of frozensets of source indices."""
    return [frozenset(i for i in range(m.bit_length()) if m >> i & 1) for m in antichain]


def _below_by_definition(beta, alpha):
    """beta <= alpha iff every a in alpha contains (is a superset of) some b in beta."""
    beta_sets, alpha_sets = _as_sets(beta), _as_sets(alpha)
    return all(any(b <= a for b in beta_sets) for a in alpha_sets)


def _brute_force_antichains(n):
    """All non-empty antichains of non-empty subsets of n sources, by exhaustive search."""
    masks = list(range(1, 1 << n))
    found = set()
    for family in range(1, 1 << len(masks)):
        members = [masks[k] for k in range(len(masks)) if family >> k & 1]
        if all(a & b not in (a, b) for a, b in combinations(members, 2)):
            found.add(frozenset(members))
    return found


# --------------------------------------------------------------------------- size


@pytest.mark.parametrize("n, expected", [(2, 4), (3, 18), (4, 166)])
def test_atom_counts(n, expected):
    lat = redundancy_lattice(n)
    assert len(lat) == expected
    assert len(lat.antichains) == expected
    assert len(lat.names) == expected
    assert len(set(lat.names)) == expected
    assert lat.order.shape == (expected, expected)
    assert lat.moebius.shape == (expected, expected)
    assert N_ATOMS[n] == expected


@pytest.mark.parametrize("n", [2, 3])
def test_antichains_are_exactly_all_antichains(n):
    """Compare against an exhaustive enumeration over all families of subsets."""
    lat = redundancy_lattice(n)
    generated = {frozenset(a) for a in lat.antichains}
    assert len(generated) == len(lat.antichains)  # no duplicates
    assert generated == _brute_force_antichains(n)


@pytest.mark.parametrize("n", ALL_N)
def test_generated_antichains_are_antichains(n):
    lat = redundancy_lattice(n)
    full = (1 << n) - 1
    for antichain in lat.antichains:
        assert len(antichain) >= 1
        assert len(set(antichain)) == len(antichain)
        for m in antichain:
            assert 1 <= m <= full
        for a, b in combinations(antichain, 2):
            # neither subset contains the other
            assert a & b != a, (antichain, a, b)
            assert a & b != b, (antichain, a, b)


# --------------------------------------------------------------------------- order


@pytest.mark.parametrize("n", ALL_N)
def test_order_is_partial_order(n):
    lat = redundancy_lattice(n)
    order = np.asarray(lat.order, dtype=bool)
    size = len(lat)
    # reflexive
    assert np.all(np.diag(order))
    # antisymmetric: a >= b and b >= a only if a == b
    both = order & order.T
    assert np.array_equal(both, np.eye(size, dtype=bool))
    # transitive: a >= b and b >= c implies a >= c
    composed = (order.astype(np.int64) @ order.astype(np.int64)) > 0
    assert np.array_equal(composed | order, order)


@pytest.mark.parametrize("n", [2, 3])
def test_order_matches_definition(n):
    lat = redundancy_lattice(n)
    for a, alpha in enumerate(lat.antichains):
        for b, beta in enumerate(lat.antichains):
            assert bool(lat.order[a, b]) == _below_by_definition(beta, alpha), (
                lat.names[a],
                lat.names[b],
            )


@pytest.mark.parametrize("n", ALL_N)
def test_bottom_and_top(n):
    lat = redundancy_lattice(n)
    full = (1 << n) - 1
    # the top (last atom) is the synergy {1..n}; everything lies below it
    assert lat.top == len(lat) - 1
    assert lat.antichains[lat.top] == (full,)
    assert np.all(lat.order[lat.top])
    # the bottom (first atom) is the full redundancy {0}{1}...; below everything
    assert set(lat.antichains[0]) == {1 << i for i in range(n)}
    assert np.all(lat.order[:, 0])
    assert lat.order[0].sum() == 1


@pytest.mark.parametrize("n", ALL_N)
def test_moebius_inverts_order(n):
    lat = redundancy_lattice(n)
    order = np.asarray(lat.order, dtype=np.float64)
    eye = np.eye(len(lat))
    assert np.array_equal(lat.moebius @ order, eye)
    assert np.array_equal(order @ lat.moebius, eye)
    # The Moebius function is integral and 1 on the diagonal.
    assert np.array_equal(lat.moebius, np.rint(lat.moebius))
    assert np.all(np.diag(lat.moebius) == 1)


def test_moebius_bivariate_known():
    lat = redundancy_lattice(2)
    # red = I({0}{1}); unq_0 = I({0}) - red; unq_1 = I({1}) - red;
    # syn = I({01}) - I({0}) - I({1}) + red
    expected = np.array(
        [
            [1, 0, 0, 0],
            [-1, 1, 0, 0],
            [-1, 0, 1, 0],
            [1, -1, -1, 1],
        ],
        dtype=float,
    )
    assert np.array_equal(lat.moebius, expected)


# --------------------------------------------------------------------------- names


def test_documented_order_n2():
    assert redundancy_lattice(2).names == ["{0}{1}", "{0}", "{1}", "{01}"]


def test_documented_order_n3():
    expected = [
        "{0}{1}{2}", "{0}{1}", "{0}{2}", "{1}{2}",
        "{0}{12}", "{1}{02}", "{2}{01}",
        "{0}", "{1}", "{2}",
        "{01}{02}{12}", "{01}{02}", "{01}{12}", "{02}{12}",
        "{01}", "{02}", "{12}",
        "{012}",
    ]  # fmt: skip
    assert redundancy_lattice(3).names == expected


def test_documented_order_n3_matches_module_docstring():
    import sklearn_infomorph.lattice as mod

    doc = " ".join(mod.__doc__.split())
    match = re.search(r"for three sources ``(.*?)``", doc)
    assert match is not None
    documented = [s.strip() for s in match.group(1).split(",")]
    assert redundancy_lattice(3).names == documented


def test_n4_order_rules():
    lat = redundancy_lattice(4)
    assert lat.names[0] == "{0}{1}{2}{3}"
    assert lat.names[-1] == "{0123}"
    # sorted by size of the smallest subset first (non-decreasing along the list)
    smallest = [min(bin(m).count("1") for m in a) for a in lat.antichains]
    assert smallest == sorted(smallest)


def test_source_names_fc():
    lat = redundancy_lattice(2, "FC")
    assert lat.names == ["{F}{C}", "{F}", "{C}", "{FC}"]
    assert lat.source_names == ("F", "C")
    assert lat.subset_name(3) == "FC"


def test_source_names_fcl():
    lat = Lattice(3, source_names="FCL")
    default = redundancy_lattice(3)
    table = str.maketrans("012", "FCL")
    assert lat.names == [name.translate(table) for name in default.names]
    assert lat.names[:4] == ["{F}{C}{L}", "{F}{C}", "{F}{L}", "{C}{L}"]
    assert "{FC}" in lat.names
    assert lat.names[-1] == "{FCL}"
    assert lat.index("{FC}") == default.index("{01}")
    # names are structural only: the order and Moebius matrix do not change
    assert np.array_equal(lat.order, default.order)
    assert np.array_equal(lat.moebius, default.moebius)


def test_aliases_bivariate():
    lat = redundancy_lattice(2, "FC")
    assert lat.aliases == {"red": "{F}{C}", "unq_F": "{F}", "unq_C": "{C}", "syn": "{FC}"}
    assert lat.index("red") == 0
    assert lat.index("unq_F") == 1
    assert lat.index("unq_C") == 2
    assert lat.index("syn") == 3
    default = redundancy_lattice(2)
    assert default.index("unq_0") == 1
    assert default.index("unq_1") == 2


def test_aliases_trivariate_syn_only():
    lat = redundancy_lattice(3, "FCL")
    assert lat.aliases == {"syn": "{FCL}"}
    assert lat.index("syn") == 17
    with pytest.raises(ValueError, match="Unknown atom 'red'"):
        lat.index("red")


def test_index_by_name():
    lat = redundancy_lattice(3)
    for k, name in enumerate(lat.names):
        assert lat.index(name) == k


def test_index_unknown_name_lists_valid_names():
    lat = redundancy_lattice(2, "FC")
    with pytest.raises(ValueError, match=re.escape("Unknown atom '{F}{L}'")) as info:
        lat.index("{F}{L}")
    message = str(info.value)
    for name in lat.names:
        assert name in message
    for alias in ("red", "unq_F", "unq_C", "syn"):
        assert alias in message
    # names of the wrong source labelling are unknown too
    with pytest.raises(ValueError, match=re.escape("Valid atoms: {F}{C}, {F}, {C}, {FC}")):
        lat.index("{0}{1}")


@pytest.mark.parametrize("n", [-1, 0, 1, 5, 6])
def test_bad_n_sources(n):
    with pytest.raises(ValueError, match=r"n_sources must be 2, 3 or 4"):
        Lattice(n)
    with pytest.raises(ValueError, match=r"n_sources must be 2, 3 or 4"):
        redundancy_lattice(n)


@pytest.mark.parametrize("names", ["F", "FCL", "FF", ["a", "a"]])
def test_bad_source_names(names):
    with pytest.raises(ValueError, match=r"source_names must hold 2 distinct names"):
        Lattice(2, source_names=names)


@pytest.mark.parametrize("n", ALL_N)
def test_mi_names(n):
    lat = redundancy_lattice(n)
    names = lat.mi_names()
    assert names[-1] == "MI"
    assert len(names) == (1 << n) - 1
    assert names[0] == "MI_0"
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("n", ALL_N)
def test_inclusion_exclusion_terms(n):
    """P(W_alpha) = sum coef_k P(S_mask_k): check the terms count the union exactly once."""
    lat = redundancy_lattice(n)
    ptr, masks, coefs, support = lat.inclusion_exclusion_terms()
    assert ptr[0] == 0 and ptr[-1] == len(masks) == len(coefs)
    full = (1 << n) - 1
    # Indicator check: for every "which sources match" pattern z (a bitmask), the event
    # S_U = s_U holds iff U is a subset of z; the union indicator must come out 0 or 1.
    for a, alpha in enumerate(lat.antichains):
        union = 0
        for m in alpha:
            union |= m
        assert support[a] == union
        terms = list(zip(masks[ptr[a] : ptr[a + 1]], coefs[ptr[a] : ptr[a + 1]]))
        assert all(c != 0 for _, c in terms)
        assert len({m for m, _ in terms}) == len(terms)
        for z in range(full + 1):
            indicator = sum(c for m, c in terms if m & z == m)
            expected = float(any(m & z == m for m in alpha))
            assert indicator == expected, (lat.names[a], z)


@pytest.mark.parametrize("n_sources", [2.0, True, "3"])
def test_non_integer_n_sources_rejected(n_sources):
    with pytest.raises(ValueError, match="n_sources must be 2, 3 or 4"):
        Lattice(n_sources)
