"""d2lutils 可以不经 GitHub 安装：wheel 和 sdist 能构建、通过 twine check，内容和元数据完整。
另外（文件末尾）：第 10 课选读部分实测各服务器字节数的 ``dist_train.server_socket_bytes``。"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

import d2lutils

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    # 与 ./course.sh dist 相同：用课程环境里的 setuptools，不联网
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True)
    return out


@pytest.mark.full  # 构建 wheel 和 sdist：COURSE_FULL=1 时运行
def test_wheel_and_sdist_pass_twine_check(dist):
    files = sorted(p.name for p in dist.iterdir())
    version = d2lutils.__version__
    assert files == [f"d2lutils-{version}-py3-none-any.whl", f"d2lutils-{version}.tar.gz"]
    run = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("PASSED") == 2


@pytest.mark.full  # 构建 wheel 和 sdist：COURSE_FULL=1 时运行
def test_wheel_holds_every_module_and_publishable_metadata(dist):
    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(f"d2lutils-{d2lutils.__version__}.dist-info/METADATA").decode()
    modules = {f"d2lutils/{p.relative_to(ROOT / 'd2lutils').as_posix()}"
               for p in (ROOT / "d2lutils").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert modules <= names, sorted(modules - names)
    assert f"Version: {d2lutils.__version__}" in meta
    assert "License-Expression: Apache-2.0" in meta
    assert re.search(r"^Requires-Python: .*>=3\.\d+", meta, re.M)
    assert "Project-URL: Repository, https://" in meta
    assert "Description-Content-Type: text/markdown" in meta


@pytest.mark.full  # 构建 wheel 和 sdist：COURSE_FULL=1 时运行
def test_sdist_carries_licence_and_project_file(dist):
    with tarfile.open(next(dist.glob("*.tar.gz"))) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    assert {"LICENSE", "pyproject.toml", "docs/package.md", "d2lutils/__init__.py"} <= names


def test_changelog_has_an_entry_for_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(d2lutils.__version__)}（\d{{4}}-\d\d-\d\d）", changelog, re.M)


# 扮演参数服务器、调度器等的小进程（不导入 MXNet）。连接的一方：连上端口 argv[1]，发出 argv[2] 个字节，
# 再读到对方关闭为止；监听的一方：打印端口，接受一个连接，读完 argv[1] 个字节，等标准输入关闭后退出
_CONNECTS = """
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"x" * int(sys.argv[2]))
while s.recv(65536):
    pass
"""
_LISTENS = """
import socket, sys
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen()
print(l.getsockname()[1], flush=True)
c = l.accept()[0]
got = 0
while got < int(sys.argv[1]):
    got += len(c.recv(1 << 20))
sys.stdin.read()
"""


@pytest.mark.skipif(not shutil.which("ss") or not Path("/proc").is_dir(), reason="需要 Linux 的 /proc 和 ss")
def test_server_socket_bytes_counts_what_a_server_process_really_sent_and_received(monkeypatch):
    """服务器是本进程（工作进程）的连接另一端的进程，调度器（占用 DMLC_PS_ROOT_PORT）除外；与本进程无关的
    连接不算；启动器告诉了服务器的进程号（D2LUTILS_SERVER_PIDS）时，与本进程相连的别的进程也不算。
    字节数来自内核的 TCP 计数，而不是推算。"""
    from d2lutils.dist.dist_train import server_socket_bytes
    from d2lutils.dist.launch import SERVER_PIDS

    sent, received = 300_000, 120_000
    py = lambda *args: subprocess.Popen([sys.executable, "-c", *map(str, args)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
    scheduler, other = py(_LISTENS, 0), py(_LISTENS, sent)
    procs = [scheduler, other]
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        conns = []
        try:
            root, other_port = (int(p.stdout.readline()) for p in (scheduler, other))
            to_scheduler = socket.create_connection(("127.0.0.1", root))   # 本进程连上调度器
            for _ in range(2):   # 服务器和一个不属于这次启动的进程：都连上本进程，各发出 sent 个字节
                procs.append(py(_CONNECTS, listener.getsockname()[1], sent))
                conns.append(listener.accept()[0])
            procs.append(py(_CONNECTS, other_port, sent))                  # 另一次启动的进程：与本进程无关
            for conn in conns:
                got = 0
                while got < sent:
                    got += len(conn.recv(1 << 20))
                conn.sendall(b"y" * received)
            server, foreign = procs[2].pid, procs[3].pid
            monkeypatch.setenv("DMLC_PS_ROOT_PORT", str(root))
            monkeypatch.delenv(SERVER_PIDS, raising=False)
            deadline = time.monotonic() + 10   # 等各对进程之间的数据都传完
            while True:
                counts = server_socket_bytes()
                if min(counts.get(p, (0, 0))[0] for p in (server, foreign)) >= received or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            monkeypatch.setenv(SERVER_PIDS, f"{server},{other.pid}")   # other 是服务器，但不与本进程相连
            announced = server_socket_bytes()
            for conn in conns:
                conn.close()
            to_scheduler.close()
        finally:
            for p in procs:
                p.stdin.close()
            for p in procs:
                p.wait(timeout=10)
    assert sorted(counts) == sorted([server, foreign]), counts   # 调度器、与本进程无关的进程都不算
    assert list(announced) == [server], announced                # 只数启动器告诉的、与本进程相连的服务器
    for c in (counts, announced):
        got_received, got_sent = c[server]
        assert got_sent == sent and got_received == received, c
