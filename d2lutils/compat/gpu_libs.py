"""GPU 版 MXNet 的 CUDA 11 运行库：在导入 MXNet 之前从 pip 安装的 ``nvidia-*-cu11`` 包里载入。

GPU 版 MXNet 1.9.1（``mxnet-cu117``）的 ``libmxnet.so`` 依赖 CUDA 11 的运行库，而今天的
Colab 只有 CUDA 12。``requirements-gpu.txt`` 从 PyPI 安装这些库（放在 site-packages 的
``nvidia/<组件>/lib/`` 下），但动态链接器不会去那里找；在运行中的内核里设置
``LD_LIBRARY_PATH`` 也没有用。所以按依赖顺序用 ``ctypes.CDLL(路径, RTLD_GLOBAL)``
预先载入它们：之后 ``libmxnet.so`` 按库名（soname）就能找到已载入的库。
"""

from __future__ import annotations

import ctypes
import glob
import os
import sys
from pathlib import Path
from typing import Callable, Iterable, Sequence

# (nvidia/ 下的组件目录, 库文件名模式)，按依赖顺序：被依赖的库在前
CUDA_LIBS: tuple[tuple[str, str], ...] = (
    ("cuda_runtime", "libcudart.so.11*"),
    ("cublas", "libcublasLt.so.11*"),
    ("cublas", "libcublas.so.11*"),
    ("cuda_nvrtc", "libnvrtc-builtins.so.11*"),
    ("cuda_nvrtc", "libnvrtc.so.11*"),
    ("cufft", "libcufft.so.10*"),
    ("curand", "libcurand.so.10*"),
    ("cusparse", "libcusparse.so.11*"),
    ("cusolver", "libcusolver.so.11*"),
    # cuDNN 8 分成几个子库，libcudnn.so.8 在运行时按名字打开它们，所以先载入子库
    ("cudnn", "libcudnn_ops_infer.so.8*"),
    ("cudnn", "libcudnn_ops_train.so.8*"),
    ("cudnn", "libcudnn_cnn_infer.so.8*"),
    ("cudnn", "libcudnn_cnn_train.so.8*"),
    ("cudnn", "libcudnn_adv_infer.so.8*"),
    ("cudnn", "libcudnn_adv_train.so.8*"),
    ("cudnn", "libcudnn.so.8*"),
    ("nccl", "libnccl.so.2*"),
)


def installed_gpu_build(paths: Iterable[str] | None = None) -> str | None:
    """返回已安装的 CUDA 11 版 MXNet 的包名（如 ``"mxnet-cu117"``），没有则返回 None。

    只查看 site-packages 里的 ``mxnet_cu11*.dist-info`` 目录，不导入 MXNet，几乎不花时间。
    """
    for entry in (sys.path if paths is None else paths):
        found = sorted(glob.glob(os.path.join(entry or ".", "mxnet_cu11*.dist-info")))
        if found:
            return os.path.basename(found[-1]).split("-")[0].replace("_", "-")
    return None


def find_cuda_libs(paths: Iterable[str] | None = None) -> list[Path]:
    """按载入顺序列出 site-packages 中 ``nvidia/<组件>/lib/`` 下找到的 CUDA 11 运行库文件。"""
    roots = [Path(entry or ".") / "nvidia" for entry in (sys.path if paths is None else paths)]
    roots = [r for r in roots if r.is_dir()]
    found: list[Path] = []
    for component, pattern in CUDA_LIBS:
        for root in roots:
            matches = sorted((root / component / "lib").glob(pattern))
            if matches:
                # 同一个库有多个文件名（如 libcudart.so.11.0 与 libcudart.so.11.7.99）时取最短的 soname
                found.append(min(matches, key=lambda p: (len(p.name), p.name)))
                break
    return found


def preload_cuda_libs(paths: Sequence[str] | None = None,
                      loader: Callable[[str], object] | None = None) -> list[Path]:
    """在导入 MXNet 之前按依赖顺序载入找到的 CUDA 11 运行库，返回载入的文件列表。

    找不到的库跳过（机器上也许用别的方式装了 CUDA 11）；某个库载入失败时给出中文错误。
    ``loader`` 只供测试替换，默认是 ``ctypes.CDLL(路径, mode=RTLD_GLOBAL)``。
    """
    load = loader or (lambda path: ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL))
    libs = find_cuda_libs(paths)
    for path in libs:
        try:
            load(str(path))
        except OSError as err:
            raise OSError(
                f"无法载入 CUDA 11 运行库 {path.name}（{err}）。GPU 版 MXNet 需要它；"
                "请重新安装：pip install --force-reinstall -r requirements-gpu.txt。"
                "只想用 CPU：pip uninstall -y mxnet-cu117 && pip install mxnet==1.9.1。"
            ) from err
    return libs
