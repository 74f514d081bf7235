"""参数服务器训练的速度基准（第 10 课最后一节）：1、2、4 个工作进程每步的时间和推送/拉取的字节数，
再用 每步时间 = 计算/N + 通信 的模型拟合，预测 2~16 台机器在 1、10、25、100 Gbit/s 网络上的情况。

用法（在仓库根目录）：
    ./course.sh bench --dist                   # 约 5 分钟（2 核机器）
    .venv-3.11/bin/python benchmarks/bench_dist.py --steps 100 --repeat 3

每个配置都由 ``python -m d2lutils.launch`` 真正启动调度器、服务器和工作进程，运行
``d2lutils.dist_train``（LeNet、float64、全局批量大小 32、dist_sync），每个进程一个线程。
每步时间由 0 号工作进程测量，取各步的第 10 百分位数（不计第一步：它包含参数登记和预热），
再取几次运行中最小的一个（机器上其他任务的负载只会让时间变长）；字节数是每个工作进程
每步交给 KVStore 推送（梯度）和拉取（参数）的数组大小，不含协议开销。
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as onp

import d2lutils  # noqa: F401  先于 mxnet 导入（numpy.bool 别名）
from d2lutils import dist_train

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MXNET_CPU_WORKER_NTHREADS": "1"}
BANDWIDTHS_GBIT = (1, 10, 25, 100)
MACHINES = (1, 2, 4, 8, 16)


def measure(workers: int, servers: int, steps: int, batch_size: int = 32) -> dict:
    """workers = 0 表示一个进程、不用 KVStore；否则用启动器启动 dist_sync 训练。返回 load_result 的结果。"""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "d2lutils.dist_train", "--epochs", "1000", "--max-steps", str(steps),
               "--batch-size", str(batch_size), "--out", out]
        if workers:
            cmd = [sys.executable, "-m", "d2lutils.launch", "-n", str(workers), "-s", str(servers),
                   "--timeout", "600", "--", *cmd, "--kvstore", "dist_sync"]
        r = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
        if r.returncode != 0:
            sys.exit(f"运行失败（{' '.join(cmd)}）：\n{r.stderr}")
        return dist_train.load_result(out)


def main() -> int:
    parser = argparse.ArgumentParser(description="参数服务器训练的速度基准（第 10 课）")
    parser.add_argument("--steps", type=int, default=150, help="每次运行训练多少步（默认 150）")
    parser.add_argument("--repeat", type=int, default=3, help="每个配置轮流运行几次，取最小值（默认 3）")
    args = parser.parse_args()
    # (工作进程数, 服务器数, 全局批量大小)；工作进程数 0 表示一个进程、不用 KVStore
    # 一个进程的批量 32、64、449（1347 = 3*449，没有不满的小批量）用来拟合计算时间与批量的关系
    configs = [(0, 0, 32), (0, 0, 64), (0, 0, 449), (1, 1, 32), (2, 1, 32), (4, 1, 32), (4, 2, 32)]
    print(f"机器：{platform.machine()}，{os.cpu_count()} 核；Python {platform.python_version()}；"
          f"开始时 1 分钟平均负载 {os.getloadavg()[0]:.1f}；每个进程 OMP_NUM_THREADS=1", flush=True)
    t0 = time.perf_counter()
    runs: dict[tuple, list[dict]] = {c: [] for c in configs}
    for _ in range(args.repeat):           # 轮流运行各配置，负载起伏对它们的影响大致相同
        for c in configs:
            runs[c].append(measure(c[0], c[1], args.steps, batch_size=c[2]))
    elapsed = time.perf_counter() - t0
    med = lambda c, k: min(r[k] for r in runs[c])   # 各次运行（每次已取各步的第 10 百分位数）中最小的一个
    P = runs[(1, 1, 32)][0]["bytes_push"]   # 模型参数的字节数：每个工作进程每步推送一份梯度、拉取一份参数

    print(f"\n每次 {args.steps} 步，取各步的第 10 百分位数（不计第一步），每个配置运行 {args.repeat} 次取最小值；测量共 {elapsed:.0f} 秒；"
          f"结束时 1 分钟平均负载 {os.getloadavg()[0]:.1f}\n")
    print("| 配置 | 全局批量 | 每步时间 | 其中前向和反向 | 其中 trainer.step（通信和更新） | 每个工作进程每步推送 / 拉取 | 每个服务器每步收到 / 发出 |")
    print("|---|---|---|---|---|---|---|")
    for c in configs:
        w, s, b = c
        name = "一个进程（不用 KVStore）" if w == 0 else f"{w} 个工作进程 + {s} 个服务器"
        r0 = runs[c][0]
        traffic = "-" if w == 0 else f"{r0['bytes_push'] / 1e3:.1f} KB / {r0['bytes_pull'] / 1e3:.1f} KB"
        server = "-" if w == 0 else f"{w * r0['bytes_push'] / s / 1e3:.1f} KB / {w * r0['bytes_pull'] / s / 1e3:.1f} KB"
        print(f"| {name} | {b} | {med(c, 'step_time') * 1e3:.2f} ms | {med(c, 'compute_time') * 1e3:.2f} ms | "
              f"{med(c, 'comm_time') * 1e3:.2f} ms | {traffic} | {server} |")

    # 计算：一个进程在批量 b 上的计算时间 = c0 + c1*b（c0 是与批量无关的每步开销）
    bs = onp.array([32, 64, 449], dtype=float)
    comp = onp.array([med((0, 0, int(b)), "compute_time") for b in bs])
    (c0, c1), *_ = onp.linalg.lstsq(onp.stack([onp.ones_like(bs), bs], 1), comp, rcond=None)
    # 通信：N 个工作进程、1 个服务器时 trainer.step 的时间 = alpha + beta*N*P
    Ns = onp.array([1, 2, 4], dtype=float)
    comm = onp.array([med((int(n), 1, 32), "comm_time") for n in Ns])
    (alpha, beta), *_ = onp.linalg.lstsq(onp.stack([onp.ones_like(Ns), Ns * P], 1), comm, rcond=None)
    alpha = max(alpha, 0.0)   # 负的固定开销没有意义（测量噪声），按 0 计
    compute = lambda n, B=32: c0 + c1 * B / n
    print(f"\n拟合（P = {P / 1e3:.1f} KB，全局批量 32）：")
    print(f"  计算 = c0 + c1*批量/N：c0 = {c0 * 1e3:.2f} ms（与批量无关的每步开销），"
          f"c1 = {c1 * 1e6:.1f} us/样本（批量 32 时 c1*32 = {c1 * 32 * 1e3:.2f} ms）")
    print(f"  通信 = alpha + beta*N*P：alpha = {alpha * 1e3:.2f} ms，beta*P = {beta * P * 1e3:.2f} ms"
          f"（相当于 {8 / beta / 1e9:.2f} Gbit/s 的有效带宽）")
    for n in (1, 2, 4):
        model = compute(n) + alpha + beta * n * P
        print(f"  N={n}：实测每步 {med((n, 1, 32), 'step_time') * 1e3:.2f} ms，"
              f"计算 + 通信实测 {(med((n, 1, 32), 'compute_time') + med((n, 1, 32), 'comm_time')) * 1e3:.2f} ms，"
              f"模型 {model * 1e3:.2f} ms")

    for B in (32, 1024):
        print(f"\n预测（全局批量 {B}）：N 台机器各一个工作进程、1 个服务器，每步 = c0 + c1*{B}/N + alpha + "
              f"N*P*8/带宽（服务器的网卡收发 N 份，全双工）；1 台机器不用参数服务器，每步 = c0 + c1*{B}。")
        print("每格为每步时间（相对一台机器的加速比）：\n")
        print("| 机器数 | " + " | ".join(f"{b} Gbit/s" for b in BANDWIDTHS_GBIT) + " |")
        print("|---|" + "---|" * len(BANDWIDTHS_GBIT))
        for n in MACHINES:
            cells = []
            for b in BANDWIDTHS_GBIT:
                t = compute(1, B) if n == 1 else compute(n, B) + alpha + n * P * 8 / (b * 1e9)
                cells.append(f"{t * 1e3:.2f} ms ({compute(1, B) / t:.2f}x)")
            print(f"| {n} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
