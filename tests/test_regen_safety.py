"""重新生成（./course.sh regen）与阅读版工具：原子写入、出错或 Ctrl-C 不破坏课程文件、只打印自己的信息。"""

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.full  # 较慢的集成测试：COURSE_FULL=1 时运行（见根目录的 conftest.py）

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools" / "run_notebooks.py")
run_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_notebooks)


def write_notebook(path: Path, *sources: str) -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, str(path))
    return path.read_bytes()


def regen(*args, **kwargs):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "run_notebooks.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=120, **kwargs)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_regen_prints_only_its_own_message(tmp_path):
    nb = tmp_path / "ok.ipynb"
    write_notebook(nb, "print(6 * 7)")
    res = regen(nb)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""  # 没有 ipykernel 的 “Kernel is running over TCP without encryption”
    assert res.stdout == f"已运行并保存：{nb}\n"
    out = nbformat.read(str(nb), as_version=4).cells[0].outputs
    assert out[0]["text"] == "42\n"
    assert leftovers(tmp_path) == []


def test_failing_cell_leaves_file_byte_identical(tmp_path):
    nb = tmp_path / "bad.ipynb"
    before = write_notebook(nb, "x = 1", "1 / 0", "print('不会运行到这里')")
    res = regen(nb)
    assert res.returncode == 1
    assert nb.read_bytes() == before
    assert res.stdout == ""
    assert res.stderr.strip() == (f"重新生成失败：{nb} 的第 2 个单元格出错（ZeroDivisionError: division by zero），"
                                  "文件没有改动。")
    assert leftovers(tmp_path) == []


def test_ctrl_c_mid_run_leaves_file_intact_and_no_kernel(tmp_path):
    nb = tmp_path / "slow.ipynb"
    started = tmp_path / "started"
    before = write_notebook(nb, "import os, time",
                            f"open({str(started)!r}, 'w').write(str(os.getpid())); time.sleep(60)",
                            "print('不会运行到这里')")
    # 像在终端里按 Ctrl-C：SIGINT 发给整个进程组（regen 和它启动的内核）
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "run_notebooks.py"), str(nb)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (started.exists() and started.read_text()) and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "内核没有开始运行笔记本"
        kernel_pid = int(started.read_text())
        time.sleep(0.5)  # 内核已在 time.sleep 里
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130
    assert nb.read_bytes() == before
    assert leftovers(tmp_path) == []
    assert (out, err) == ("", "已中断（Ctrl-C）：正在运行的笔记本没有改动。\n")
    for _ in range(50):  # 内核也已退出（regen 正常关闭了它），没有留下进程
        try:
            os.kill(kernel_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(kernel_pid, signal.SIGKILL)
        pytest.fail(f"regen 被打断后内核进程 {kernel_pid} 还在运行")


def test_interrupted_write_keeps_original(tmp_path, monkeypatch):
    path = tmp_path / "lesson.ipynb"
    before = write_notebook(path, "print(1)")
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[0].source = "print(2)" * 1000

    def half_write(node, f):  # 写了一半就被 Ctrl-C 打断
        f.write(nbformat.writes(node)[:100])
        raise KeyboardInterrupt

    monkeypatch.setattr(run_notebooks.nbformat, "write", half_write)
    with pytest.raises(KeyboardInterrupt):
        run_notebooks.write_atomically(nb, path)
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []
    monkeypatch.undo()
    run_notebooks.write_atomically(nb, path)
    assert nbformat.read(str(path), as_version=4).cells[0].source == nb.cells[0].source
    assert leftovers(tmp_path) == []


def test_html_tool_prints_only_its_own_message(tmp_path):
    res = subprocess.run([sys.executable, str(ROOT / "tools" / "build_html.py"), "--out", str(tmp_path),
                          str(ROOT / "notebooks" / "01_corr2d.ipynb")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    assert res.stdout == f"已生成阅读版：{tmp_path / 'index.html'}（共 1 课）\n"
