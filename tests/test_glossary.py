"""课程文字的用词：术语与 docs/glossary.md 一致，课程里没有写给课程作者看的话。

检查每个笔记本的 Markdown 单元格、代码单元格（含注释）和 README；存储的文本输出单独检查
（输出里的中文来自 d2lutils 打印的文字和文档字符串）。
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# 读者不知道它们指什么：课程的来历、作者的测试机器、作者运行时遇到的情况
AUTHOR_REMARKS = ("种子课程", "本课程最初依据", "这台机器", "测试机", "我们验证过", "我们未能验证", "挂住")
# “也叫池化层”这样提一次别名是允许的（见 docs/glossary.md）
ALIAS_MARKERS = ("也叫", "也称", "又称")


def load_glossary(path: Path = GLOSSARY) -> list[tuple[str, str, tuple[str, ...]]]:
    """返回 [(中文术语, English, (不用的说法, ...)), ...]，读自术语表的 Markdown 表格。"""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 4 or cells[0] in ("中文术语", "---"):
            continue
        variants = tuple(v.strip() for v in cells[3].split("、") if v.strip())
        rows.append((cells[0], cells[1], variants))
    return rows


def _spans(text: str, word: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(re.escape(word), text)]


def find_variants(text: str, glossary) -> list[tuple[str, str, str]]:
    """text 中出现的“不用的说法”：[(不用的说法, 应当使用的术语, 上下文), ...]。

    不算：“也叫/也称/又称”之后的别名；落在应当使用的术语之内的片段（如“超参数”里的“超参”）。
    """
    found = []
    for preferred, _, variants in glossary:
        keep = [_spans(text, w) for w in re.split(r"[（）、]", preferred) if w]
        keep = [s for spans in keep for s in spans]
        for variant in variants:
            for start, end in _spans(text, variant):
                if any(text[max(0, start - len(m)):start] == m for m in ALIAS_MARKERS):
                    continue
                if any(a <= start and end <= b for a, b in keep):
                    continue
                context = text[max(0, start - 15):end + 15].replace("\n", " ")
                found.append((variant, preferred, context))
    return found


def output_text(cell) -> str:
    """代码单元格存储的文本输出（stream、text/plain、错误信息）。"""
    parts = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type == "error":
            parts.append(o.evalue)
        elif "data" in o:
            parts.append(o.data.get("text/plain", ""))
    return "\n".join(parts)


def texts(paths, outputs: bool = False):
    """逐个给出 (位置说明, 文字)：笔记本的每个单元格（或它的输出），以及 README。"""
    for path in paths:
        if path.suffix != ".ipynb":
            yield path.name, path.read_text(encoding="utf-8")
            continue
        nb = nbformat.read(path, as_version=4)
        for k, cell in enumerate(nb.cells, 1):
            where = f"{path.name} 第 {k} 个单元格（id {cell.get('id')}）"
            if outputs:
                if cell.cell_type == "code":
                    yield where + "的输出", output_text(cell)
            elif cell.cell_type in ("markdown", "code"):
                yield where, cell.source


def glossary_problems(paths, outputs: bool = False, glossary=None) -> list[str]:
    glossary = load_glossary() if glossary is None else glossary
    return [f"{where}：“{variant}”应写作“{preferred}”（…{context}…）"
            for where, text in texts(paths, outputs)
            for variant, preferred, context in find_variants(text, glossary)]


def remark_problems(paths, outputs: bool = False) -> list[str]:
    problems = []
    for where, text in texts(paths, outputs):
        for phrase in AUTHOR_REMARKS:
            for start, end in _spans(text, phrase):
                context = text[max(0, start - 15):end + 15].replace("\n", " ")
                problems.append(f"{where}：写给课程作者的话“{phrase}”，读者不知道它指什么（…{context}…）")
    return problems


LESSON_TEXT = NOTEBOOKS + [ROOT / "README.md"]


def test_glossary_lists_the_course_terms():
    glossary = {term: variants for term, _, variants in load_glossary()}
    for term in ("互相关运算", "卷积核", "特征映射", "感受野", "填充", "步幅", "汇聚层", "批量大小",
                 "小批量", "迭代周期", "通道", "全连接层", "学习率", "平移不变性", "局部性"):
        assert term in glossary, f"术语表缺少“{term}”"
    for term, banned in [("填充", "补边"), ("步幅", "步长"), ("特征映射", "特征图"), ("汇聚层", "池化层"),
                         ("批量大小", "批大小"), ("批量大小", "批次大小"), ("迭代周期", "轮次"),
                         ("迭代周期", "轮数")]:
        assert banned in glossary[term], f"术语表应把“{banned}”列为“{term}”的不用的说法"


def test_lessons_and_readme_use_the_glossary_terms():
    problems = glossary_problems(LESSON_TEXT)
    assert not problems, "\n".join(problems)


def test_stored_outputs_use_the_glossary_terms():
    problems = glossary_problems(NOTEBOOKS, outputs=True)
    assert not problems, "\n".join(problems)


def test_no_remarks_addressed_to_the_course_authors():
    problems = remark_problems(LESSON_TEXT) + remark_problems(NOTEBOOKS, outputs=True)
    assert not problems, "\n".join(problems)


def test_checks_fail_when_a_banned_variant_is_put_back(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("汇聚层（pooling layer，也叫池化层）的步幅和超参数。", id="ok"),
        nbformat.v4.new_markdown_cell("卷积层的步长为 2，输出的特征图变小。", id="md-bad"),
        nbformat.v4.new_code_cell("# 每个轮次打乱一次\nprint('批大小')", id="code-bad"),
        nbformat.v4.new_markdown_cell("这是种子课程里的例子。", id="remark"),
    ])
    cell = nb.cells[2]
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="补边之后\n")]
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nb, path)

    problems = glossary_problems([path])
    assert len(problems) == 4, problems
    assert not any("id ok" in p for p in problems)
    for cell_id, variant, preferred in [("md-bad", "步长", "步幅"), ("md-bad", "特征图", "特征映射"),
                                        ("code-bad", "轮次", "迭代周期"), ("code-bad", "批大小", "批量大小")]:
        assert any(f"99_x.ipynb 第" in p and f"id {cell_id}" in p and f"“{variant}”应写作“{preferred}”" in p
                   for p in problems), (cell_id, variant, problems)
    outputs = glossary_problems([path], outputs=True)
    assert len(outputs) == 1 and "“补边”应写作“填充”" in outputs[0] and "的输出" in outputs[0]
    remarks = remark_problems([path])
    assert len(remarks) == 1 and "id remark" in remarks[0] and "种子课程" in remarks[0]


@pytest.mark.parametrize("text,expected", [
    ("每个迭代周期", []),
    ("超参数", []),
    ("最大池化", ["池化", "最大池化"]),
    ("也称特征图", []),
    ("特征图", ["特征图"]),
])
def test_find_variants(text, expected):
    assert [v for v, _, _ in find_variants(text, load_glossary())] == expected
