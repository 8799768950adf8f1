"""Fail unless every given JUnit report exists and ran at least one test with no failure."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET

ok = True
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        print(f"{path}: no report ({exc})")
        ok = False
        continue
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    tests, failures, errors, skipped = (
        int(suite.get(k, "0")) for k in ("tests", "failures", "errors", "skipped")
    )
    print(f"{path}: {tests} tests, {failures} failed, {errors} errors, {skipped} skipped")
    if tests - skipped <= 0 or failures or errors:
        ok = False
sys.exit(0 if ok else 1)
