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


def test_index_lists_every_lesson_in_order(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', index)
    assert links == [(p.with_suffix(".html").name, html.escape(build_html.title_of(nbformat.read(p, as_version=4))))
                     for p in NOTEBOOKS]


def test_lesson_01_shows_its_heatmap(site):
    nb = nbformat.read(ROOT / "notebooks" / "01_corr2d.ipynb", as_version=4)
    assert image_outputs(nb) >= 1  # 上面的计数比较不是 0 == 0
    page = (site / "01_corr2d.html").read_text(encoding="utf-8")
    assert "[[19. 25.]" in page  # 存储的文本输出也在页面里
