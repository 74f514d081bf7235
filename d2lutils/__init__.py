"""《卷积神经网络》课程（MXNet 版）各课共用的辅助函数。

包分两层：

- 教学函数（``conv``、``pool``、``blocks``、``learn``、``plotting``、``device``、``data``、``training`` ……），
  由各课导入，名字列在 ``__all__`` 里；
- 基础设施：``d2lutils.compat``（让 MXNet 1.9.1 在今天的 numpy 上导入的兼容层、环境检查、
  GPU 版的 CUDA 运行库预载）和 ``d2lutils.dist``（第 10 课的进程启动器和分布式训练脚本）。

``import d2lutils`` 有一个有意的副作用，所以各课第一个代码单元格先导入它：它调用
``compat.prepare()``，检查 Python 和 numpy 的版本，临时补上 numpy 删掉而 MXNet 1.9.1 导入时还要用的名字、
暂时挡住 MXNet 导入时顺带加载的 scikit-learn/scipy，然后导入 MXNet 并恢复 numpy 的命名空间
（细节和原因见 ``d2lutils/compat/__init__.py``）。之后 ``import mxnet`` 立即可用；环境无法工作时
给出中文错误和修复方法。除此之外，导入本包没有其他副作用，也不打印任何东西。

唯一的例外是启动器进程 ``python -m d2lutils.dist.launch``：它只管理子进程，用不到 MXNet，
所以这时本包不导入 MXNet，也不导入教学函数（``compat.started_as_launcher``）。
"""

from .compat import EnvironmentProblem, prepare as _prepare, started_as_launcher as _started_as_launcher

if not _started_as_launcher():
    _prepare()
    from .conv import (
        corr2d, corr2d_fast, corr2d_im2col, corr2d_multi_in, corr2d_multi_in_out,
        corr2d_multi_in_out_1x1, corr2d_rows, corr2d_shift, im2col,
    )
    from .errors import expect_error
    from .device import describe_devices, gpu_works, try_all_gpus, try_gpu
    from .blocks import Conv2D, HybridConv2D
    from .learn import edge_data, learn_kernel
    from .plotting import plot, show_heatmaps, show_im2col, show_placement, use_cjk_font
    from .pool import pool2d
    # 第 09、10 课：手写数字数据与训练
    from .data import DigitsSplit, iter_batches, load_digits_split, load_mnist_sample
    from .training import (accuracy, evaluate_accuracy, lenet_digits, plot_history,
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
__version__ = "0.4.0"  # 改版本时同时更新 CHANGELOG.md
