"""在线 Jupyter（Colab、Kaggle、ModelScope……）上的课程安装步骤：每课的设置单元格运行这个文件的 ``setup()``。

它只用标准库，也不导入 d2lutils 的其他模块：设置单元格先用 ``pip wheel`` 把 d2lutils 的 wheel 取到一个
临时目录（不装进当前环境；来源依次试，成功即止），把这个文件从 wheel 里取出来，用 ``runpy.run_path``
运行它的 ``setup()``；在已经装好课程的环境里（``./course.sh``、测试、第二次运行），它运行已安装的这个文件。``setup()``：

- 当前内核里 mxnet 和 d2lutils 都在（且没有勾选 USE_GPU）时什么也不做，什么也不打印；
- 在 ``./course.sh`` 的环境里缺东西时只用中文说明怎样修复，什么也不装；
- Python 不在测试过的范围内时用中文说明，什么也不装；
- 否则用当前内核的 ``python -m pip`` 只装缺少的东西：运行依赖（约束为已装的版本，所以不会升级或
  降级任何已装的包）、MXNet 1.9.1（``--no-deps``：它的元数据写着 numpy<2）、pip 包里的中文字体、
  d2lutils（就是取到临时目录的那个 wheel）；不需要重启，最后用中文说明装了什么。

常量与仓库里的文件一致，tests/test_notebook_headers.py 检查：MXNET_PINS 与 requirements-mxnet.txt、
GPU_PINS 与 requirements-gpu.txt、FONT_PIN 与 requirements.txt、VERIFIED_PYTHON 与 d2lutils/compat/__init__.py。
说明见 docs/install.md。
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

VERIFIED_PYTHON = ((3, 10), (3, 13))
MXNET_PINS = ["mxnet==1.9.1"]
GPU_PINS = [
    "mxnet-cu117==1.9.1", "nvidia-cuda-runtime-cu11==11.7.99", "nvidia-cublas-cu11==11.10.3.66",
    "nvidia-cuda-nvrtc-cu11==11.7.99", "nvidia-cufft-cu11==10.9.0.58", "nvidia-curand-cu11==10.2.10.91",
    "nvidia-cusolver-cu11==11.4.0.1", "nvidia-cusparse-cu11==11.7.4.91", "nvidia-cudnn-cu11==8.5.0.96",
    "nvidia-nccl-cu11==2.14.3",
]
GPU_DIST = "mxnet-cu117"
# 只含文泉驿微米黑 wqy-microhei.ttc（与 Debian 的 fonts-wqy-microhei 逐字节相同）；不需要 root
FONT_PIN = "paperang-p2-fonts-cjk==0.1.0"
FONT_MODULE = "paperang_p2_fonts_cjk"
# 平台偶尔没有预装的运行依赖：模块名 -> 包名；不固定版本，让 pip 选与已装的包相容的版本
RUNTIME_DEPS = {"numpy": "numpy", "requests": "requests", "matplotlib": "matplotlib", "sklearn": "scikit-learn",
                "ipywidgets": "ipywidgets"}


def _pip(*args: str, check: bool = True) -> bool:
    """用当前内核的 pip 安装；check 时失败给出中文错误，否则返回是否成功（不显示 pip 的输出）。"""
    ok = subprocess.run([sys.executable, "-m", "pip", "install", "-q", *args],
                        capture_output=not check).returncode == 0
    if check and not ok:
        raise RuntimeError("pip 没能完成安装（见上面的信息）。请检查网络，然后重新运行本单元格。")
    return ok


def _installed(dist: str) -> bool:
    return dist in {d.metadata["Name"].lower() for d in md.distributions()}


def _missing(use_gpu: bool) -> list[str]:
    todo = [m for m in ("mxnet", "d2lutils") if importlib.util.find_spec(m) is None]
    if use_gpu and not _installed(GPU_DIST):
        todo.append(GPU_DIST)
    return todo


def _constraints() -> str:
    """已装的每个包写成 ``名字==版本``：作为 pip 的约束，pip 只能选与它们相容的版本。"""
    lines = (f"{d.metadata['Name']}=={d.version}" for d in md.distributions())
    return "\n".join(line for line in lines if re.fullmatch(r"[\w.-]+==\d[\w.+!]*", line))


def setup(use_gpu: bool = False) -> None:
    """只装当前内核缺少的课程依赖（见模块说明）。"""
    todo = _missing(use_gpu)
    if not todo:
        return
    if os.path.exists(os.path.join(sys.prefix, ".course-installed")):
        raise RuntimeError("这是 ./course.sh 管理的课程环境，却缺少 " + "、".join(todo) + "：请在终端运行 ./course.sh env。")
    (low, high), here = VERIFIED_PYTHON, sys.version.split()[0]
    if not low <= sys.version_info[:2] <= high:
        raise RuntimeError(f"本课程只在 Python {low[0]}.{low[1]} 到 {high[0]}.{high[1]} 上测试过，"
                           f"这里是 Python {here}。请按课程的 docs/install.md 在本地运行。")
    if use_gpu and not shutil.which("nvidia-smi"):
        raise RuntimeError("勾选了 USE_GPU，但这个运行时没有 NVIDIA GPU：请先换成 GPU 运行时，或取消勾选。")
    deps = [pkg for mod, pkg in RUNTIME_DEPS.items() if importlib.util.find_spec(mod) is None]
    if sys.version_info >= (3, 12) and importlib.util.find_spec("setuptools") is None:
        deps.append("setuptools")  # import mxnet 需要 distutils
    if deps:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(_constraints())
        _pip("-c", f.name, *deps)
    if use_gpu and _installed("mxnet"):
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", "mxnet"])
    font = [FONT_PIN] if importlib.util.find_spec(FONT_MODULE) is None else []
    # 设置单元格取到临时目录的 d2lutils wheel（这个文件就是从它里面取出来的）
    wheel = [str(p) for p in Path(__file__).resolve().parents[1].glob("d2lutils-*.whl")] if "d2lutils" in todo else []
    _pip("--no-deps", *(GPU_PINS if use_gpu else MXNET_PINS), *font, *wheel)
    importlib.invalidate_caches()
    if use_gpu:
        subprocess.run([sys.executable, "-c", "import d2lutils; d2lutils.describe_devices()"])
        if "mxnet" in sys.modules:
            raise RuntimeError("GPU 版已装好，但这个会话之前导入过 CPU 版 MXNet：请重启会话，再从下一个单元格往下运行。")
    print("课程环境已就绪：装好了 " + "、".join(deps + todo + (["中文字体"] if font else []))
          + "；没有改动已安装的其他包，不需要重启，请继续往下运行。")
