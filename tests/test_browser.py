"""真实浏览器里的第 01 课：无界面的 Chromium 打开 JupyterLab，第一屏没有通知盖住课程；
像学习者一样按“运行全部”，每个代码单元格按顺序运行、没有一个出错；再改动探索器的控件，图必须跟着变。

服务器的启动方式与 README 的 ``./course.sh lab`` 相同（载入同样的 tools/jupyter/ 设置、带令牌、随机端口、
root 时 --allow-root），只是根目录换成临时目录里的副本（清掉了输出，像还没运行过的课）：JupyterLab 会自动保存它打开的笔记本，
不能让它改动仓库里的课。另加 ``--LabApp.expose_app_in_browser=True``（JupyterLab 自己的界面测试
也这样做），好在页面里调用 JupyterLab 的命令。浏览器由 tests/browser.py 启动，通过 DevTools 协议驱动。

副本的末尾加上第 06、08 课的探索器单元格（原样取自课程），也拨动它们的滑块和按钮，确认三个探索器都会重画。
没有安装 Chromium 时跳过（Debian：apt-get install chromium），跳过的原因会列在测试结果的末尾。
设置 COURSE_SCREENSHOTS=目录 时把第一屏和改动前后的截图存到那里。
"""

import base64
import json
import os
import time
from pathlib import Path

import nbformat
import pytest

from browser import Chromium, find_chromium
from test_jupyter_server import ROOT, Server

# 这个测试属于 README 的测试命令（不标 full）：没有浏览器时跳过，并在测试结果末尾写明原因
pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="没有安装 Chromium 浏览器（Debian：apt-get install chromium），跳过真实浏览器测试")


class Browser:
    """tests/browser.py 的一个标签页，加上等待条件和按元素截图。"""

    def __init__(self, page):
        self.page = page
        page.timeout = 180  # 运行整课可能要一两分钟（机器忙时）
        page.ws.settimeout(180)

    def send(self, method, **params):
        return self.page.send(method, **params)

    def js(self, expression):
        return self.page.evaluate(expression)

    def wait_for(self, expression, what, limit=60):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.05)
        raise TimeoutError(f"{limit} 秒内没有等到：{what}")

    def screenshot(self, path: Path, selector: str):
        self.js(f"document.querySelector({json.dumps(selector)}).scrollIntoView()")
        rect = self.js(f"(() => {{const r = document.querySelector({json.dumps(selector)})"
                       f".getBoundingClientRect(); return [r.x, r.y, r.width, r.height];}})()")
        clip = dict(zip(("x", "y", "width", "height"), rect), scale=1)
        data = self.send("Page.captureScreenshot", format="png", clip=clip)["data"]
        path.write_bytes(base64.b64decode(data))


# 页面里的辅助函数：第 n 个探索器的输出区域、它的图（像素内容）和说明文字
HELPERS = """
window.explorer = n => document.querySelectorAll('.jp-OutputArea-output .widget-vbox')[n];
window.pixels = n => { const img = explorer(n).querySelector('img');
  if (!img || !img.complete || !img.naturalWidth) return null;
  const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
  c.getContext('2d').drawImage(img, 0, 0); return c.toDataURL(); };
window.label = n => explorer(n).querySelector('.widget-html-content').textContent;
"""


# 盖在页面上的通知（JupyterLab 用 react-toastify 显示它们），例如“要不要接收 Jupyter 新闻？”
TOASTS = "[...document.querySelectorAll('.Toastify__toast')].map(t => t.textContent)"


def open_and_run(browser, server, name, n_explorers, shots=None):
    browser.send("Page.navigate", url=f"{server.base}/lab/tree/{name}?token={server.token}")
    # 无界面的浏览器没有焦点，shell.currentWidget 为空：按文件名在主区域里找笔记本
    browser.wait_for("!!window.jupyterapp", "JupyterLab 载入", limit=90)
    browser.js(f"window.panel = () => Array.from(jupyterapp.shell.widgets('main'))"
               f".find(w => w.context && w.context.path === {json.dumps(name)});")
    browser.wait_for("!!(panel() && panel().sessionContext.session && panel().sessionContext.session.kernel"
                     " && panel().sessionContext.session.kernel.status === 'idle')",
                     f"JupyterLab 打开 {name} 并启动内核", limit=90)
    browser.js("jupyterapp.shell.activateById(panel().id)")
    # 第一屏就是这一课：没有通知盖住它。课程的设置（tools/jupyter/labconfig）让 JupyterLab 不问新闻；
    # 核对设置确实生效（通知在 JupyterLab 载入设置之后才会弹出，内核空闲时早已载入）
    fetch_news = browser.js("jupyterapp.serviceManager.settings.fetch('@jupyterlab/apputils-extension:notification')"
                            ".then(s => s.schema.properties.fetchNews.default)")  # 课程的设置改的是默认值
    assert fetch_news == "false", f"课程的 JupyterLab 设置没有生效：fetchNews = {fetch_news!r}"
    if shots:
        browser.page.screenshot(shots / "first-screen.png")
    assert browser.js(TOASTS) == [], f"第一屏有通知盖住课程：{browser.js(TOASTS)}"
    # 像学习者一样按“运行全部”（Run All）。预期中的错误由 d2lutils.expect_error 显示，单元格本身不出错，
    # 所以 JupyterLab（以及不认识单元格标记、遇到错误就停下的 Colab）都一直运行到最后一个单元格
    n_code = browser.js("panel().content.widgets.filter(c => c.model.type === 'code').length")
    browser.js("jupyterapp.commands.execute('notebook:run-all-cells')")
    browser.wait_for("panel().content.widgets.filter(c => c.model.type === 'code')"
                     ".every(c => c.model.executionCount !== null)"
                     " && panel().sessionContext.session.kernel.status === 'idle'",
                     f"“运行全部”运行完 {name} 的 {n_code} 个代码单元格", limit=180)
    cells = browser.js("panel().content.widgets.filter(c => c.model.type === 'code').map(c => ["
                       " c.model.executionCount,"
                       " c.model.outputs.toJSON().filter(o => o.output_type === 'error').map(o => o.ename)])")
    assert [count for count, _ in cells] == list(range(1, n_code + 1)), f"{name} 没有按顺序运行每个单元格：{cells}"
    assert [errors for _, errors in cells if errors] == [], f"{name} 有单元格出错：{cells}"
    browser.js(HELPERS)
    browser.wait_for(f"document.querySelectorAll('.jp-OutputArea-output .widget-vbox').length === {n_explorers}"
                     f" && [...Array({n_explorers}).keys()].every(i => pixels(i))",
                     f"{name} 的探索器显示出控件和图")


def change_and_check(browser, n, action, expect_label, shots, shot_name):
    """在第 n 个探索器上做 action（页面里的脚本），等图的像素变化，检查说明文字。"""
    before = browser.js(f"pixels({n})")
    if shots:
        browser.js(f"explorer({n}).id = 'explorer-{n}'")
        browser.screenshot(shots / f"{shot_name}-before.png", f"#explorer-{n}")
    action()
    browser.wait_for(f"pixels({n}) && pixels({n}) !== {json.dumps(before)}",
                     f"第 {n} 个探索器改动控件后重画", limit=30)
    assert expect_label in browser.js(f"label({n})")
    if shots:
        browser.screenshot(shots / f"{shot_name}-after.png", f"#explorer-{n}")


def test_explorers_respond_in_jupyterlab(tmp_path):
    root = tmp_path / "lessons"
    root.mkdir()
    # 第 01 课的副本，末尾加上第 06、08 课的探索器单元格（原样取自课程）：一次载入、一个内核
    nb = nbformat.read(ROOT / "notebooks" / "01_corr2d.ipynb", as_version=4)
    for name in ("06_padding_stride", "08_pooling"):
        cells = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4).cells
        nb.cells.append(nbformat.v4.new_code_cell(
            next(c.source for c in cells if c.get("id", "").startswith("explore-") and c.cell_type == "code")))
    for cell in nb.cells:  # 像刚下载、还没运行过的课：没有输出、没有执行编号
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, root / "01_corr2d.ipynb")
    shots = Path(os.environ["COURSE_SCREENSHOTS"]) if os.environ.get("COURSE_SCREENSHOTS") else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)

    server = Server(tmp_path, root_dir=root, extra=["--LabApp.expose_app_in_browser=True"], course_config=True)
    try:
        with Chromium(tmp_path / "chromium-profile") as chromium:  # 浏览器与服务器同时启动
            browser = Browser(chromium.new_page())
            server.wait_ready()
            # 浏览器还在启动、载入 JupyterLab 时就为这一课开好内核（REST 接口的会话）：JupyterLab 打开笔记本时
            # 连上同一路径已有的会话，不再等内核启动
            server.request("POST", "/api/sessions", {"path": "01_corr2d.ipynb", "type": "notebook", "name": "",
                                                    "kernel": {"name": "python3"}})
            check_explorers(browser, server, shots)
    finally:
        server.stop()


def check_explorers(browser, server, shots):
    open_and_run(browser, server, "01_corr2d.ipynb", 3, shots)
    # 第 01 课：把卷积核换成“锐化”
    assert "[1, -1]" in browser.js("label(0)")
    change_and_check(browser, 0, lambda: browser.js(
        "(() => { const s = [...explorer(0).querySelectorAll('select')].find("
        "  s => [...s.options].some(o => o.text === '锐化'));"
        " s.selectedIndex = [...s.options].findIndex(o => o.text === '锐化');"
        " s.dispatchEvent(new Event('change', {bubbles: true})); })()"),
        "锐化", shots, "lesson01-kernel")

    # 第 06 课：用键盘把步幅滑块向右拨一格
    def press_right():
        browser.js("explorer(1).querySelectorAll('.widget-slider')[3].querySelector('.noUi-handle').focus()")
        for kind in ("keyDown", "keyUp"):
            browser.send("Input.dispatchKeyEvent", type=kind, key="ArrowRight", code="ArrowRight",
                         windowsVirtualKeyCode=39)
    change_and_check(browser, 1, press_right, "步幅 3", shots, "lesson06-stride")
    # 第 08 课：切换到平均汇聚
    change_and_check(browser, 2, lambda: browser.js(
        "[...explorer(2).querySelectorAll('button')].find(b => b.textContent === '平均汇聚').click()"),
        "平均汇聚", shots, "lesson08-mode")
