"""变异测试：把课程代码改坏一处（一个“变异体”），运行与它相关的测试，看测试能不能发现。

用法（在课程环境里）：
    python tools/mutate.py               # 全部变异体，最后打印 killed / survived 表
    python tools/mutate.py -k launch     # 只运行名字含 launch 的变异体
    python tools/mutate.py --list        # 只列出变异体

每个变异体是一处文本替换（文件、原文、改后的文本）和要运行的测试。所有改动都只发生在一份临时副本里
（git 跟踪的文件和未被忽略的新文件），工作目录本身从不被修改，Ctrl-C 或出错时也一样；
测试在副本里运行，PYTHONPATH 指向副本，所以笔记本的内核和子进程导入的也是被改过的 d2lutils。
先不改动地运行一遍全部相关的测试（基线）：基线不通过时，“被发现”没有意义，直接退出。

结果：killed（测试失败，发现了）、survived（测试全部通过，没有发现）、stale（原文在文件里找不到或不唯一：
代码改了，变异体要跟着更新）、error（pytest 没能正常运行）。全部 killed 时退出码为 0。
每周由 .github/workflows/mutation.yml 运行；默认的 ./course.sh test 不运行它。
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXERCISE_TESTS = ["tests/test_exercises.py", "tests/test_exercise_*.py", "tests/test_*near_miss*.py",
                  "tests/test_checker*.py"]   # 练习判分的测试（名字里带这些的测试文件都算）


@dataclass
class Mutant:
    name: str
    file: str
    old: str
    new: str
    tests: list[str]                 # 测试文件（可用通配符）或 pytest 的节点 id
    args: list[str] = field(default_factory=list)   # 另加给 pytest 的参数，例如 ["-k", "fast"]
    env: dict[str, str] = field(default_factory=dict)  # 例如 {"COURSE_FULL": "1"}：要真实进程的测试


MUTANTS = [
    # ---- 问题 25 的变异审计中存活的变异体 ----
    Mutant("launch：stop_all 用 kill 而不是 killpg（工作进程的子进程留下）",
           "d2lutils/dist/launch.py", "os.killpg(p.popen.pid, sig)", "os.kill(p.popen.pid, sig)",
           ["tests/test_launch.py"]),
    Mutant("launch：被信号杀死的工作进程（rc < 0）不算失败",
           "d2lutils/dist/launch.py", "if rc not in (None, 0):", "if rc is not None and rc > 0:",
           ["tests/test_launch.py"]),
    Mutant("dist_train.compare 不看参数的差别",
           "d2lutils/dist/dist_train.py", "same = loss_gap < tol and param_gap < tol", "same = loss_gap < tol",
           ["tests/test_dist_compare.py", "tests/test_launch.py"]),
    Mutant("describe_devices 把 “sm_50 到 sm_86” 写成 “sm_90”",
           "d2lutils/device.py", "sm_50 到 sm_86", "sm_90", ["tests/test_gpu_libs.py", "tests/test_device.py"]),
    Mutant("expect_array 的左右、上下翻转反馈对调",
           "d2lutils/exercises/__init__.py", '[((-1,), "左右"), ((-2,), "上下"),', '[((-1,), "上下"), ((-2,), "左右"),',
           EXERCISE_TESTS),
    Mutant("expect_shape 接受各维顺序不同的形状",
           "d2lutils/exercises/__init__.py", "    if got == expected:\n        return\n    if known and got in known:",
           "    if sorted(got) == sorted(expected):\n        return\n    if known and got in known:", EXERCISE_TESTS),
    Mutant("第 06 课练习 5 用相对容差 0.15（接受错误答案 8）",
           "d2lutils/exercises/lesson06.py", 'expect_number(rf_a, 7, "三层 3 × 3 卷积（步幅 1）的感受野边长", known={',
           'expect_number(rf_a, 7, "三层 3 × 3 卷积（步幅 1）的感受野边长", rel=0.15, known={', EXERCISE_TESTS),
    Mutant("第 10 课的自检：两个设备的梯度之和 g0 + g1 换成 g0 + g0",
           "notebooks/10_multi_device.ipynb", "max_diff([a + b.as_in_context(a.context) for a, b in zip(g0, g1)]",
           "max_diff([a + a.as_in_context(a.context) for a, b in zip(g0, g1)]", ["notebooks/10_multi_device.ipynb"]),
    Mutant("第 10 课的自检：亲手写的更新比 Trainer 的大 0.1%",
           "notebooks/10_multi_device.ipynb", "w[:] = w - lr / B * g", "w[:] = w - lr / B * g * 1.001",
           ["notebooks/10_multi_device.ipynb"]),
    # ---- 另加的：本问题修好的弱测试和判断各自能发现的改动 ----
    Mutant("dist_train.compare 只比较参数个数，不比较形状",
           "d2lutils/dist/dist_train.py", "or shapes_a != shapes_b:", "or len(shapes_a) != len(shapes_b):",
           ["tests/test_dist_compare.py"]),
    Mutant("dist_train.compare 用内置的 max（跳过 nan）",
           "d2lutils/dist/dist_train.py", 'loss_gap = float(onp.max(onp.abs(onp.subtract(a["loss"], b["loss"]))))',
           'loss_gap = max(abs(x - y) for x, y in zip(a["loss"], b["loss"]))', ["tests/test_dist_compare.py"]),
    Mutant("server_socket_bytes 把调度器也算作服务器",
           "d2lutils/dist/dist_train.py", "servers = peers - {me} - scheduler", "servers = peers - {me}",
           ["tests/test_dist.py"]),
    Mutant("server_socket_bytes 不管启动器告诉的服务器进程号（同时进行的另一次启动的进程可能混进来）",
           "d2lutils/dist/dist_train.py", "servers &= {int(p)", "servers |= {int(p)", ["tests/test_dist.py"]),
    Mutant("launch --fork：分叉出的工作进程退出前不释放 KVStore（调度器和服务器一直等它告别）",
           "d2lutils/dist/forking.py", "            gc.collect()  ", "            pass  # ",
           ["tests/test_launch.py"], args=["-k", "equals_one_process and fork"], env={"COURSE_FULL": "1"}),
    Mutant("try_all_gpus 不探测，列出的 GPU 都返回",
           "d2lutils/device.py", "for i in range(_num_gpus()) if gpu_works(i)]", "for i in range(_num_gpus())]",
           ["tests/test_device.py"]),
    Mutant("卷积核探索器：换成卷积运算后，换回字母图像时数字选择框仍可用",
           "d2lutils/explore.py", 'c["digit"].disabled = c["image"].value != "digit"',
           'c["digit"].disabled = c["image"].value != "digit" and not c["convolution"].value',
           ["tests/test_explore.py"], args=["-k", "every_control"]),
]


def say(msg: str) -> None:
    print(f"[mutate] {msg}", file=sys.stderr, flush=True)   # 进度写到 stderr；stdout 只有结果表


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, check=True).stdout
    return [f for f in out.decode().split("\0") if f and (ROOT / f).is_file()]


def make_copy() -> Path:
    """把工作目录（git 跟踪的和未被忽略的文件）复制到一个临时目录；变异只改这份副本。"""
    copy = Path(tempfile.mkdtemp(prefix="course-mutate-"))
    for f in tracked_files():
        dst = copy / f
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dst)
    return copy


def test_paths(copy: Path, patterns: list[str]) -> list[str]:
    paths = []
    for p in patterns:
        found = sorted(glob.glob(p, root_dir=copy)) if any(c in p for c in "*?[") else [p]
        paths += [f for f in found if (copy / f.split("::")[0]).exists() and f not in paths]
    return paths


def run_pytest(copy: Path, tests: list[str], args: list[str], env: dict[str, str], timeout: float):
    """在副本里运行 pytest（自己的进程组：超时或 Ctrl-C 时连同它启动的进程一起停止）；返回 (退出码, 输出尾部)。"""
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *args, *tests]
    full_env = {**os.environ, "PYTHONPATH": str(copy), **env}
    # SIGINT 恢复默认处理：本脚本在后台作业里运行时 SIGINT 被忽略，pytest 会继承这一点
    proc = subprocess.Popen(cmd, cwd=copy, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        return None, ""
    finally:
        if proc.poll() is None:
            # 先 SIGINT：pytest 照 Ctrl-C 结束，测试的 finally 清理它们启动的进程；10 秒后仍在运行才 SIGKILL
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def check_copy_is_imported(copy: Path) -> None:
    """子进程（以及在 notebooks/ 里启动的内核）导入的 d2lutils 必须是副本里的。"""
    for cwd in (copy, copy / "notebooks"):
        got = subprocess.run([sys.executable, "-c", "import d2lutils; print(d2lutils.__file__)"], cwd=cwd,
                             env={**os.environ, "PYTHONPATH": str(copy)}, capture_output=True, text=True).stdout
        if not got.startswith(str(copy)):
            sys.exit(f"[mutate] 在 {cwd} 导入的 d2lutils 不是副本里的：{got.strip() or '导入失败'}")


def mutate(copy: Path, m: Mutant, timeout: float) -> tuple[str, float]:
    path = copy / m.file
    text = path.read_text(encoding="utf-8")
    if text.count(m.old) != 1:
        return f"stale（原文出现 {text.count(m.old)} 次）", 0.0
    tests = test_paths(copy, m.tests)
    if not tests:
        return "error（没有找到测试文件）", 0.0
    path.write_text(text.replace(m.old, m.new), encoding="utf-8")
    t0 = time.monotonic()
    try:
        rc, out = run_pytest(copy, tests, m.args, m.env, timeout)
    finally:
        path.write_text(text, encoding="utf-8")   # 只是副本；恢复它，下一个变异体从原样开始
    took = time.monotonic() - t0
    if rc is None:
        return f"killed（超时 {timeout:g} 秒）", took
    if rc == 1:
        return "killed", took
    if rc == 0:
        return "survived", took
    print(out[-3000:], file=sys.stderr)
    return f"error（pytest 退出码 {rc}）", took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="变异测试：改坏一处，看相关的测试能不能发现。")
    parser.add_argument("-k", default="", help="只运行名字含这段文字的变异体")
    parser.add_argument("--list", action="store_true", help="只列出变异体")
    parser.add_argument("--timeout", type=float, default=900, help="每个变异体的测试最多运行多少秒（默认 900）")
    parser.add_argument("--no-baseline", action="store_true", help="不先运行不改动时的测试")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if args.k in m.name]
    if args.list or not chosen:
        for m in chosen or MUTANTS:
            print(f"{m.name}  [{m.file}]  测试：{' '.join(m.tests + m.args)}")
        return 0 if chosen else 2
    def interrupted(*_):
        raise KeyboardInterrupt   # SIGTERM（例如 CI 取消任务）也照 Ctrl-C 处理：停止测试、删除副本
    signal.signal(signal.SIGTERM, interrupted)
    copy = make_copy()
    rows = []
    try:
        check_copy_is_imported(copy)
        if not args.no_baseline:
            tests = test_paths(copy, [t for m in chosen for t in m.tests])
            say(f"基线：不改动时运行 {len(tests)} 个测试文件 ...")
            rc, out = run_pytest(copy, tests, [], {k: v for m in chosen for k, v in m.env.items()}, args.timeout)
            if rc != 0:
                print(out[-5000:], file=sys.stderr)
                say("不改动时相关的测试就不通过，变异测试没有意义：先修好它们。")
                return 2
        for m in chosen:
            say(f"{m.name} ...")
            status, took = mutate(copy, m, args.timeout)
            rows.append((m, status, took))
            say(f"  {status}（{took:.1f} 秒）")
    except KeyboardInterrupt:
        say("已中断；工作目录没有被改动。")
        return 130
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    print("\n| 变异体 | 文件 | 结果 | 用时 |\n|---|---|---|---|")
    for m, status, took in rows:
        print(f"| {m.name} | {m.file} | {status} | {took:.1f} s |")
    bad = [r for r in rows if r[1] != "killed" and not r[1].startswith("killed（")]
    print(f"\n共 {len(rows)} 个变异体：killed {len(rows) - len(bad)}，其余 {len(bad)} 个"
          f"（{'、'.join(sorted({s.split('（')[0] for _, s, _ in bad})) or '无'}）。")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
