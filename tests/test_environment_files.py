"""requirements.txt 与 environment.yml 必须固定相同的版本，且都不允许 numpy 2。"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pins_of_requirements(text: str) -> set[str]:
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return {re.sub(r"\s+", "", line) for line in lines if line}


def pins_of_environment(text: str) -> set[str]:
    pins, in_pip = set(), False
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if stripped.strip() == "- pip:":
            in_pip = True
        elif in_pip and stripped.strip().startswith("- "):
            pins.add(re.sub(r"\s+", "", stripped.strip()[2:]))
        elif in_pip and stripped.strip():
            in_pip = False
    return pins


def test_same_pins_in_both_files():
    req = pins_of_requirements((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    env = pins_of_environment((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert req and req == env


def test_every_pin_is_exact_and_numpy_below_2():
    req = pins_of_requirements((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    for pin in req:
        assert "==" in pin, f"{pin} 没有固定到确切版本"
    numpy_pins = [p for p in req if p.startswith("numpy==")]
    assert len(numpy_pins) == 2
    for pin in numpy_pins:
        assert pin.split("==")[1].split(";")[0].startswith("1.")


def test_parsers_see_a_difference():
    assert pins_of_requirements("a==1\nb==2  # why\n") != pins_of_environment(
        "dependencies:\n  - pip:\n      - a==1\n      - b==3\n")
