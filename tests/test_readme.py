"""README 是课程的入口：它的课程目录必须列出 notebooks/ 下的每一课，且链接都指向存在的文件。"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_lesson_table_lists_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((notebooks/[^)]+\.ipynb)\)", readme))
    present = {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert linked == present


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./course.sh lab" in readme and "./course.sh test" in readme
