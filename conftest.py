"""整个测试套件的设置：在任何内核启动之前固定 Python 的哈希种子。

nbval 启动的内核继承这个环境变量，所以打印集合等输出与 tools/run_notebooks.py
生成时一致。
"""

import os
import sys

os.environ["PYTHONHASHSEED"] = "0"

# 学习者的副本（./course.sh lab 建立，git 不跟踪）从不被测试收集：测试只用 notebooks/ 里的原始课程
collect_ignore = ["my-notebooks"]

# nbval 由这里载入（pyproject.toml 的 addopts 用 -p no:nbval 关掉它的自动载入），好在它导入 nbformat 之前
# 挡住 rfc3987_syntax：jsonschema 导入时用它（lark 语法分析器）构建 IRI 格式检查，要 0.75 秒，
# 而测试进程里校验笔记本不检查格式。只在测试进程（xdist 的主进程和两个工作进程）里挡住，不影响内核和服务器。
sys.modules.setdefault("rfc3987_syntax", None)
# nbval 比较输出时也比较每张存储的图（tests/nbval_figures.py）
pytest_plugins = ["nbval.plugin", "tests.nbval_figures"]

# 较慢的集成测试（JupyterLab 服务器的 REST 与内核测试、在子进程里再跑一遍 nbval、多进程训练与单进程对照……）
# 标记为 full，只在 COURSE_FULL=1 时运行：默认的测试命令要尽量快，CI（.ci/run）在默认测试线上运行它们。
FULL = os.environ.get("COURSE_FULL") == "1"


def pytest_configure(config):
    config.addinivalue_line("markers", "full: 较慢的集成测试，COURSE_FULL=1 时运行（CI 的默认测试线运行它们）")
    _use_forked_kernels(config)


# nbval 的内核从一个已经导入 d2lutils 的母进程分叉出来（tests/forked_kernels.py 说明了做法和原因）：
# 母进程由主测试进程启动（xdist 的工作进程随后启动，继承这里设的环境变量），测试进程退出时它也退出
_forkserver = None


def _use_forked_kernels(config):
    global _forkserver
    if os.environ.get("COURSE_FRESH_KERNELS") == "1" or not config.option.nbval_current_env:
        return
    from tests import forked_kernels

    if forked_kernels.SOCKET_ENV not in os.environ and not hasattr(config, "workerinput"):
        import subprocess
        import tempfile

        home = tempfile.mkdtemp(prefix="course-kernels-")
        forked_kernels.write_kernelspec(home)
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [home, os.environ.get("JUPYTER_PATH")]))
        os.environ[forked_kernels.SOCKET_ENV] = os.path.join(home, "forkserver.sock")
        _forkserver = subprocess.Popen([sys.executable, forked_kernels.__file__, "serve",
                                        os.environ[forked_kernels.SOCKET_ENV]], stdin=subprocess.PIPE)
    if forked_kernels.SOCKET_ENV in os.environ:
        config.option.nbval_current_env = False
        config.option.nbval_kernel_name = forked_kernels.KERNEL_NAME


def pytest_unconfigure(config):
    if _forkserver is not None:
        import shutil

        _forkserver.stdin.close()   # 母进程读到文件结束就退出
        _forkserver.wait(timeout=10)
        shutil.rmtree(os.path.dirname(_forkserver.args[-1]), ignore_errors=True)   # 内核规格和套接字所在的临时目录


# 最耗时的几个文件（笔记本或测试模块，各十几秒）排在最前面，由 xdist 最先分给两个进程（--dist loadfile
# --no-loadscope-reorder，见 course.sh）：它们排在最后时，一个进程还在跑，另一个早已空闲。只影响顺序，不影响结果。
LONG_FIRST = ("tests/test_browser.py", "notebooks/10_multi_device.ipynb", "tests/test_fuzz_public_api.py",
              "tests/test_fuzz_public_api_more.py", "notebooks/09_lenet.ipynb")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # 稳定排序：其余保持原顺序
    if FULL:
        return
    import pytest

    skip = pytest.mark.skip(reason="较慢的集成测试：COURSE_FULL=1 ./course.sh test 时运行（CI 运行它们）")
    for item in items:
        if "full" in item.keywords:
            item.add_marker(skip)

# 第 10 课与 tests/test_launch.py 会启动参数服务器的进程（调度器、服务器、工作进程）。
# 本次测试启动的每个进程都继承这个标记；测试结束时检查没有这样的进程还在运行。
import signal  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

os.environ.setdefault("COURSE_TEST_RUN", uuid.uuid4().hex)


def _leftover_launch_processes() -> list[tuple[int, str]]:
    """本次测试启动、仍在运行的启动器或 DMLC 进程：(pid, 命令行)。"""
    token = f"COURSE_TEST_RUN={os.environ['COURSE_TEST_RUN']}".encode()
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            env, cmd = (d / "environ").read_bytes().split(b"\0"), (d / "cmdline").read_bytes()
        except OSError:
            continue
        if token in env and (any(e.startswith(b"DMLC_ROLE=") for e in env)
                             or b"d2lutils.dist.launch" in cmd or b"d2lutils/dist/launch.py" in cmd):
            found.append((int(d.name), cmd.replace(b"\0", b" ").decode(errors="replace")))
    return found


def pytest_sessionfinish(session, exitstatus):
    """测试结束时不得留下任何参数服务器进程：等最多 10 秒，仍有就杀掉它们并让测试失败。"""
    if hasattr(session.config, "workerinput") or not sys.platform.startswith("linux"):
        return
    deadline = time.monotonic() + 10
    while (left := _leftover_launch_processes()) and time.monotonic() < deadline:
        time.sleep(0.2)
    if left:
        for pid, _ in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        lines = "\n".join(f"  pid {pid}: {cmd[:150]}" for pid, cmd in left)
        print(f"\n测试结束后仍有 {len(left)} 个参数服务器相关的进程在运行（已杀掉）：\n{lines}", file=sys.stderr)
        session.exitstatus = 1
