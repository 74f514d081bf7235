"""d2lutils 可以不经 GitHub 安装：wheel 和 sdist 能构建、通过 twine check，内容和元数据完整。
另外（文件末尾）：第 10 课选读部分实测各服务器字节数的 ``dist_train.server_socket_bytes``。"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
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


# 一个扮演服务器的小进程（不导入 MXNet）：连上本测试的端口，发出 SENT 字节，再读到对方关闭为止
_FAKE_SERVER = """
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"x" * int(sys.argv[2]))
while s.recv(65536):
    pass
"""


@pytest.mark.skipif(not shutil.which("ss") or not Path("/proc").is_dir(), reason="需要 Linux 的 /proc 和 ss")
def test_server_socket_bytes_counts_what_a_server_process_really_sent_and_received(monkeypatch):
    """只统计同一次启动（同一个 DMLC_PS_ROOT_PORT）的服务器进程，字节数来自内核的 TCP 计数，而不是推算。"""
    from d2lutils.dist.dist_train import server_socket_bytes

    sent, received = 300_000, 120_000
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        procs = [subprocess.Popen([sys.executable, "-c", _FAKE_SERVER, str(port), str(sent)],
                                  env={**os.environ, "DMLC_ROLE": role, "DMLC_PS_ROOT_PORT": root})
                 for role, root in (("server", "41234"), ("server", "41235"), ("worker", "41234"))]
        conns = [listener.accept()[0] for _ in procs]
        try:
            for c in conns:
                got = 0
                while got < sent:
                    got += len(c.recv(1 << 20))
                c.sendall(b"y" * received)
            monkeypatch.setenv("DMLC_PS_ROOT_PORT", "41234")
            counts = server_socket_bytes()
        finally:
            for c in conns:
                c.close()
            for p in procs:
                p.wait(timeout=10)
    assert list(counts) == [procs[0].pid], counts   # 另一个端口的服务器和工作进程不算
    got_received, got_sent = counts[procs[0].pid]
    assert got_sent == sent and got_received == received, counts
