"""检查运行环境，并让 MXNet 1.9.1 能在今天的 numpy 上导入。

MXNet 1.9.1 是最后一个正式版本，它在导入时使用 ``numpy.bool``；
numpy 1.24 删除了这个别名，numpy 2 与它的二进制接口不兼容。
本模块在第一次 ``import mxnet`` 之前补上别名，并在环境无法工作时
用中文说明原因和修复方法。除此之外，导入它不产生任何输出。
"""

from __future__ import annotations

import sys
import warnings

FIX_HINT = (
    "修复方法：在本仓库根目录运行 `./course.sh test`（会自动创建正确的虚拟环境），"
    "或手动执行 `pip install -r requirements.txt`。"
)


class EnvironmentProblem(ImportError):
    """运行环境无法运行 MXNet 1.9.1 时抛出的错误（信息为中文）。"""


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def check_python(version: tuple[int, int] | None = None) -> None:
    """Python 不是 3.11 或 3.12 时给出中文错误。"""
    version = tuple(version or sys.version_info[:2])
    if version >= (3, 13):
        raise EnvironmentProblem(
            f"当前 Python 版本是 {version[0]}.{version[1]}，MXNet 1.9.1 没有可用的安装包"
            "（numpy<2 也不支持它）。请改用 Python 3.11 或 3.12。" + FIX_HINT
        )
    if version < (3, 8):
        raise EnvironmentProblem(
            f"当前 Python 版本是 {version[0]}.{version[1]}，太旧了。请改用 Python 3.11 或 3.12。"
        )


def check_numpy(numpy_version: str) -> None:
    """numpy >= 2 时给出中文错误：MXNet 1.9.1 无法与之一起工作。"""
    if _version_tuple(numpy_version) >= (2,):
        raise EnvironmentProblem(
            f"当前安装的 numpy 版本是 {numpy_version}，而 MXNet 1.9.1 只能与 numpy 1.x 一起工作"
            "（Python 3.11 用 numpy==1.23.5，Python 3.12 用 numpy==1.26.4）。"
            "请执行 `pip install -r requirements.txt` 重新安装固定版本；"
            "在 Colab 上安装后需要重启一次运行时（“代码执行程序 → 重启会话”）。"
        )


def patch_numpy_bool() -> None:
    """numpy 缺少 ``numpy.bool`` 别名时补上它（只在缺少时补）。

    在 numpy 1.24-1.26 上，连 ``hasattr(numpy, "bool")`` 都会打印 FutureWarning，
    所以探测和补丁都放在 ``warnings.catch_warnings()`` 里，保证不输出任何东西。
    """
    import numpy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            has_bool = isinstance(getattr(numpy, "bool"), type)
        except AttributeError:
            has_bool = False
        if not has_bool:
            numpy.bool = bool


def prepare() -> None:
    """按顺序检查 Python、numpy，补丁 numpy，然后导入 MXNet。"""
    check_python()
    try:
        import numpy
    except ImportError as err:  # pragma: no cover - 取决于安装
        raise EnvironmentProblem("没有安装 numpy。" + FIX_HINT) from err
    check_numpy(numpy.__version__)
    patch_numpy_bool()
    from .gpu_libs import installed_gpu_build, preload_cuda_libs

    gpu_build = installed_gpu_build()
    if gpu_build:  # 只有装了 GPU 版 MXNet 时才载入 CUDA 11 运行库；CPU 版什么也不做
        try:
            preload_cuda_libs()
        except OSError as err:
            raise EnvironmentProblem(str(err)) from err
    try:
        with warnings.catch_warnings():
            # mxnet 导入时自己访问 onp.bool、onp.mirr、distutils 等，会触发
            # FutureWarning/DeprecationWarning；这些与学习者的代码无关，不显示
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            import mxnet  # noqa: F401
    except ImportError as err:
        raise EnvironmentProblem(
            f"无法导入 MXNet（{err}）。请安装 mxnet==1.9.1。" + FIX_HINT
            + ("在 Python 3.12 上还需要 setuptools（提供 distutils）。"
               if sys.version_info >= (3, 12) else "")
        ) from err
    except OSError as err:  # GPU 版 MXNet 找不到 CUDA 运行库（如 libcudnn.so.8）或显卡驱动
        to_cpu = f"只想用 CPU：pip uninstall -y {gpu_build or 'mxnet'} && pip install mxnet==1.9.1。"
        if "libcuda.so" in str(err):
            raise EnvironmentProblem(
                f"{gpu_build or 'MXNet'} 是 GPU 版，但这台机器上没有 NVIDIA 显卡驱动（{err}）。"
                "请在有 NVIDIA GPU 的机器（或 Colab 的 GPU 运行时）上使用它；" + to_cpu) from err
        raise EnvironmentProblem(
            f"无法载入 {gpu_build or 'MXNet'} 需要的库（{err}）。GPU 版需要 CUDA 11 运行库："
            "pip install -r requirements-gpu.txt（见 README 的“GPU”一节）；" + to_cpu) from err
