"""Writes the contract fuzzer's seed corpus: the example and conformance
contracts, and every valid, invalid and hostile document of the contract test
suite (tests/contract/test_contract_validation.py), one file each.

    python cpp/fuzz/write_seeds.py OUT_DIR

Documents over 1 MB (the suite's 100 MB strings) are left out: the fuzzer's
inputs are far shorter, and the regression corpus holds their smaller kin.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def documents():
    for folder in ("tests/contracts", "tests/conformance"):
        for path in sorted((ROOT / folder).glob("*.json")):
            yield path.read_bytes()
    sys.path.insert(0, str(ROOT / "tests"))  # the suite's helpers package
    spec = importlib.util.spec_from_file_location("contract_cases", ROOT / "tests/contract/test_contract_validation.py")
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)
    for doc in cases.VALID.values():
        yield json.dumps(doc).encode()
    for case in cases.INVALID:
        yield json.dumps(case[1]).encode()
    for case in cases.HOSTILE:
        yield case[1].encode()


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    count = 0
    for data in documents():
        if len(data) <= 1 << 20:
            (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
            count += 1
    print(f"{count} seed documents in {out}")


if __name__ == "__main__":
    main()
