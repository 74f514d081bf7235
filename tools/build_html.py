"""把每个笔记本连同存储的输出（不重新运行）渲染成静态网页：阅读版。

用法（在课程环境里；``./course.sh html`` 调用它）：
    python tools/build_html.py               # 生成到 _site/
    python tools/build_html.py --out DIR     # 生成到 DIR

生成 ``index.html``（课程目录：课号和中文课名，课名取自每个笔记本的第一个标题）
和每课一页 ``NN_topic.html``（图嵌在页面里，页首有返回目录的链接）。
Colab 设置单元格只在 Colab 上有用，阅读版里省略；Colab 徽章（一张外链图片）换成文字链接。

阅读版不从任何 CDN 载入东西：公式在生成时由 latex2mathml 转成 MathML（浏览器原生排版），
页面模板 tools/html_template/lab_offline/ 去掉了 nbconvert 默认从 CDN 载入的
require.js、MathJax 和 Mermaid。所以离线或 CDN 被屏蔽时页面也一样。
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

import nbformat
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = Path(__file__).resolve().parent / "html_template"

# Markdown 里不转换的部分：围栏代码块和行内代码；其余部分里的 $$...$$（独立公式）和 $...$（行内公式）
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)


def math_to_mathml(markdown: str) -> str:
    """把 Markdown 中的 LaTeX 公式换成 MathML 标签（代码里的 $ 不动）。"""
    def one(m: re.Match) -> str:
        display = m.group(1) is not None
        tex = (m.group(1) if display else m.group(2)).strip()
        mathml = latex_to_mathml(tex, display="block" if display else "inline")
        return f"\n\n{mathml}\n\n" if display else mathml

    parts = _CODE.split(markdown)
    return "".join(part if i % 2 else _MATH.sub(one, part) for i, part in enumerate(parts))


def title_of(nb: nbformat.NotebookNode) -> str:
    """笔记本的中文课名：第一个单元格的一级标题。"""
    first = nb.cells[0].source.strip().splitlines()[0] if nb.cells else ""
    if not first.startswith("# "):
        raise ValueError("笔记本的第一个单元格应以一级标题（# 课名）开头")
    return first[2:].strip()


def course_title() -> str:
    """课程名：README 的一级标题。"""
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return "课程"


def render_lesson(exporter: HTMLExporter, nb: nbformat.NotebookNode, title: str) -> str:
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if c.metadata.get("course_header") != "setup"]
    for cell in nb.cells:
        if cell.metadata.get("course_header") == "badge":  # 外链图片换成文字链接：页面不发出请求
            cell.source = re.sub(r"\[!\[[^\]]*\]\([^)]*\)\]\(([^)]*)\)", r"[在 Colab 中打开](\1)", cell.source)
        elif cell.cell_type == "markdown":
            cell.source = math_to_mathml(cell.source)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    nav = ('<nav style="max-width:1100px;margin:1em auto;padding:0 1em;font-size:15px">'
           '<a href="index.html">← 返回课程目录</a></nav>')
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, body, count=1)


def render_index(lessons: list[tuple[str, str, str]]) -> str:
    name = html.escape(course_title())
    rows = "\n".join(
        f'<tr><td>{html.escape(num)}</td><td><a href="{html.escape(page)}">{html.escape(title)}</a></td></tr>'
        for num, page, title in lessons)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name}</title>
<style>
body {{ font-family: sans-serif; max-width: 800px; margin: 2em auto; padding: 0 1em; line-height: 1.6; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .4em .6em; text-align: left; }}
</style></head>
<body>
<h1>{name}</h1>
<p>阅读版：每一课连同它存储的运行结果，不需要运行任何东西。想动手运行，请看仓库的 README。</p>
<table>
<thead><tr><th>课</th><th>内容</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""


def build(out: Path, notebooks: list[Path] | None = None) -> list[Path]:
    """生成阅读版网站到 ``out``，返回写出的文件列表。"""
    notebooks = notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    out.mkdir(parents=True, exist_ok=True)
    # 阅读版省略了 Colab 设置单元格，执行编号会从 2 开始，所以不显示 In [n] / Out[n]
    exporter = HTMLExporter(template_name="lab_offline", extra_template_basedirs=[str(TEMPLATE_DIR)],
                            exclude_input_prompt=True, exclude_output_prompt=True)
    lessons, written = [], []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        title = title_of(nb)
        page = path.with_suffix(".html").name
        (out / page).write_text(render_lesson(exporter, nb, title), encoding="utf-8")
        lessons.append((path.name.split("_", 1)[0], page, title))
        written.append(out / page)
    (out / "index.html").write_text(render_index(lessons), encoding="utf-8")
    written.append(out / "index.html")
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_site")
    parser.add_argument("notebooks", nargs="*", type=Path, help="只渲染这些笔记本（默认全部）")
    args = parser.parse_args(argv)
    written = build(args.out, args.notebooks or None)
    print(f"已生成阅读版：{args.out / 'index.html'}（共 {len(written) - 1} 课）")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
