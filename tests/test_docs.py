"""The documentation builds without warnings, runs its gallery and covers the API.

The Sphinx build (warnings are errors, every ``examples/plot_*.py`` executed) runs once
per module in a temporary copy of ``docs/`` and ``examples/``, so the working tree is
not touched. ``--keep-going`` lets the build finish after a warning, so the tests of
its products (figures, API pages) report their own failures independently of the
warning test. The code in the user guide pages is run as doctests.
"""

import doctest
import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("pydata_sphinx_theme")
pytest.importorskip("matplotlib")

import sklearn_infomorph  # noqa: E402

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parents[1]
DOCS, EXAMPLES = ROOT / "docs", ROOT / "examples"
BUILD_TIMEOUT = 600  # seconds; the build took 46 s on a quiet 2-core machine
GENERATED = shutil.ignore_patterns(
    "_build", "generated", "auto_examples", "sg_execution_times.rst", "__pycache__"
)


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    """Build the HTML docs from a copy of the sources; return (source dir, html dir, process)."""
    root = tmp_path_factory.mktemp("docs_build")
    shutil.copytree(DOCS, root / "docs", ignore=GENERATED)
    shutil.copytree(EXAMPLES, root / "examples", ignore=GENERATED)
    html = root / "html"
    env = dict(os.environ, MPLBACKEND="Agg")
    # Share the parent's numba cache (compiled kernels); default to the checkout's one.
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
           str(root / "docs"), str(html)]
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True,
                          timeout=BUILD_TIMEOUT)
    return root / "docs", html, proc


@pytest.mark.slow
@pytest.mark.subprocess
def test_build_succeeds_without_warnings(built_docs):
    _, html, proc = built_docs
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"sphinx-build failed:\n{log[-6000:]}"
    assert "WARNING" not in log and "ERROR" not in log, log[-6000:]
    assert (html / "index.html").is_file()


@pytest.mark.slow
@pytest.mark.subprocess
def test_every_gallery_example_ran_and_made_a_figure(built_docs):
    source, html, _ = built_docs
    examples = sorted(p.stem for p in EXAMPLES.glob("plot_*.py"))
    assert examples, "no examples/plot_*.py found"
    for name in examples:
        image = f"sphx_glr_{name}_001.png"
        assert (source / "auto_examples" / "images" / image).is_file(), f"no figure for {name}"
        assert (html / "_images" / image).is_file(), f"{image} not copied into the HTML"
        page = (html / "auto_examples" / f"{name}.html").read_text(encoding="utf-8")
        assert image in page
    index = (html / "auto_examples" / "index.html").read_text(encoding="utf-8")
    for name in examples:
        assert f"{name}.html" in index, f"{name} missing from the gallery index"


def _public_names():
    """(page name, object) of ``__all__`` of the package and its public modules.

    A name a module shares with the package's ``__all__`` (``plotting.AtomsDisplay``)
    is documented once, under the package.
    """
    names = {f"sklearn_infomorph.{n}": getattr(sklearn_infomorph, n)
             for n in sklearn_infomorph.__all__}
    top = set(sklearn_infomorph.__all__)
    for info in pkgutil.iter_modules(sklearn_infomorph.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"sklearn_infomorph.{info.name}")
        for n in getattr(module, "__all__", []):
            if n not in top:
                names[f"{module.__name__}.{n}"] = getattr(module, n)
    return names


@pytest.mark.slow
@pytest.mark.subprocess
def test_every_public_name_has_an_api_page(built_docs):
    _, html, _ = built_docs
    api = (html / "api.html").read_text(encoding="utf-8")
    pages = {p.name for p in (html / "generated").glob("*.html")}
    for qualname, obj in _public_names().items():
        page = f"{qualname}.html"
        assert page in pages, f"no API page for {qualname} (add it to docs/api.rst)"
        assert page in api
        if callable(obj):
            text = (html / "generated" / page).read_text(encoding="utf-8")
            assert "Examples" in text, f"the docstring of {qualname} has no Examples"


@pytest.mark.slow
@pytest.mark.subprocess
def test_user_guide_pages_are_linked(built_docs):
    _, html, _ = built_docs
    guide = (html / "user_guide" / "index.html").read_text(encoding="utf-8")
    for page in sorted((DOCS / "user_guide").glob("*.rst")):
        if page.stem != "index":
            assert f"{page.stem}.html" in guide, f"{page.name} not in the user guide toctree"


@pytest.mark.short_fit
@pytest.mark.parametrize(
    "page", sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.rst")
                   if "generated" not in p.parts and "auto_examples" not in p.parts
                   and "_build" not in p.parts and "_templates" not in p.parts),
)
def test_code_in_pages_runs(page):
    """The ``>>>`` examples of the narrative pages give the output they show."""
    import warnings

    with warnings.catch_warnings():
        result = doctest.testfile(
            str(DOCS / page), module_relative=False, verbose=False, report=True,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        )
    assert result.failed == 0, f"{result.failed} doctest(s) failed in docs/{page}"
