"""External tools some tests need (a browser, Java, the npm checkers): skip locally when
absent, fail when MASTERCLASS_REQUIRE_BROWSER=1 (CI sets it: nothing is skipped there)."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("MASTERCLASS_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def require(available: bool, what: str) -> None:
    if available:
        return
    if os.environ.get("MASTERCLASS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} is required here (MASTERCLASS_REQUIRE_BROWSER=1) but missing")
    pytest.skip(f"{what} is not installed (make test installs the npm checkers; .ci/run installs Chromium)")


def require_chromium() -> None:
    require(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")


def require_vnu() -> str:
    java = shutil.which("java")
    require(bool(java) and VNU.exists(), "Java and the Nu HTML checker (npm vnu-jar)")
    return java
