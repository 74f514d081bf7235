"""d2lutils 的环境检查：不支持的环境给出中文错误，正常环境下导入不打印任何东西。"""

import subprocess
import sys
from pathlib import Path

import pytest

from d2lutils import compat


def test_unverified_numpy_is_refused_in_chinese():
    for version in ("1.22.4", "3.0.0"):
        with pytest.raises(compat.EnvironmentProblem) as info:
            compat.check_numpy(version)
        assert version in str(info.value) and "1.23.5" in str(info.value) and "测试过" in str(info.value)


@pytest.mark.parametrize("version", ["1.23.5", "1.26.4", "1.24.0rc1", "2.0.2", "2.5.5", "2.9.0"])
def test_supported_numpy_is_accepted(version):
    compat.check_numpy(version)


def test_unverified_python_is_refused_in_chinese():
    for version in ((3, 14), (3, 9)):
        with pytest.raises(compat.EnvironmentProblem, match=r"\d\.\d+.*3\.10 到 3\.13"):
            compat.check_python(version)
    for version in ((3, 10), (3, 11), (3, 12), (3, 13)):
        compat.check_python(version)


def test_fresh_import_prints_nothing_and_draws_no_random_numbers():
    # 一个新进程里做两项检查（每个新进程导入 MXNet 要一秒多）：
    # 1. 导入完全安静：在 numpy 1.24-1.26 上 hasattr(numpy, "bool") 也会打印 FutureWarning，在 numpy 2 上
    #    mxnet 读已删的名字；d2lutils 的补丁必须不打印任何东西（否则笔记本的导入单元格在 3.12 上多出 stderr）。
    # 2. import d2lutils 和 try_gpu() 不抽随机数：之后的随机数与 mx.random.seed(0) 之后相同
    #    （第 03 课逐位重现种子课程的损失靠这一点）。
    code = (
        "import d2lutils, mxnet as mx\n"
        "print(mx.__version__)\n"
        "d2lutils.try_gpu(); d2lutils.try_all_gpus()\n"
        "a = mx.nd.random.uniform(shape=(4,)).asnumpy().tolist()\n"
        "mx.random.seed(0)\n"
        "b = mx.nd.random.uniform(shape=(4,)).asnumpy().tolist()\n"
        "mx.random.seed(1)\n"
        "c = mx.nd.random.uniform(shape=(4,)).asnumpy().tolist()\n"
        "print(a == b, a == c)\n"
    )
    out = subprocess.run([sys.executable, "-W", "default", "-c", code],
                         capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    assert out.stderr == ""
    assert out.stdout == "1.9.1\nTrue False\n"


def test_missing_mxnet_gives_chinese_fix(tmp_path):
    # 用一个会让 `import mxnet` 失败的假包遮住真正的 mxnet
    (tmp_path / "mxnet").mkdir()
    (tmp_path / "mxnet" / "__init__.py").write_text("raise ImportError('模拟：没有 mxnet')\n")
    code = "import d2lutils"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert out.returncode != 0
    assert "EnvironmentProblem" in out.stderr and "mxnet==1.9.1" in out.stderr


def test_font_hint_only_without_a_cjk_font(monkeypatch):
    from d2lutils import plotting
    monkeypatch.setattr(plotting, "use_cjk_font", lambda: None)
    hint = compat.cjk_font_hint()
    assert "apt-get install fonts-wqy-microhei" in hint and compat.PIP_FONT_PIN in hint and "方框" in hint
    monkeypatch.setattr(plotting, "use_cjk_font", lambda: "WenQuanYi Micro Hei")
    assert compat.cjk_font_hint() is None
    # ./course.sh lab 打印它
    assert "cjk_font_hint()" in (Path(__file__).resolve().parent.parent / "course.sh").read_text(encoding="utf-8")
