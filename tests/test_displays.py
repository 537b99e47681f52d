"""AtomsDisplay and AtomHistoryDisplay: rendered with Agg, checked against the fit."""

import subprocess
import sys

import numpy as np
import pytest

from sklearn_infomorph import AtomHistoryDisplay, AtomsDisplay, InfomorphicClassifier
from sklearn_infomorph.atoms import (
    atom_history_means,
    describe_atom,
    dominant_atom,
    layer_atoms,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(scope="module")
def clf(digits):
    X_train, _, y_train, _ = digits
    return InfomorphicClassifier(
        hidden_layer_sizes=(12,), sources="FC", batch_size=128, max_iter=5,
        random_state=0, n_jobs=1,
    ).fit(X_train[:600], y_train[:600])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def save(display, tmp_path, name):
    path = tmp_path / f"{name}.png"
    display.figure_.savefig(path)
    image = plt.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    return image


def labels(names):
    return [f"{n}: {describe_atom(n)}" for n in names]


# -- AtomsDisplay --------------------------------------------------------------------------
@pytest.mark.short_fit
def test_atoms_bar_chart_plots_the_fitted_atoms(clf, tmp_path):
    display = AtomsDisplay.from_estimator(clf, layer="hidden_0")
    save(display, tmp_path, "bar")
    atoms = layer_atoms(clf, "hidden_0")
    ax = display.ax_
    assert display.figure_ is ax.figure and ax in display.figure_.axes
    assert ax.get_ylabel() == "bits"
    assert ax.get_xlabel() == "neuron (sorted by dominant atom)"
    assert ax.get_title() == "PID atoms per neuron, hidden_0"
    assert [t.get_text() for t in display.legend_.get_texts()] == labels(atoms.columns)
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(n) for n in display.order_]
    assert sorted(display.order_) == list(range(12))
    up, down = np.zeros(12), np.zeros(12)
    for atom in atoms.columns:
        expected = atoms.loc[display.order_, atom].to_numpy()
        bars = display.bars_[atom]
        # atol: matplotlib stores a stacked bar by its edges, so an atom of 1e-17 bits
        # on a nonzero bottom comes back as height 0.
        np.testing.assert_allclose([b.get_height() for b in bars], expected, atol=1e-12)
        # Positive atoms stack upwards from 0, negative ones downwards.
        np.testing.assert_allclose(
            [b.get_y() for b in bars], np.where(expected >= 0, up, down), atol=1e-12
        )
        up += np.maximum(expected, 0)
        down += np.minimum(expected, 0)
    # Sorted: grouped by dominant atom in lattice order, largest first in a group.
    dominant = dominant_atom(atoms).loc[display.order_]
    rank = [list(atoms.columns).index(a) for a in dominant]
    assert rank == sorted(rank)
    tops = atoms.loc[display.order_].max(axis=1).to_numpy()
    for r in set(rank):
        group = tops[np.asarray(rank) == r]
        assert np.all(np.diff(group) <= 0)


def test_atoms_unsorted_readout_on_given_axes(clf, tmp_path):
    _, ax = plt.subplots()
    display = AtomsDisplay.from_estimator(clf, layer="readout", sort=False, legend=False, ax=ax)
    save(display, tmp_path, "readout")
    assert display.ax_ is ax and display.legend_ is None and ax.get_legend() is None
    assert list(display.order_) == list(range(10))
    assert ax.get_xlabel() == "neuron"
    atoms = layer_atoms(clf, "readout")
    for atom in ["{F}{C}", "{F}", "{C}", "{FC}"]:
        np.testing.assert_allclose(
            [b.get_height() for b in display.bars_[atom]], atoms[atom].to_numpy()
        )


def test_atoms_heatmap_image_equals_the_atoms(clf, tmp_path):
    display = AtomsDisplay.from_estimator(clf, kind="heatmap")
    save(display, tmp_path, "heatmap")
    atoms = layer_atoms(clf)
    image = np.asarray(display.image_.get_array())
    np.testing.assert_allclose(image, atoms.loc[display.order_].to_numpy().T)
    ticks = [t.get_text() for t in display.ax_.get_yticklabels()]
    assert ticks == labels(atoms.columns)
    assert display.colorbar_.ax.get_ylabel() == "bits"
    low, high = display.image_.get_clim()
    assert high == -low == pytest.approx(np.abs(atoms.to_numpy()).max())
    assert display.bars_ == {}


def test_atoms_display_from_a_frame_and_errors(clf):
    atoms = layer_atoms(clf)
    display = AtomsDisplay(atoms.iloc[:4], layer="first four")
    assert display.plot(sort=False) is display
    assert display.ax_.get_title() == "PID atoms per neuron, first four"
    with pytest.raises(ValueError, match="kind must be 'bar' or 'heatmap'"):
        display.plot(kind="pie")
    with pytest.raises(ValueError, match="contains NaN"):
        AtomsDisplay(atoms.assign(**{"{L}": np.nan})).plot()
    with pytest.raises(ValueError, match="layer='out' is not a layer"):
        AtomsDisplay.from_estimator(clf, layer="out")


# -- AtomHistoryDisplay ----------------------------------------------------------------------
def test_history_lines_are_the_mean_atoms_per_epoch(clf, tmp_path):
    display = AtomHistoryDisplay.from_estimator(clf)
    save(display, tmp_path, "history")
    means = atom_history_means(clf, "hidden_0")
    names = ["{F}{C}", "{F}", "{C}", "{FC}"]
    assert list(display.lines_) == names
    for name in names:
        line = display.lines_[name]
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, clf.n_iter_ + 1))
        np.testing.assert_allclose(line.get_ydata(), means[name].to_numpy())
    ax = display.ax_
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "mean bits per neuron")
    assert ax.get_title() == "PID atoms during training, hidden_0"
    assert [t.get_text() for t in display.legend_.get_texts()] == labels(names)


def test_history_selected_columns_of_the_readout(clf, tmp_path):
    display = AtomHistoryDisplay.from_estimator(clf, layer="readout", atoms=["{F}{C}", "H_res"])
    save(display, tmp_path, "readout_history")
    means = atom_history_means(clf, "readout")
    assert list(display.lines_) == ["{F}{C}", "H_res"]
    np.testing.assert_allclose(display.lines_["H_res"].get_ydata(), means["H_res"].to_numpy())
    assert display.legend_.get_texts()[1].get_text().startswith("H_res: residual entropy")
    with pytest.raises(ValueError, match=r"atoms \['\{FCL\}'\] are not recorded"):
        AtomHistoryDisplay.from_estimator(clf, atoms=["{FCL}"])


@pytest.mark.slow
@pytest.mark.subprocess
def test_package_imports_without_matplotlib():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import pandas as pd\n"
        "import sklearn_infomorph\n"
        "from sklearn_infomorph import AtomsDisplay\n"
        "try:\n"
        "    AtomsDisplay(pd.DataFrame({'{F}': [0.1]})).plot()\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert "AtomsDisplay.plot needs matplotlib" in out.stdout
    assert "pip install sklearn-infomorph[plot]" in out.stdout
