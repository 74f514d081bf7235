"""验收检查：在全新克隆里用 ./course.sh lab 打开每一课，等 JupyterLab 自动保存后，git status 必须干净。

真正的 JupyterLab 前端跑在无头 Chromium 里（它连上内核后写入元数据并自动保存，
这正是学习者遇到的问题），服务器由克隆里的 ./course.sh lab 启动。三种情形：
  learner     ./course.sh lab：打开 my-notebooks/ 里的每一课（学习者的副本），在前端的内核里运行它们
  maintainer  COURSE_LAB_DIR=notebooks ./course.sh lab：直接打开 git 跟踪的课程
  control     不经 course.sh（没有保存钩子）直接打开 git 跟踪的课程：必须出现改动，
              否则这个检查根本发现不了问题
自动保存间隔设为 5 秒（JupyterLab 默认 120 秒，机制相同）。

用法（课程环境里，需要 chromium 和 git）：
    "$(./course.sh env)/bin/python" tools/check_lab_clean.py
克隆来自本仓库已提交的 HEAD。成功时退出码为 0，否则打印原因并返回 1。
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUTOSAVE_SECONDS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    raise SystemExit("[check] 找不到 Chromium：apt-get install chromium")


class Lab:
    """一个 JupyterLab 服务器加一个打开了全部笔记本的无头 Chromium。"""

    def __init__(self, cmd: list[str], cwd: Path, tmp: Path, env: dict):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        args = ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}"]
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.log = open(tmp / "server.log", "w")
        self.server = subprocess.Popen(cmd + args,
                                       cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.browser = None
        self.tmp = tmp

    def api(self, method: str, path: str, body=None):
        req = urllib.request.Request(self.base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            data = resp.read()
            return json.loads(data) if data else None

    def wait_ready(self, limit: float = 120) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError("Jupyter 服务器退出了：" + Path(self.log.name).read_text()[-2000:])
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        raise TimeoutError("Jupyter 服务器没有就绪")

    def open_all(self) -> list[str]:
        """把根目录下的每个笔记本放进一个工作区，让 Chromium 打开它。"""
        names = sorted(item["name"] for item in self.api("GET", "/api/contents")["content"]
                       if item["type"] == "notebook")
        data = {f"notebook:{n}": {"data": {"path": n, "factory": "Notebook"}} for n in names}
        data["layout-restorer:data"] = {"main": {"dock": {"type": "tab-area", "currentIndex": 0,
                                                          "widgets": [f"notebook:{n}" for n in names]},
                                                 "current": f"notebook:{names[0]}"}}
        self.api("PUT", "/lab/api/workspaces/check", {"data": data, "metadata": {"id": "check"}})
        self.browser = subprocess.Popen(
            [find_chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", f"--user-data-dir={self.tmp / 'chromium'}", "--window-size=1400,900",
             f"{self.base}/lab/workspaces/check?token={self.token}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        return names

    def wait_kernels(self, count: int, limit: float = 180) -> None:
        """等到每个笔记本都有一个连上的、空闲的内核。"""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            sessions = self.api("GET", "/api/sessions")
            idle = [s for s in sessions if s["kernel"]["execution_state"] == "idle"
                    and s["kernel"]["connections"] > 0]
            if len(idle) >= count:
                return
            time.sleep(1)
        raise TimeoutError(f"{limit} 秒内没有 {count} 个空闲内核：{self.api('GET', '/api/sessions')}")

    def stop(self) -> None:
        for proc in (self.browser, self.server):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=15)
        self.log.close()


def run_every_lesson(lab: Lab, folder: Path) -> list[str]:
    """在前端打开的内核里从上到下运行每一课的代码单元格（证明课程在副本所在的目录里也能运行）；
    返回出错的单元格（预期中的错误由 d2lutils.expect_error 显示，单元格本身不出错，所以任何错误都算）。"""
    import asyncio

    import nbformat

    sys.path.insert(0, str(ROOT / "tests"))
    from test_jupyter_server import run_cells  # 通过内核的 WebSocket 执行代码

    problems = []
    for session in lab.api("GET", "/api/sessions"):
        cells = [c for c in nbformat.read(folder / session["path"], as_version=4).cells if c.cell_type == "code"]
        results = asyncio.run(run_cells(lab, session["kernel"]["id"], [c.source for c in cells], timeout=300))
        for n, (cell, (status, _)) in enumerate(zip(cells, results)):
            if status != "ok":
                problems.append(f"{session['path']} 的 Cell {n}：{status}")
    return problems


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def scenario(name: str, clone: Path, folder: Path, cmd: list[str], env: dict, tmp: Path,
             run_cells: bool = False) -> tuple[str, list[str]]:
    """同 _scenario；偶尔有一个内核一直停在 starting（2 核机器上同时启动 10 个内核时见过），就整个重来一次。"""
    try:
        return _scenario(name, clone, folder, cmd, env, tmp, run_cells)
    except TimeoutError as err:
        print(f"[check] {name}: {str(err)[:100]}…；重新来一次", file=sys.stderr)
        git(clone, "checkout", "--", ".")
        return _scenario(name + "-retry", clone, folder, cmd, env, tmp, run_cells)


def _scenario(name: str, clone: Path, folder: Path, cmd: list[str], env: dict, tmp: Path,
              run_cells: bool = False) -> tuple[str, list[str]]:
    """启动、打开全部笔记本（run_cells 时再运行每一课）、等自动保存；
    返回 git status --porcelain 和没被保存过的（或运行出错的）笔记本。"""
    start = time.monotonic()
    before = {p.name: p.stat().st_mtime for p in folder.glob("*.ipynb")}
    (tmp / name).mkdir()
    lab = Lab(cmd, clone, tmp / name, env)
    try:
        lab.wait_ready()
        names = lab.open_all()
        try:
            lab.wait_kernels(len(names))
        except TimeoutError as err:
            if not name.startswith("control"):
                raise
            # 对照组只需要出现改动：有内核没及时启动（机器忙）不影响结论，继续等自动保存
            print(f"[check] control: {str(err)[:120]}…（继续）")
        errors = run_every_lesson(lab, folder) if run_cells else []
        deadline = time.monotonic() + 20 * AUTOSAVE_SECONDS
        unsaved = names
        while unsaved and time.monotonic() < deadline:  # 等每个笔记本都被自动保存过
            time.sleep(1)
            unsaved = [n for n in names if (folder / n).stat().st_mtime == before.get(n)]
        time.sleep(AUTOSAVE_SECONDS + 1)  # 再给一轮自动保存
    finally:
        lab.stop()
    status = git(clone, "status", "--porcelain")
    print(f"[check] {name}: 打开 {len(names)} 课，用时 {time.monotonic() - start:.0f} 秒；"
          f"没被自动保存的：{unsaved or '无'}；git status：{status.strip() or '干净'}")
    if run_cells:
        print(f"[check] {name}: 在副本里运行每一课的全部代码单元格，出错的：{errors or '无'}")
    return status, unsaved + errors


def main() -> int:
    venv = Path(sys.prefix)
    with tempfile.TemporaryDirectory(prefix="lab-clean-") as tmp_name:
        tmp = Path(tmp_name)
        clone = tmp / "clone"
        git(tmp, "clone", "-q", str(ROOT), str(clone))
        (clone / venv.name).symlink_to(venv)  # 用现成的课程环境，不在克隆里重新安装
        with open(clone / ".git" / "info" / "exclude", "a") as f:
            f.write(f"/{venv.name}\n")
        settings = tmp / "settings" / "@jupyterlab" / "docmanager-extension"
        settings.mkdir(parents=True)
        (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosaveInterval": AUTOSAVE_SECONDS}))
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
                   JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_PLATFORM_DIRS="1")
        env.pop("JUPYTER_CONFIG_PATH", None)

        failures = []
        # COURSE_LAB_RUN_CELLS=1 时还在前端的内核里运行每一课（多约一分钟；nbval 已经证明课程能运行）
        status, unsaved = scenario("learner", clone, clone / "my-notebooks", ["./course.sh", "lab"], env, tmp,
                                   run_cells=os.environ.get("COURSE_LAB_RUN_CELLS") == "1")
        if status or unsaved:
            failures.append("learner：./course.sh lab 打开并运行学习者的副本后 git status 不干净，"
                            "或有笔记本没被保存、运行出错")
        changed = [p.name for p in sorted((clone / "notebooks").glob("*.ipynb"))
                   if p.read_bytes() != (clone / "my-notebooks" / p.name).read_bytes()]
        print(f"[check] 自动保存后与原始课程字节不同的副本：{changed or '无'}")
        status, unsaved = scenario("maintainer", clone, clone / "notebooks", ["./course.sh", "lab"],
                                   dict(env, COURSE_LAB_DIR="notebooks"), tmp)
        if status or unsaved:
            failures.append("maintainer：直接打开 git 跟踪的课程后 git status 不干净，或有笔记本没被保存")
        status, _ = scenario("control", clone, clone / "notebooks",
                             [str(venv / "bin" / "jupyter-lab"), f"--ServerApp.root_dir={clone / 'notebooks'}"],
                             env, tmp)
        if not status:
            failures.append("control：没有保存钩子时也没有出现改动，这个检查发现不了问题")
        else:
            print("[check] control 的改动（预期如此）：\n" + git(clone, "diff", "--stat").rstrip())
    for f in failures:
        print("[check] 失败：" + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
