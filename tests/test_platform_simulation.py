"""模拟在线 Jupyter（tools/simulate_platform.py）：Colab、像 Kaggle 的和像 ModelScope 的镜像
（不同的 Python、预装的 numpy 1.x/2.x 和 pandas），各自一次运行设置单元格就就绪、不用重启，
预装的包不变，第 01 课重现存储的输出。要联网安装、每个平台几分钟，只在 COURSE_SLOW=1 时运行
（.ci/run 运行一次）。"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import simulate_platform  # noqa: E402


def test_profiles_differ_in_python_and_preinstalled_numpy():
    """便宜的检查（默认测试里运行）：模拟的平台覆盖 numpy 1.x 和 2.x、至少三个 Python 版本。"""
    profiles = simulate_platform.PROFILES
    assert {"colab", "kaggle", "modelscope"} <= set(profiles)
    assert len({p["python"] for p in profiles.values()}) >= 3
    numpys = {pin for p in profiles.values() for pin in p["packages"] or ["numpy (最新, 2.x)"] if pin.startswith("numpy")}
    assert any("==1." in pin for pin in numpys) and any("==2." in pin or "2.x" in pin for pin in numpys)


@pytest.mark.skipif(os.environ.get("COURSE_SLOW") != "1", reason="慢（联网安装）：COURSE_SLOW=1 时运行")
@pytest.mark.parametrize("platform", sorted(simulate_platform.PROFILES))
def test_platform_reaches_the_stored_outputs_in_one_run(platform):
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "simulate_platform.py"), "--platform", platform],
                            capture_output=True, text=True, timeout=1800)
    print(result.stdout[-4000:])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "课程环境已就绪" in result.stdout and "不需要重启" in result.stdout
    for name in ("numpy", "pandas", "scipy"):
        assert f"[模拟] {name}: " in result.stdout and "（变了！）" not in result.stdout
    assert "输出与存储的相同" in result.stdout
