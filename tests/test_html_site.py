"""阅读版（./course.sh html）：每课一页，有中文课名、存储的图和返回目录的链接；目录列出每一课。"""

import html
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_spec = importlib.util.spec_from_file_location("build_html", ROOT / "tools" / "build_html.py")
build_html = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_html)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    build_html.build(out)
    return out


def image_outputs(nb) -> int:
    return sum(1 for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if {"image/png", "image/jpeg"} & set(o.get("data", {})))


@pytest.mark.full  # 构建整个阅读版（nbconvert）：COURSE_FULL=1 时运行
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_lesson_page_has_title_figures_and_way_back(site, path):
    nb = nbformat.read(path, as_version=4)
    title = build_html.title_of(nb)
    page = (site / path.with_suffix(".html").name).read_text(encoding="utf-8")
    assert f"<title>{html.escape(title)}</title>" in page
    assert re.search(r"<h1[^>]*>" + re.escape(html.escape(title)), page)
    embedded = len(re.findall(r'<img[^>]*src="data:image/(?:png|jpeg);base64,', page))
    assert embedded == image_outputs(nb)
    assert 'href="index.html"' in page
    assert "USE_GPU" not in page  # Colab 设置单元格不出现在阅读版里


@pytest.mark.full  # 构建整个阅读版（nbconvert）：COURSE_FULL=1 时运行
def test_index_lists_every_lesson_in_order(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', index)
    assert links == [(p.with_suffix(".html").name, html.escape(build_html.title_of(nbformat.read(p, as_version=4))))
                     for p in NOTEBOOKS]


@pytest.mark.full  # 构建整个阅读版（nbconvert）：COURSE_FULL=1 时运行
def test_lesson_01_shows_its_heatmap(site):
    nb = nbformat.read(ROOT / "notebooks" / "01_corr2d.ipynb", as_version=4)
    assert image_outputs(nb) >= 1  # 上面的计数比较不是 0 == 0
    page = (site / "01_corr2d.html").read_text(encoding="utf-8")
    assert "[[19. 25.]" in page  # 存储的文本输出也在页面里


# ---- 阅读版不依赖 CDN：公式在生成时转成 MathML，页面离线打开时不发出任何请求 ----

@pytest.mark.full  # 构建整个阅读版（nbconvert）：COURSE_FULL=1 时运行
def test_formulas_are_mathml_and_no_page_loads_anything_from_outside(site):
    for page in sorted(site.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert "mathjax" not in text.lower(), page.name
        # 页面里可以有指向外部的链接（<a href>），但不能有要载入的外部资源
        loads = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(https?:[^"]+)"', text)
        assert loads == [], (page.name, loads[:3])
    assert "<math" in (site / "01_corr2d.html").read_text(encoding="utf-8")


def test_math_to_mathml_leaves_code_alone():
    md = "设 $n_h \\times n_w$，代码 `x = '$a$'`：\n\n$$Y = X \\star K$$\n\n```python\nprint('$b$')\n```"
    out = build_html.math_to_mathml(md)
    assert out.count("<math") == 2 and 'display="block"' in out
    assert "`x = '$a$'`" in out and "print('$b$')" in out


@pytest.mark.full  # 构建整个阅读版（nbconvert）：COURSE_FULL=1 时运行
def test_lesson_page_in_headless_chromium_offline(site, tmp_path):
    """真实浏览器（无网络）打开第 01 课：公式排版成 MathML、页面上没有 $...$ 原文、没有对外请求。"""
    from browser import Chromium, find_chromium

    if find_chromium() is None:
        pytest.skip("没有找到 Chromium（Debian：apt-get install chromium）：跳过阅读版的浏览器测试")
    with Chromium(tmp_path / "profile") as browser:
        page = browser.new_page()
        page.send("Network.enable")
        page.send("Network.emulateNetworkConditions", offline=True, latency=0,
                  downloadThroughput=-1, uploadThroughput=-1)
        page.navigate((site / "01_corr2d.html").as_uri())
        state = page.evaluate("""(() => {
            const maths = [...document.querySelectorAll('math')];
            const body = document.body.innerText;
            return {maths: maths.length,
                    rendered: maths.filter(m => m.getBoundingClientRect().width > 0).length,
                    dollars: (body.match(/\\$[^$\\n]{1,80}\\$/g) || []).length};
        })()""")
        shot = page.screenshot(tmp_path / "01_corr2d.png")
        requests = [url for url in page.requested_urls() if not url.startswith(("file:", "data:"))]
    assert state["maths"] >= 10 and state["rendered"] == state["maths"], state
    assert state["dollars"] == 0, state
    assert requests == []
    assert shot.stat().st_size > 20_000  # 一张真正画出内容的截图，不是空白页
