"""README 是课程的入口：短（≤ 100 行），两条命令在第一屏，课程目录列出 notebooks/ 下的每一课；
README 和 docs/ 等文档里的相对链接（连同 #锚点）都指向存在的文件和标题。"""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = [README, ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md", ROOT / "benchmarks" / "README.md",
        *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^()\s]+)\)")


def test_lesson_table_lists_every_notebook():
    readme = README.read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((notebooks/[^)]+\.ipynb)\)", readme))
    present = {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert linked == present


def test_readme_is_short_and_gives_the_two_commands_on_the_first_screen():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 100
    first_screen = "\n".join(lines[:40])
    assert "./course.sh lab" in first_screen and "./course.sh test" in first_screen
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == ["## 课程目录", "## 在线运行", "## 本地运行", "## 练习", "## English summary", "## 更多"]


def test_readme_badge_opens_the_repository_of_pyproject():
    spec = importlib.util.spec_from_file_location("notebook_headers", ROOT / "tools" / "notebook_headers.py")
    headers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(headers)
    owner, name = headers.repository()
    badge = f"(https://colab.research.google.com/github/{owner}/{name}/blob/main/notebooks/01_corr2d.ipynb)"
    assert badge in README.read_text(encoding="utf-8")


def anchor(heading: str) -> str:
    """GitHub 给标题生成的锚点：小写，去掉标点（保留字母、数字、汉字、- 和空格），空格换成 -。"""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {anchor(m) for m in re.findall(r"^#+ (.+)$", text, re.M)}


@pytest.mark.parametrize("doc", DOCS, ids=[str(p.relative_to(ROOT)) for p in DOCS])
def test_relative_links_resolve(doc):
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    bad = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # https:、mailto: 等外部地址
        file, _, fragment = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.exists():
            bad.append(f"{target}：没有这个文件")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            bad.append(f"{target}：{path.name} 里没有这个标题")
    assert bad == [], f"{doc.relative_to(ROOT)} 的链接指向不存在的地方：{bad}"


def test_no_reference_to_a_file_the_repository_does_not_have():
    # 维护者的笔记不在仓库里：注释和文档引用的事实写在 docs/maintainers.md
    missing = "FACTS" + ".md"
    places = [p for p in [*ROOT.glob("*.md"), *ROOT.glob("*.sh"), *ROOT.glob("docs/*.md"), *ROOT.glob("tools/*.py"),
                          *ROOT.glob("tests/*.py"), *ROOT.glob("d2lutils/**/*.py"), *ROOT.glob("benchmarks/*")]
              if p.is_file() and missing in p.read_text(encoding="utf-8", errors="replace")]
    assert places == []
