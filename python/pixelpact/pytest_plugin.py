"""pytest plugin (registered by the `pytest11` entry point): the
`pixelpact_golden` fixture and the `--pixelpact-golden DIR` option.

    def test_serving_matches_training(pixelpact_golden):
        pixelpact_golden(my_service.preprocess)   # a callable: image path -> tensor

run with `pytest --pixelpact-golden golden/` (or `pixelpact_golden = golden` in the
pytest ini section). pixelpact is imported only when the fixture is used."""
from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("pixelpact", "pixelpact golden samples")
    group.addoption("--pixelpact-golden", metavar="DIR", default=None, dest="pixelpact_golden",
                    help="golden set (recorded by `pixelpact golden record`) that the pixelpact_golden "
                         "fixture checks serving code against")
    parser.addini("pixelpact_golden", "golden set directory for the pixelpact_golden fixture "
                                      "(relative to the ini file)", default=None)


def _directory(config):
    option = config.getoption("pixelpact_golden")
    if option:
        return Path(config.invocation_params.dir, option)
    ini = config.getini("pixelpact_golden")
    if ini:
        base = Path(config.inipath).parent if config.inipath else Path(config.rootpath)
        return base / ini
    return None


@pytest.fixture
def pixelpact_golden(request):
    """A function `check(serving, *, atol=None, directory=None)` that fails the test
    unless `serving` reproduces the golden set (the --pixelpact-golden directory,
    the pixelpact_golden ini value, or `directory`), with the diagnosis."""
    configured = _directory(request.config)

    def check(serving, *, atol=None, directory=None, report_dir=None):
        from pixelpact.testing import assert_golden

        target = Path(directory) if directory is not None else configured
        if target is None:
            pytest.fail("pixelpact_golden: no golden set given; run pytest with --pixelpact-golden DIR, set "
                        "pixelpact_golden in the pytest ini section, or pass directory=", pytrace=False)
        __tracebackhide__ = True
        assert_golden(target, serving, atol=atol, report_dir=report_dir)

    return check
