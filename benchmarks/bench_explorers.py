"""交互探索器（d2lutils/explore.py）的重画速度：每改动一个控件，重算、重画、编码成 PNG 要多久。

用法（在仓库根目录）：
    "$(./course.sh env)"/bin/python benchmarks/bench_explorers.py

对三个探索器，从默认状态出发，把每个控件依次拨到它的每一个取值，再加上网格最大的几种组合；
每次改动计时一次（墙上时间和本进程的 CPU 时间），整个序列重复 3 遍，每次改动取 3 遍中最短的。
这里不含浏览器收到图、显示图的时间（几毫秒）。目标：每次改动都在 100 ms 以内，按本进程的
CPU 时间判断（机器空闲时它等于墙上时间；机器被其他任务占满时墙上时间会长几倍，两者都打印）；
最慢的一次超过目标时退出码为 1。
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

import d2lutils  # noqa: F401  先于 mxnet 导入（numpy.bool 别名）
from d2lutils.explore import kernel_explorer, padding_stride_explorer, pooling_explorer

TARGET_MS = 100.0
REPEATS = 3


def sweep(explorer, extra: list[dict]) -> list[dict]:
    """每个控件的每个取值各一次（其余控件为默认值），再加上 extra 里的组合。"""
    default = explorer.values()
    changes = []
    for name, w in explorer.controls.items():
        if hasattr(w, "options"):
            values = [v for _, v in w.options] if isinstance(w.options[0], tuple) else list(w.options)
        elif name == "custom":
            values = ["1 -1", "1; -1", "0 1 0; 1 -4 1; 0 1 0"]
        else:
            values = list(range(w.min, w.max + 1))
        for v in values:
            if v != default[name]:
                changes.append({**default, **({"kernel": "custom"} if name == "custom" else {}), name: v})
        changes.append(dict(default))
    return changes + extra


def timed(explorer, state: dict) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    explorer.set(**state)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main() -> int:
    print(f"机器：{platform.processor() or platform.machine()}，{os.cpu_count()} 核；"
          f"Python {platform.python_version()}；1 分钟平均负载 {os.getloadavg()[0]:.1f}")
    cases = [
        ("第 01 课 卷积核探索器", kernel_explorer(), [
            {"image": "digit", "kernel": "sharpen", "convolution": True},
            {"image": "letter", "kernel": "custom", "custom": "1 2 3; 4 5 6; 7 8 9"}]),
        ("第 06 课 填充和步幅探索器", padding_stride_explorer(), [
            {"size": 6, "kernel_size": 1, "padding": 2, "stride": 1},   # 网格最大：10x10 输入，10x10 输出
            {"size": 6, "kernel_size": 5, "padding": 2, "stride": 1}]),
        ("第 08 课 汇聚层探索器", pooling_explorer(), [
            {"pool_size": 3, "padding": 2, "stride": 1, "mode": "avg"},  # 网格最大：10x10 输入，8x8 输出
            {"pool_size": 3, "padding": 2, "stride": 1, "mode": "max"}]),
    ]
    worst_all = 0.0
    for title, explorer, extra in cases:
        changes = sweep(explorer, extra)
        best = [[float("inf"), float("inf")] for _ in changes]
        for _ in range(REPEATS):
            for i, state in enumerate(changes):
                wall, cpu = timed(explorer, state)
                assert explorer.error is None, (state, explorer.error)
                best[i] = [min(best[i][0], wall), min(best[i][1], cpu)]
        walls, cpus = [b[0] for b in best], [b[1] for b in best]
        i_max = max(range(len(changes)), key=lambda i: cpus[i])
        worst_all = max(worst_all, cpus[i_max])
        print(f"{title}：{len(changes)} 次改动；墙上时间 中位数 {statistics.median(walls):.0f} ms，"
              f"最慢 {max(walls):.0f} ms；CPU 时间 中位数 {statistics.median(cpus):.0f} ms，"
              f"最慢 {max(cpus):.0f} ms")
        print(f"    最慢的一次（CPU 时间）：{changes[i_max]}")
    ok = worst_all <= TARGET_MS
    print(f"目标：每次改动重画 ≤ {TARGET_MS:.0f} ms（CPU 时间，三遍中最短）："
          f"{'达到' if ok else '未达到'}（最慢 {worst_all:.0f} ms）")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
