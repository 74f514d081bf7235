"""《卷积神经网络》课程（MXNet 版）各课共用的辅助函数。

导入本包时先检查环境并让 MXNet 1.9.1 在 numpy 1.23 到 2.x 上可以导入
（补上 numpy 删掉、MXNet 还在用的名字，见 ``_env.py``），环境无法工作时给出中文错误和修复方法。
除此之外，导入本包没有其他副作用，也不打印任何东西。
"""

from ._env import EnvironmentProblem, prepare as _prepare

_prepare()

from .conv import (  # noqa: E402
    corr2d, corr2d_fast, corr2d_im2col, corr2d_multi_in, corr2d_multi_in_out,
    corr2d_multi_in_out_1x1, corr2d_rows, corr2d_shift, im2col,
)
from .errors import expect_error  # noqa: E402
from .device import describe_devices, gpu_works, try_all_gpus, try_gpu  # noqa: E402
from .blocks import Conv2D, HybridConv2D  # noqa: E402
from .learn import edge_data, learn_kernel  # noqa: E402
from .plotting import plot, show_heatmaps, show_im2col, show_placement, use_cjk_font  # noqa: E402
from .pool import pool2d  # noqa: E402
# 第 09、10 课：手写数字数据与训练
from .data import DigitsSplit, iter_batches, load_digits_split, load_mnist_sample  # noqa: E402
from .training import (accuracy, evaluate_accuracy, lenet_digits, plot_history,  # noqa: E402
                       train, train_step)

__all__ = [
    "EnvironmentProblem", "expect_error",
    "corr2d", "corr2d_fast", "corr2d_shift", "corr2d_im2col", "corr2d_rows", "im2col",
    "corr2d_multi_in", "corr2d_multi_in_out", "corr2d_multi_in_out_1x1", "pool2d",
    "describe_devices", "gpu_works", "try_gpu", "try_all_gpus",
    "Conv2D", "HybridConv2D",
    "edge_data", "learn_kernel",
    "plot", "show_heatmaps", "show_im2col", "show_placement", "use_cjk_font",
    # 第 09、10 课
    "DigitsSplit", "load_digits_split", "load_mnist_sample", "iter_batches",
    "accuracy", "evaluate_accuracy", "train_step", "train", "lenet_digits", "plot_history",
]
__version__ = "0.3.0"  # 改版本时同时更新 CHANGELOG.md
