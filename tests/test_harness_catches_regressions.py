"""回归测试本身的测试：改动笔记本里存储的任何一个数字，nbval 都必须失败。"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.full  # 较慢的集成测试：COURSE_FULL=1 时运行（见根目录的 conftest.py）

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "01_corr2d.ipynb"


def run_nbval(path: Path) -> subprocess.CompletedProcess:
    (path.parent / "pytest.ini").write_text("[pytest]\n")  # 不继承本仓库的 addopts/testpaths
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
         str(path)],
        cwd=path.parent, capture_output=True, text=True, timeout=300)


def test_changed_stored_number_fails_the_suite(tmp_path):
    nb = json.loads(LESSON.read_text(encoding="utf-8"))
    changed = 0
    for n, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            text = "".join(out.get("data", {}).get("text/plain", []))
            if "[[19. 25.]" in text:
                out["data"]["text/plain"] = text.replace("[[19. 25.]", "[[19. 26.]")
                changed += 1
        if changed:
            del nb["cells"][n + 1:]  # 只保留到被改动的单元格为止，测试更快
            break
    assert changed == 1, "第 01 课应存有互相关的输出 [[19. 25.] ...]"
    copy = tmp_path / LESSON.name
    copy.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    result = run_nbval(copy)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed" in result.stdout
    assert "26." in result.stdout and "25." in result.stdout  # 报告里能看到存储值与实际值
