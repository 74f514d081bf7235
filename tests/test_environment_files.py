"""依赖文件：版本全部固定、每个都注明原因；两条测试线各用对的 numpy；mxnet 只以 --no-deps 安装；
environment.yml 与 requirements.txt 固定相同的版本。"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQ = ROOT / "requirements.txt"
MXNET = ROOT / "requirements-mxnet.txt"
NUMPY1 = ROOT / "requirements-numpy1.txt"


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


def name(pin: str) -> str:
    return re.split(r"[=<>!;~\[]", pin, maxsplit=1)[0].lower().replace("_", "-")


def read(path: Path) -> set[str]:
    return pins_of_requirements(path.read_text(encoding="utf-8"))


def test_same_pins_in_environment_yml():
    env = pins_of_environment((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert read(REQ) and read(REQ) == env
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    # mxnet 不能进 conda 的 pip 列表（那里不能用 --no-deps）；yml 写明装好之后的那一步
    assert "pip install --no-deps -r requirements-mxnet.txt -e ." in text


def test_every_pin_is_exact_and_explained():
    for path in (REQ, MXNET, NUMPY1):
        block_has_comment = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                block_has_comment = False
            elif line.lstrip().startswith("#"):
                block_has_comment = True
            else:
                pin = line.split("#", 1)[0].strip()
                assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][^;\s]*(; *python_version *[<>=]+ *\"3\.\d+\")?", pin), \
                    f"{path.name}: {pin} 没有固定到确切版本"
                assert block_has_comment, f"{path.name}: {pin} 上面没有说明原因的注释"


def test_default_lane_is_numpy_2_and_numpy1_lane_is_numpy_1():
    default = [p for p in read(REQ) if name(p) == "numpy"]
    assert default and all(p.split("==")[1].startswith("2.") for p in default)
    numpy1 = [p for p in read(NUMPY1) if name(p) == "numpy"]
    assert numpy1 == ["numpy==1.23.5"]
    # numpy1 测试线只替换 requirements.txt 中已有的包（其余固定版本照用）
    assert {name(p) for p in read(NUMPY1)} <= {name(p) for p in read(REQ)}
    # 只为 Python 3.10 换掉的包：3.11 上的版本与 requirements.txt 相同（不会悄悄落后）
    for pin in read(NUMPY1):
        if pin.endswith('python_version>="3.11"'):
            assert pin.split(";")[0] in read(REQ), pin


def test_mxnet_is_only_installed_without_deps():
    # mxnet 的元数据要求 numpy<2：它一出现在 pip 解析的列表里，numpy 2 就会冲突
    assert read(MXNET) == {"mxnet==1.9.1"}
    assert "mxnet" not in {name(p) for p in read(REQ) | read(NUMPY1)}
    assert "mxnet" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8").split("dependencies =", 1)[1].split("\n")[0]


def test_parsers_see_a_difference():
    assert pins_of_requirements("a==1\nb==2  # why\n") != pins_of_environment(
        "dependencies:\n  - pip:\n      - a==1\n      - b==3\n")
