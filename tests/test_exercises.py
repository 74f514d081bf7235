"""练习的测试表：每道练习的参考答案通过检查，每个典型错误答案得到针对那个错误的中文反馈。
题目只写在笔记本里：这里还检查笔记本的每道题都有检查器（lessonNN.py 里同号的练习），反过来也一样。

用例来自 d2lutils/exercises/lessonNN.py（每道练习的 reference、right 和 wrong），测试 id 写明
课、练习和第几个答案（ASCII，例如 L01-q3-wrong2、L01-q3-right1）；docs/exercises.md 按同样的 id 列出每个答案得到的反馈（由 tools/exercise_table.py 生成）。
"""

import ast
import functools
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import exercise_table  # noqa: E402

NOTEBOOKS = {re.match(r"(\d\d)_", p.name).group(1): p for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
LESSONS = exercise_table.lessons()


def _cases():
    for lesson in LESSONS:
        for ex in lesson.exercises:
            yield pytest.param(ex, None, id=exercise_table.case_id(lesson.lesson, ex, None))
            for i, case in enumerate(ex.right, 1):
                yield pytest.param(ex, case, id=exercise_table.case_id(lesson.lesson, ex, f"right{i}"))
            for i, case in enumerate(ex.wrong, 1):
                yield pytest.param(ex, case, id=exercise_table.case_id(lesson.lesson, ex, i))


@pytest.fixture(scope="module")
def table_rows():
    return exercise_table.run_cases()


@pytest.mark.parametrize("ex, case", list(_cases()))
def test_exercise_case(ex, case, table_rows):
    label = "参考答案" if case is None else case.label
    row = next(r for r in table_rows if r[1] is ex and r[2] == label)
    status, message = row[4], row[5]
    if case is None or case in ex.right:
        assert status == "pass", f"正确答案“{label}”没有通过：{message}"
        assert not case or case.expect in message, f"反馈里没有“{case.expect}”：{message}"
    else:
        assert status == "fail", f"错误答案“{label}”竟然通过了检查"
        assert case.expect in message, f"反馈里没有“{case.expect}”：{message}"


def test_every_exercise_has_a_typical_wrong_answer():
    missing = [f"{l.lesson}-q{e.number}" for l in LESSONS for e in l.exercises if not e.wrong]
    assert not missing


TABLE_COMPLETE = {f"{n:02d}" for n in range(1, 11)}  # 全部十课


def test_table_has_three_correct_and_two_wrong_answers_per_exercise():
    """参考答案加至少 2 个别的正确写法（别的类型、别的写法），至少 2 个典型错误答案。"""
    thin = [f"{l.lesson}-q{e.number}（正确 {1 + len(e.right)}，错误 {len(e.wrong)}）"
            for l in LESSONS if l.lesson in TABLE_COMPLETE for e in l.exercises
            if len(e.right) < 2 or len(e.wrong) < 2]
    assert not thin, "这些练习的用例不够：" + "、".join(thin)


def test_no_feedback_contains_a_raw_traceback(table_rows):
    raw = [r[6] for r in table_rows if "Traceback" in r[5] or 'File "' in r[5]]
    assert not raw, f"这些用例的反馈里有原始的 traceback：{raw}"


def test_docs_table_is_current(table_rows):
    text = exercise_table.render(table_rows)
    assert exercise_table.TABLE.read_text(encoding="utf-8") == text, \
        "docs/exercises.md 不是最新的：运行 python tools/exercise_table.py"


def test_unanswered_placeholder_is_reported_not_raised():
    ex = LESSONS[0].exercises[0]
    status, message = ex.evaluate([...] * len(ex.names))
    assert status == "empty" and "还没有作答" in message


@pytest.mark.parametrize("lesson", LESSONS, ids=[f"L{l.lesson}" for l in LESSONS])
def test_notebook_has_every_check_in_unanswered_state(lesson):
    nb = nbformat.read(NOTEBOOKS[lesson.lesson], as_version=4)
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert f"from d2lutils.exercises import lesson{lesson.lesson} as ex" in sources
    outputs = {c.source.splitlines()[-1]: "".join(o.get("text", "") for o in c.outputs)
               for c in nb.cells if c.cell_type == "code" and c.source}
    for ex in lesson.exercises:
        line = f"ex.q{ex.number}.check()"
        assert line in outputs, f"第 {lesson.lesson} 课缺少 {line}"
        assert "还没有作答" in outputs[line], f"{line} 存储的不是未作答状态：{outputs[line]!r}"
    assert f"0/{len(lesson.exercises)} 道通过" in outputs["ex.progress()"]


QUESTION = re.compile(r"\*\*练习 (\d+)\*\*（([^）]*)）")   # 题目单元格的开头：**练习 K**（标题）
CHECK = re.compile(r"ex\.q(\d+)\.check\(\)")


@functools.cache
def _exercise_section(lesson: str) -> list:
    """从“## 练习”到末尾的单元格。"""
    cells = nbformat.read(NOTEBOOKS[lesson], as_version=4).cells
    start = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and re.match(r"## 练习", c.source))
    return cells[start:]


def _assigned(tree: ast.AST) -> set:
    """一个单元格在笔记本的全局作用域里赋值的名字（赋值、def、import；不进函数体）。"""
    names = set()
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        if not isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            names |= _assigned(node)
    return names


@pytest.mark.parametrize("lesson", LESSONS, ids=[f"L{l.lesson}" for l in LESSONS])
def test_every_question_has_a_checker_and_every_checker_a_question(lesson):
    """题目单元格（**练习 K**（标题））按 1..n 编号，与 lessonNN.py 的练习一一对应、标题相同；
    每道题下面（到下一道题为止）恰好一个作答单元格以 ex.qK.check() 结尾，并赋值了检查要读的每个变量。"""
    where = f"{NOTEBOOKS[lesson.lesson].name}"
    section = _exercise_section(lesson.lesson)
    starts = [i for i, c in enumerate(section) if c.cell_type == "markdown" and QUESTION.match(c.source)]
    found = [QUESTION.match(section[i].source).groups() for i in starts]
    numbers = [int(k) for k, _ in found]
    assert numbers == list(range(1, len(numbers) + 1)), f"{where} 的题目没有按 1..n 编号：{numbers}"
    checkers = [ex.number for ex in lesson.exercises]
    assert checkers == list(range(1, len(checkers) + 1)), f"lesson{lesson.lesson}.py 的练习没有按 1..n 编号：{checkers}"
    assert numbers == checkers, (f"{where} 的题目 {numbers} 与 lesson{lesson.lesson}.py 的检查器 {checkers} 对不上："
                                 "每道题都要有同号的检查器，每个检查器都要有题目")
    for ex, (_, title), begin, end in zip(lesson.exercises, found, starts, starts[1:] + [len(section)]):
        assert title == ex.title, f"{where} 练习 {ex.number} 的标题“{title}”与检查器的 title“{ex.title}”不同"
        answers = [c for c in section[begin + 1:end] if c.cell_type == "code"
                   and c.source.strip() and CHECK.fullmatch(c.source.strip().splitlines()[-1])]
        lines = [c.source.strip().splitlines()[-1] for c in answers]
        assert lines == [f"ex.q{ex.number}.check()"], \
            f"{where} 练习 {ex.number} 下面应恰好有一个以 ex.q{ex.number}.check() 结尾的作答单元格，实际：{lines}"
        missing = set(ex.names) - _assigned(ast.parse(answers[0].source))
        assert not missing, f"{where} 练习 {ex.number} 的作答单元格没有给检查要读的 {sorted(missing)} 赋值"


@pytest.mark.parametrize("lesson", LESSONS, ids=[f"L{l.lesson}" for l in LESSONS])
def test_exercise_text_has_no_line_break_inside_a_chinese_sentence(lesson):
    """Markdown 把换行显示成空格，汉字之间就多出空格：练习部分的说明和题目里中文句子不换行。"""
    texts = [c.source for c in _exercise_section(lesson.lesson) if c.cell_type == "markdown"]
    broken = [t[:40] for t in texts if re.search(r"[\u4e00-\u9fff，。：；、（）]\n[\u4e00-\u9fff（]", t)]
    assert not broken
