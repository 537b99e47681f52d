"""Atoms analysis: per-layer views, dominant atoms, history, plain-word names."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicClassifier, InfomorphicTransformer
from sklearn_infomorph.atoms import (
    atom_history,
    atom_history_means,
    atom_names,
    describe_atom,
    dominant_atom,
    group_by_dominant_atom,
    layer_atoms,
    layer_means,
)
from sklearn_infomorph.lattice import redundancy_lattice


@pytest.fixture(scope="module")
def clf(digits):
    X_train, _, y_train, _ = digits
    return InfomorphicClassifier(
        hidden_layer_sizes=(10,), sources="FCL", batch_size=128, max_iter=4,
        random_state=0, n_jobs=1,
    ).fit(X_train[:600], y_train[:600])


# -- plain words ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, words",
    [
        ("{F}{C}", "redundancy of F and C"),
        ("{F}{C}{L}", "redundancy of F, C and L"),
        ("{F}", "unique information of F"),
        ("{L}", "unique information of L"),
        ("{FC}", "synergy of F and C"),
        ("{FCL}", "synergy of F, C and L"),
        ("{F}{CL}", "redundancy of F and joint (C, L)"),
        ("{FC}{FL}{CL}", "redundancy of joint (F, C), joint (F, L) and joint (C, L)"),
        ("{0}{1}", "redundancy of 0 and 1"),
        ("unq_C", "unique information of C"),
        ("syn", "synergy of all sources"),
        ("MI_FL", "mutual information with F and L"),
        ("MI", "mutual information with all sources"),
        ("H_T", "output entropy"),
    ],
)
def test_describe_atom(name, words):
    assert describe_atom(name) == words


def test_describe_atom_full_names_and_every_lattice_atom():
    assert describe_atom("{F}{C}", full_names=True) == "redundancy of feedforward and context"
    assert describe_atom("{CL}", full_names=True) == "synergy of context and lateral"
    lattice = redundancy_lattice(3, "FCL")
    texts = [describe_atom(n) for n in lattice.names]
    assert len(set(texts)) == len(texts) == 18
    for name, text in zip(lattice.names, texts):
        assert all(letter in text for letter in set(name) - set("{}"))
    with pytest.raises(ValueError, match="Unknown atom name 'F}'"):
        describe_atom("F}")
    with pytest.raises(TypeError, match="must be a string"):
        describe_atom(3)


# -- per-layer views -------------------------------------------------------------------------
@pytest.mark.short_fit
def test_layer_atoms_are_the_layers_rows_without_nan(clf):
    atoms = clf.pid_atoms_
    for layer, sources in (("hidden_0", "FCL"), ("readout", "FC")):
        lattice = redundancy_lattice(len(sources), sources)
        view = layer_atoms(clf, layer)
        assert atom_names(clf, layer) == lattice.names == list(view.columns)
        assert view.index.name == "neuron" and len(view) == (10 if layer == "hidden_0" else 10)
        np.testing.assert_array_equal(view.to_numpy(), atoms.loc[layer, lattice.names].to_numpy())
        full = layer_atoms(clf, layer, columns="all")
        assert list(full.columns) == lattice.names + ["H_res", "H_T"] + lattice.mi_names()
        assert not full.isna().any().any()
    assert layer_atoms(clf).equals(layer_atoms(clf, "hidden_0"))


def test_layer_means_per_layer_in_network_order(clf):
    means = layer_means(clf)
    assert list(means.index) == ["hidden_0", "readout"]
    values = clf.pid_atoms_.to_numpy()
    is_hidden = clf.pid_atoms_.index.get_level_values("layer") == "hidden_0"
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning, match="Mean of empty"):
        expected = np.vstack([np.nanmean(values[is_hidden], axis=0),
                              np.nanmean(values[~is_hidden], axis=0)])
    np.testing.assert_allclose(means.to_numpy(), expected, rtol=1e-12)
    assert np.isnan(means.loc["readout", "{F}{C}{L}"])  # not in the readout's lattice
    assert layer_means(clf.pid_atoms_).equals(means)


def test_dominant_atom_is_the_largest_of_each_neurons_own_atoms(clf):
    dominant = dominant_atom(clf)
    assert dominant.name == "dominant_atom"
    assert dominant.index.equals(clf.pid_atoms_.index)
    for layer in clf.layer_names_:
        view = layer_atoms(clf, layer)
        expected = np.asarray(view.columns)[view.to_numpy().argmax(axis=1)]
        assert list(dominant.loc[layer]) == list(expected)
    # Ready for groupby: neurons per (layer, dominant atom).
    counts = clf.pid_atoms_.groupby(["layer", dominant]).size()
    assert counts.groupby(level="layer").sum().to_dict() == {"hidden_0": 10, "readout": 10}
    frame = layer_atoms(clf)
    two = dominant_atom(frame, atoms=["{F}", "{C}"])
    expected = np.asarray(["{F}", "{C}"])[frame[["{F}", "{C}"]].to_numpy().argmax(axis=1)]
    assert list(two) == list(expected)
    with pytest.raises(ValueError, match=r"atoms \['\{X\}'\] are not columns"):
        dominant_atom(clf, atoms=["{X}"])


def test_group_by_dominant_atom_partitions_the_layer(clf):
    table = group_by_dominant_atom(clf, "readout")
    view = layer_atoms(clf, "readout")
    dominant = dominant_atom(view)
    assert list(table.columns) == ["n_neurons", "share", "mean_bits", "neurons"]
    assert sorted(n for members in table["neurons"] for n in members) == list(range(10))
    assert table["n_neurons"].sum() == 10
    np.testing.assert_allclose(table["share"].sum(), 1.0)
    assert list(table["n_neurons"]) == sorted(table["n_neurons"], reverse=True)
    for atom, row in table.iterrows():
        assert list(dominant.index[dominant == atom]) == row["neurons"]
        np.testing.assert_allclose(row["mean_bits"], view.loc[row["neurons"], atom].mean())


# -- history -------------------------------------------------------------------------------
def test_atom_history_is_pid_history_in_wide_form(clf):
    tidy = clf.pid_history_
    wide = atom_history(clf, "readout")
    lattice = redundancy_lattice(2, "FC")
    assert list(wide.index.names) == ["epoch", "neuron"]
    assert list(wide.columns) == lattice.names + ["H_res", "H_T"] + lattice.mi_names()
    assert wide.shape[0] == clf.n_iter_ * 10
    rows = tidy[tidy.layer == "readout"]
    for row in rows.sample(25, random_state=0).itertuples():
        assert wide.loc[(row.epoch, row.neuron), row.atom] == row.bits


def test_atom_history_means_per_epoch(clf):
    means = atom_history_means(clf)
    tidy = clf.pid_history_
    hidden = tidy[tidy.layer == "hidden_0"]
    expected = hidden.groupby(["epoch", "atom"]).bits.mean().unstack("atom")
    assert list(means.index) == list(range(1, clf.n_iter_ + 1))
    assert list(means.columns[:18]) == atom_names(clf)
    pd.testing.assert_frame_equal(
        means, expected[means.columns], check_names=False, check_exact=False, rtol=1e-12
    )


# -- inputs -----------------------------------------------------------------------------------
@pytest.mark.short_fit
def test_works_through_pipelines_and_transformers(digits):
    X_train, _, y_train, _ = digits
    pipe = make_pipeline(
        StandardScaler(),
        InfomorphicTransformer(n_neurons=5, max_iter=2, random_state=0, n_jobs=1),
        LogisticRegression(max_iter=300),
    ).fit(X_train[:300], y_train[:300])
    layer = pipe[1]
    assert atom_names(pipe) == ["{F}{L}", "{F}", "{L}", "{FL}"]
    assert layer_atoms(pipe).equals(layer_atoms(layer))
    assert atom_history_means(pipe).shape == (2, 4 + 2 + 3)
    assert group_by_dominant_atom(pipe)["n_neurons"].sum() == 5


def test_clear_errors(clf):
    with pytest.raises(NotFittedError):
        layer_atoms(InfomorphicClassifier())
    with pytest.raises(TypeError, match="Expected a fitted InfomorphicClassifier"):
        layer_means(LogisticRegression())
    with pytest.raises(ValueError, match=r"layer='hidden_1' is not a layer.*'readout'"):
        atom_history(clf, "hidden_1")
    with pytest.raises(ValueError, match="columns must be 'atoms' or 'all'"):
        layer_atoms(clf, columns="some")
