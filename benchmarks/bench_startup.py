"""启动开销的基准：测试启动的每个 Python 进程（内核、参数服务器、子进程测试）都要付的几笔时间，并排计时。

每一项都在全新的 Python 解释器里运行（``python -c ...``），各项轮流重复（每轮依次运行每一项），
取中位数；机器负载的起伏因此对各项的影响大致相同，比值比绝对时间可信。

- 字节码缓存：``import d2lutils`` 有 .pyc 缓存（course.sh 安装时编译）与没有缓存（``PYTHONPYCACHEPREFIX``
  指向空目录、``PYTHONDONTWRITEBYTECODE=1``：每次从源代码编译，连标准库也是，所以是上限；设置了这个变量、
  安装时又没有编译的机器上，标准库仍有缓存，实际介于两者之间）；
- 推迟的导入：``import d2lutils`` 之后再导入 mxnet 导入时跳过的 scipy.sparse、scipy.stats、sklearn 要多花的时间；
- 手写数字的默认划分：随包附带的下标（不导入 scikit-learn）与其他参数（由 scikit-learn 划分）。

用法：``./course.sh bench --startup [--rounds 5]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CASES = [
    ("import d2lutils（有字节码缓存）", "import d2lutils", False),
    ("import d2lutils（没有任何字节码缓存，上限）", "import d2lutils", True),
    ("import d2lutils + scipy.sparse、scipy.stats、sklearn", "import d2lutils, scipy.sparse, scipy.stats, sklearn", False),
    ("默认划分 load_digits_split()", "import d2lutils; d2lutils.load_digits_split()", False),
    ("其他参数 load_digits_split(seed=1)（scikit-learn 划分）", "import d2lutils; d2lutils.load_digits_split(seed=1)", False),
]


def run_once(code: str, no_cache: bool, empty_dir: str) -> float:
    env = dict(os.environ)
    if no_cache:
        env.update(PYTHONPYCACHEPREFIX=empty_dir, PYTHONDONTWRITEBYTECODE="1")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser(description="并排测量新 Python 进程的启动开销")
    parser.add_argument("--rounds", type=int, default=5, help="每项重复的轮数（默认 5）")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as empty_dir:
        run_once("import d2lutils", False, empty_dir)  # 预热：磁盘缓存
        times: dict[str, list[float]] = {name: [] for name, _, _ in CASES}
        for _ in range(args.rounds):
            for name, code, no_cache in CASES:
                times[name].append(run_once(code, no_cache, empty_dir))
    base = statistics.median(times[CASES[0][0]])
    print(f"Python {sys.version.split()[0]}，每项 {args.rounds} 轮，轮流计时；中位数（秒，整个进程），括号里是与第一行之比")
    for name, _, _ in CASES:
        med = statistics.median(times[name])
        print(f"  {name:<48} {med:6.2f}  ({med / base:4.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
