"""二维互相关运算的速度基准：教学循环、各向量化实现与 nd.Convolution 在同一次运行中并排计时。

用法（在仓库根目录）：
    ./course.sh bench            # 全部尺寸，约 1 分钟
    ./course.sh bench --quick    # 只测三个目标用到的尺寸

单通道 float32 输入，边长 8 到 1024，卷积核 2x2 到 7x7。MXNet 是异步执行的：
每次调用后都 ``wait_to_read()``，先预热，再取多次重复的中位数。同一尺寸下各实现
轮流计时（每轮依次运行每个实现），机器的负载起伏对它们的影响大致相同，比值因此可信。
最后打印三个目标（见 benchmarks/README.md）是否达到；有目标未达到时退出码为 1。
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import d2lutils  # 先于 mxnet 导入（numpy.bool 别名）
import mxnet as mx
from mxnet import nd

SIZES = (8, 32, 64, 256, 1024)
KERNELS = (2, 3, 5, 7)
QUICK = ((64, 3), (256, 3), (1024, 7))
SEED_LOOP_BUDGET_S = 4.0     # 教学循环估计超过这么多秒（3 次重复）就跳过（64x64/3x3 除外）
ROUND_BUDGET_S = 1.5         # 每个尺寸上快速实现的计时总预算


def variants(X, K):
    """返回 [(名称, 无参函数)]：各向量化实现与 nd.Convolution（后者直接用四维数组，不含 reshape）。"""
    X4 = X.reshape((1, 1) + X.shape)
    K4 = K.reshape((1, 1) + K.shape)
    return [
        ("corr2d_shift", lambda: d2lutils.corr2d_shift(X, K)),
        ("corr2d_im2col", lambda: d2lutils.corr2d_im2col(X, K)),
        ("corr2d_rows", lambda: d2lutils.corr2d_rows(X, K)),
        ("corr2d_fast", lambda: d2lutils.corr2d_fast(X, K)),
        ("nd.Convolution", lambda: nd.Convolution(X4, K4, kernel=K.shape, num_filter=1,
                                                  no_bias=True)),
    ]


def once(fn) -> float:
    """运行一次并等待结果真正算完，返回秒数。"""
    start = time.perf_counter()
    fn().wait_to_read()
    return time.perf_counter() - start


def time_round_robin(named, min_repeats=3, max_repeats=30):
    """各实现先预热，再轮流重复计时；返回 {名称: 中位数秒数}。"""
    probe = {name: once(fn) for name, fn in named}        # 预热（同时估计耗时）
    probe = {name: once(fn) for name, fn in named}
    repeats = int(min(max_repeats, max(min_repeats, ROUND_BUDGET_S / sum(probe.values()))))
    times = {name: [] for name, _ in named}
    for _ in range(repeats):
        for name, fn in named:
            times[name].append(once(fn))
    nd.waitall()
    return {name: statistics.median(ts) for name, ts in times.items()}


def machine_description() -> str:
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    features = mx.runtime.Features()
    return (f"{model}，{os.cpu_count()} 核；Python {platform.python_version()}，"
            f"MXNet {mx.__version__}（oneDNN/MKLDNN：{'是' if features.is_enabled('MKLDNN') else '否'}），"
            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '未设置')}")


def fmt(seconds: float | None, conv: float) -> str:
    if seconds is None:
        return "跳过"
    return f"{seconds * 1e3:.3g} ms ({seconds / conv:.2g}x)"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="只测三个目标用到的尺寸")
    args = parser.parse_args(argv)
    configs = QUICK if args.quick else [(n, k) for n in SIZES for k in KERNELS]

    mx.random.seed(0)
    ctx = mx.cpu()
    # 教学循环每个输出元素的耗时，用 8x8 输入估计，决定更大的输入是否跳过循环
    Xs, Ks = nd.random.normal(shape=(8, 8), ctx=ctx), nd.random.normal(shape=(3, 3), ctx=ctx)
    once(lambda: d2lutils.corr2d(Xs, Ks))
    per_element = min(once(lambda: d2lutils.corr2d(Xs, Ks)) for _ in range(3)) / 36

    print(f"机器：{machine_description()}")
    print(f"每格：中位数耗时（与 nd.Convolution 的耗时之比）；教学循环估计超过 {SEED_LOOP_BUDGET_S:g} 秒"
          "（3 次）的尺寸标为“跳过”（64x64/3x3 总是测）。\n")
    names = ["corr2d（循环）", "corr2d_shift", "corr2d_im2col", "corr2d_rows", "corr2d_fast",
             "nd.Convolution"]
    print("| 输入 | 卷积核 | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 2) + "|")
    results = {}
    start = time.perf_counter()
    for n, k in configs:
        X = nd.random.normal(shape=(n, n), ctx=ctx)
        K = nd.random.normal(shape=(k, k), ctx=ctx)
        measured = time_round_robin(variants(X, K))
        out_elements = (n - k + 1) ** 2
        if (n, k) == (64, 3) or 3 * out_elements * per_element <= SEED_LOOP_BUDGET_S:
            # 64x64/3x3 是第一个目标用到的尺寸，无论多慢都要测
            measured["corr2d"] = statistics.median(
                once(lambda: d2lutils.corr2d(X, K)) for _ in range(3))
            per_element = min(per_element, measured["corr2d"] / out_elements)
        else:
            measured["corr2d"] = None
        results[(n, k)] = measured
        conv = measured["nd.Convolution"]
        cells = [fmt(measured["corr2d"], conv)] + [fmt(measured[m], conv) for m in names[1:]]
        print(f"| {n}x{n} | {k}x{k} | " + " | ".join(cells) + " |", flush=True)
    print(f"\n计时共用 {time.perf_counter() - start:.0f} 秒。\n")

    checks = []
    r = results[(64, 3)]
    if r["corr2d"] is None:
        checks.append((False, "64x64/3x3：教学循环被跳过，无法比较"))
    else:
        ratio = r["corr2d"] / r["corr2d_fast"]
        checks.append((ratio >= 1000, f"64x64/3x3：corr2d_fast 比教学循环快 {ratio:.0f} 倍（目标 >= 1000 倍）"))
    r = results[(256, 3)]
    ratio = r["corr2d_fast"] / r["nd.Convolution"]
    checks.append((ratio <= 3, f"256x256/3x3：corr2d_fast 的耗时是 nd.Convolution 的 {ratio:.2f} 倍（目标 <= 3 倍）"))
    r = results[(1024, 7)]
    ratio = r["nd.Convolution"] / r["corr2d_fast"]
    checks.append((ratio > 1, f"1024x1024/7x7：corr2d_fast 比 nd.Convolution 快 {ratio:.2f} 倍（目标 > 1 倍）"))
    for ok, text in checks:
        print(("PASS  " if ok else "FAIL  ") + text)
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
