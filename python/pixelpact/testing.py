"""Test helpers for serving code: `assert_golden` fails a test when the serving
preprocessing does not reproduce a golden set, naming the suspects and the fix."""
from __future__ import annotations

from typing import Callable, Optional, Union

from .golden import PathLike, check

__all__ = ["assert_golden"]


def assert_golden(directory: PathLike, serving: Union[Callable, str], *, atol: Optional[float] = None,
                  report_dir: Optional[PathLike] = None) -> None:
    """Raise AssertionError unless `serving` (a callable taking an image path and
    returning the tensor, or 'module:callable') reproduces every sample of the
    golden set in `directory` bit for bit (or within `atol`). The message lists
    each failing sample with its diagnosis: the suspects, each with its fix."""
    report = check(directory, serving, atol=atol, report_dir=report_dir)
    if report.ok:
        return
    failed = report.failed
    lines = [f"{len(failed)} of {len(report.samples)} golden samples in {directory} differ from the serving "
             "preprocessing:"]
    for sample in failed:
        lines.append(sample.summary(atol))
    raise AssertionError("\n".join(lines))
