"""测试用的无头 Chromium：通过 DevTools 协议（CDP）打开页面、执行脚本、截图、记录请求。

只用 Debian 的 chromium（或 PATH 上的 chromium-browser / google-chrome）和已在课程环境里的
websocket-client，不下载任何浏览器。找不到浏览器时 ``find_chromium()`` 返回 None，
调用它的测试应明确地 skip 并说明原因。
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import websocket

# 以 root 运行、无显示器、与外网隔绝的机器上需要的参数（见 /work 的机器说明）
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1100,1400")


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Page:
    """一个标签页的 CDP 连接：同步地发命令，顺便收集事件。"""

    def __init__(self, ws_url: str, timeout: float = 30.0):
        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self.timeout = timeout
        self.events: list[dict] = []
        self._next_id = 0

    def send(self, method: str, **params):
        self._next_id += 1
        msg_id = self._next_id
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method} 失败：{msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)
        raise TimeoutError(f"{method} 在 {self.timeout} 秒内没有返回")

    def wait_event(self, method: str) -> dict:
        deadline = time.monotonic() + self.timeout
        seen = 0
        while time.monotonic() < deadline:
            for ev in self.events[seen:]:
                if ev.get("method") == method:
                    self.events.remove(ev)
                    return ev
            seen = len(self.events)
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(f"{self.timeout} 秒内没有等到事件 {method}")

    def navigate(self, url: str) -> None:
        self.send("Page.enable")
        self.send("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"页面脚本出错：{result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def requested_urls(self) -> list[str]:
        """Network.enable 之后这个标签页发出的每个请求的地址。"""
        return [ev["params"]["request"]["url"] for ev in self.events
                if ev.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        self.ws.close()


class Chromium:
    """启动一个无头 Chromium（独立的用户目录），退出时连同子进程一起结束。"""

    def __init__(self, profile: Path, executable: str | None = None):
        self.profile = Path(profile)
        self.executable = executable or find_chromium()
        self.proc: subprocess.Popen | None = None
        self.pages: list[Page] = []

    def __enter__(self) -> "Chromium":
        self.profile.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self.profile}",
             "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            env=dict(os.environ, FONTCONFIG_FILE=str(self._fontconfig())))
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("Chromium 没能启动（30 秒内没有写出 DevToolsActivePort）")
            time.sleep(0.05)
        self.port = int(port_file.read_text().split()[0])
        return self

    def _fontconfig(self) -> Path:
        """系统的 fontconfig 设置，再加上课程环境自带的 pip 中文字体：没有系统中文字体的机器上，
        页面（和截图）里的中文也不是方框。"""
        from d2lutils.plotting import _pip_font_files

        dirs = "".join(f"<dir>{Path(f).parent}</dir>" for f in _pip_font_files() if Path(f).exists())
        path = self.profile / "fonts.conf"
        path.write_text("<?xml version='1.0'?>\n<fontconfig><include ignore_missing='yes'>/etc/fonts/fonts.conf"
                        f"</include>{dirs}<cachedir>{self.profile / 'fontconfig'}</cachedir></fontconfig>\n")
        return path

    def new_page(self) -> Page:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(req, timeout=10) as resp:
            info = json.load(resp)
        page = Page(info["webSocketDebuggerUrl"])
        self.pages.append(page)
        return page

    def __exit__(self, *exc) -> None:
        for page in self.pages:
            try:
                page.close()
            except Exception:
                pass
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
