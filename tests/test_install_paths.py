"""docs/install.md 写的安装方法从零开始都能装好，pip 的依赖解析从不报错（慢：联网安装，COURSE_SLOW=1 时运行）。

- 只用 pip：逐行运行 docs/install.md“只用 pip”一节里的 pip 命令（从那里读出，那里改了这里跟着改）；
- conda：conda 的频道在这里连不上，所以模拟 conda 对 environment.yml 做的事——把 ``pip:`` 列表写进
  一个 requirements 文件执行 ``pip install -U -r``——再运行 yml 注释里写的第二步。
course.sh 的安装由每次 ./course.sh test 本身检验，在线 Jupyter 由 tests/test_platform_simulation.py 模拟。
"""

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from test_environment_files import pins_of_environment

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(os.environ.get("COURSE_SLOW") != "1", reason="慢（联网安装）：COURSE_SLOW=1 时运行")


def fresh_venv(path: Path) -> Path:
    venv.create(path, with_pip=True)
    return path / "bin" / "python"


def pip(python: Path, args: list[str]) -> None:
    result = subprocess.run([str(python), "-m", "pip", *args, "--disable-pip-version-check"],
                            capture_output=True, text=True, cwd=ROOT, timeout=1500)
    assert result.returncode == 0, result.stderr[-3000:]
    # pip 的依赖解析报的冲突（“ERROR: pip's dependency resolver ...”）也算失败
    assert "ERROR" not in result.stderr and "requires numpy<2" not in result.stderr, result.stderr[-3000:]


def check_course_imports(python: Path) -> None:
    # 装好的环境自带中文字体（pip 的字体包），不依赖系统字体
    code = ("import os, d2lutils, mxnet, numpy; from d2lutils.plotting import _pip_font_files; "
            "print(mxnet.__version__, numpy.__version__, any(os.path.exists(f) for f in _pip_font_files()))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True, cwd="/")
    mx_version, np_version, font = out.stdout.split()
    assert mx_version == "1.9.1" and np_version.startswith("2.") and font == "True" and out.stderr == ""


def test_plain_pip_commands_of_the_install_page(tmp_path):
    readme = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    section = readme.split("## 只用 pip", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].split()[1:] for line in section.splitlines() if line.startswith("pip ")]
    assert len(commands) == 2 and "--no-deps" in commands[1]
    python = fresh_venv(tmp_path / "venv")
    for args in commands:
        pip(python, args)
    check_course_imports(python)


def test_conda_environment_yml_pip_section(tmp_path):
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    requirements = tmp_path / "condaenv.requirements.txt"
    requirements.write_text("\n".join(sorted(pins_of_environment(text))) + "\n", encoding="utf-8")
    python = fresh_venv(tmp_path / "venv")
    pip(python, ["install", "-U", "-r", str(requirements)])  # conda env create 对 pip: 列表做的事
    second = re.search(r"^#\s+(pip install --no-deps .*)$", text, re.M).group(1).split()[1:]
    pip(python, second)
    check_course_imports(python)
