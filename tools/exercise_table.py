"""生成（或检查）练习的测试表 docs/exercises.md：每道练习的参考答案、其他正确写法和试过的典型错误答案，
以及每个答案得到的反馈。表里的反馈是真正运行检查得到的（tests/test_exercises.py 逐条断言）。

用法：python tools/exercise_table.py          # 重写 docs/exercises.md
      python tools/exercise_table.py --check  # 只检查它是否最新
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "exercises.md"
LESSONS = sorted(p.stem[len("lesson"):] for p in (ROOT / "d2lutils" / "exercises").glob("lesson*.py"))


def lessons():
    return [importlib.import_module(f"d2lutils.exercises.lesson{n}").LESSON for n in LESSONS]


def case_id(lesson: str, ex, index) -> str:
    """测试 id：L01-q3-ref 是参考答案，L01-q3-wrong2 是第 2 个典型错误答案，L01-q3-right1 是第 1 个其他正确写法。"""
    if isinstance(index, str):
        return f"L{lesson}-q{ex.number}-{index}"
    return f"L{lesson}-q{ex.number}-" + ("ref" if index is None else f"wrong{index}")


def run_cases():
    """对每道练习运行参考答案、每个其他正确写法和每个典型错误答案，返回 (课, 练习, 标签, 期望片段, 状态, 反馈, 测试 id) 的列表。"""
    rows = []
    for lesson in lessons():
        for ex in lesson.exercises:
            ctx = ex.test_context() if ex.test_context else {}
            status, message = ex.evaluate(ex.reference(), ctx)
            rows.append((lesson.lesson, ex, "参考答案", "正确", status, message, case_id(lesson.lesson, ex, None)))
            for i, case in enumerate(ex.right, 1):
                status, message = ex.evaluate(case.make(), ctx)
                rows.append((lesson.lesson, ex, case.label, case.expect or "正确", status, message,
                             case_id(lesson.lesson, ex, f"right{i}")))
            for i, case in enumerate(ex.wrong, 1):
                status, message = ex.evaluate(case.make(), ctx)
                rows.append((lesson.lesson, ex, case.label, case.expect, status, message,
                             case_id(lesson.lesson, ex, i)))
    return rows


def render(rows) -> str:
    out = ["# 练习的测试表",
           "",
           "由 `tools/exercise_table.py` 根据 `d2lutils/exercises/lessonNN.py` 生成，不要手改；"
           "`tests/test_exercises.py` 断言每一行（参考答案和其他正确写法通过，每个典型错误答案得到含“期望片段”的反馈），"
           "并检查本文件是最新的。`tests/test_exercise_near_miss.py` 另外把每个参考答案改动一点点"
           "（整数 ±1、形状换序、翻转、转置、取负），断言都不通过。",
           ""]
    counts = {}
    for lesson, ex, *_ in rows:
        counts.setdefault(lesson, set()).add(ex.number)
    out.append("| 课 | 练习数 |")
    out.append("|---|---|")
    for lesson, numbers in counts.items():
        out.append(f"| {lesson} | {len(numbers)} |")
    out.append(f"| 合计 | {sum(len(v) for v in counts.values())} |")
    out += ["", f"共 {len(rows)} 个用例：每道练习的参考答案和其他正确写法（应通过），"
                "以及每个典型错误答案（应不通过，且反馈含期望片段）。"]
    current = None
    for lesson, ex, label, expect, status, message, test_id in rows:
        if lesson != current:
            current = lesson
            out += ["", f"## 第 {lesson} 课", "",
                    "| 测试 id | 练习 | 试过的答案 | 结果 | 反馈（第一行） |", "|---|---|---|---|---|"]
        first = message.splitlines()[0].replace("|", "\\|")
        out.append(f"| `{test_id}` | {ex.number}. {ex.title} | {label} | {status} | {first} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    text = render(run_cases())
    if "--check" in sys.argv:
        if not TABLE.exists() or TABLE.read_text(encoding="utf-8") != text:
            sys.exit("docs/exercises.md 不是最新的：运行 python tools/exercise_table.py 重新生成。")
    else:
        TABLE.parent.mkdir(exist_ok=True)
        TABLE.write_text(text, encoding="utf-8")
        print(f"写入 {TABLE.relative_to(ROOT)}：{len(rows := text.splitlines())} 行")
