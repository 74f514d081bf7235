"""按 d2lutils/exercises/lessonNN.py 的定义重写笔记本的“练习”部分（从“## 练习”到末尾）。

用法：python tools/exercise_cells.py notebooks/01_corr2d.ipynb [...]
- 小结和练习若在同一个 Markdown 单元格里，拆开：原单元格（原 id）只留小结；
- 练习部分：说明、导入、每道题一个题目单元格和一个作答单元格（占位符 ... 加 ex.qN.check()）、进度；
- 旧的答案单元格的 id 依次给新的作答单元格，其余新单元格的 id 以 "ex-" 开头；
- 只改单元格的源码，不动输出：之后用 ./course.sh regen 重新运行。
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import nbformat

INTRO = ("## 练习\n\n"
         "每道题下面有一个作答单元格：把 `...` 换成你的答案（要求预测的题，先写下预测，再动手验证），"
         "然后运行这个单元格，最后一行的 `ex.qN.check()` 会用中文告诉你对不对、错在哪里。"
         "卡住了可以运行 `ex.qN.hint()` 看提示，`ex.qN.solution()` 看参考答案（开放题附参考讨论）。"
         "本节最后的 `ex.progress()` 列出本课哪些练习已经通过。检查在本机进行，不需要网络或账号。")
# 中文句子里不换行：Markdown 会把换行显示成空格，汉字之间就多出空格

PROGRESS = "任何时候都可以看看本课的练习做到哪里了（它按作答单元格里现在的答案重新检查每一道题）："


def rewrite(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    num = re.match(r"(\d\d)_", path.name).group(1)
    lesson = importlib.import_module(f"d2lutils.exercises.lesson{num}").LESSON
    prefix = f"ex-{num}-"
    start = next(i for i, c in enumerate(nb.cells)
                 if c.cell_type == "markdown" and re.search(r"^## 练习", c.source, re.M))
    head = nb.cells[start]
    old_ids = [c.id for c in nb.cells[start + 1:] if c.cell_type == "code" and not c.id.startswith(prefix)]
    old_ids += [c.id for c in nb.cells[start + 1:] if c.id.startswith(prefix + "a")]
    if head.id.startswith(prefix):            # 已经拆开过：从说明单元格开始重写
        cells = nb.cells[:start]
    else:                                     # 小结和练习在一起：原单元格只留小结
        summary = head.source[:re.search(r"^## 练习", head.source, re.M).start()].rstrip()
        if summary:
            head.source = summary
            cells = nb.cells[:start + 1]
        else:
            cells = nb.cells[:start]
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    new = [md(INTRO, id=prefix + "intro"),
           code(f"from d2lutils.exercises import lesson{num} as ex", id=prefix + "import")]
    for k, ex in enumerate(lesson.exercises):
        answer_id = old_ids[k] if k < len(old_ids) else f"{prefix}a{ex.number}"
        new.append(md(f"**练习 {ex.number}**（{ex.title}）　{ex.question}", id=f"{prefix}q{ex.number}"))
        gap = "\n\n" if "return ..." in ex.template else "\n"   # 函数模板后空一行
        new.append(code(ex.template.rstrip("\n") + gap + f"ex.q{ex.number}.check()", id=answer_id))
    new += [md(PROGRESS, id=prefix + "progress-text"), code("ex.progress()", id=prefix + "progress")]
    nb.cells = cells + new
    nbformat.validate(nb)
    nbformat.write(nb, path)
    print(f"{path.name}：{len(lesson.exercises)} 道练习")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        rewrite(Path(arg))
