"""模拟在线 Jupyter（tools/simulate_platform.py）：今天的 Colab、用最新版本的 colab-next、像 Kaggle 的和像 ModelScope 的镜像
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


def test_colab_profile_is_todays_colab_and_colab_next_the_newest_releases():
    """今天的 Colab（googlecolab/backend-info 的 pip-freeze.txt，见 docs/platforms-colab.md）；
    colab-next 用最新版，好在 Colab 下一次升级之前发现问题。"""
    colab, nxt = simulate_platform.PROFILES["colab"], simulate_platform.PROFILES["colab-next"]
    assert colab["python"] == "3.13" and nxt["python"] == "3.13" and nxt["packages"] is None
    for pin in ("numpy==2.1.3", "pandas==2.2.3", "matplotlib==3.10.0", "scikit-learn==1.6.1", "scipy==1.16.3",
                "ipywidgets==7.7.1", "ipykernel==6.17.1", "ipython==7.34.0"):
        assert pin in colab["packages"]
    # --from-freeze 从 pip freeze 的输出里取出同样的列表（大小写、- 和 _ 按 pip 的规则比较）
    freeze = "\n".join(["# 注释", "Jupyter-Client==7.4.9", "foo @ file:///x"]
                       + [p.replace("jupyter_client==7.4.9", "") for p in colab["packages"]])
    assert simulate_platform.pins_from_freeze(freeze)[:5] == colab["packages"][:5]
    with pytest.raises(SystemExit, match="numpy"):
        simulate_platform.pins_from_freeze("pandas==2.2.3\n")


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
