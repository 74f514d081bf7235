"""学习者自己的课程副本 my-notebooks/：git 不跟踪它，测试也不用它。

    python tools/workspace.py sync          # ./course.sh lab 启动前运行：建立或更新副本
    python tools/workspace.py reset 03 ...  # ./course.sh reset 03：把一课换回课程的原始版本

副本第一次使用时从 notebooks/ 复制。my-notebooks/.course-manifest.json 记下每个副本
来自哪个原始版本（原始文件的 sha256）和复制时单元格内容的指纹，于是能分清两件事：
课程更新了这一课（原始文件的 sha256 变了），学习者改过这一课（副本的单元格内容变了）。
只有学习者没改过的副本才会自动换成新版本；改过的副本保持不动，并提示如何换成新版本。
运行单元格产生的输出、JupyterLab 写入的元数据不算“改过”：它们随时可以重新生成。
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = "my-notebooks"
MANIFEST = ".course-manifest.json"
BACKUPS = "backups"


def say(msg: str) -> None:
    print(f"[course] {msg}", file=sys.stderr)


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def content_fingerprint(path: Path) -> str | None:
    """单元格的类型和源代码的指纹（不含输出和元数据）；文件无法解析时返回 None。"""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [[c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"]]
                 for c in nb["cells"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


class Workspace:
    def __init__(self, root: Path = ROOT):
        self.originals = root / "notebooks"
        self.dir = root / WORKDIR
        self.manifest_path = self.dir / MANIFEST
        try:
            self.manifest: dict = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.manifest = {}

    def lessons(self) -> list[Path]:
        return sorted(self.originals.glob("*.ipynb"))

    def _save_manifest(self) -> None:
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.manifest_path)

    def _copy(self, original: Path) -> None:
        shutil.copyfile(original, self.dir / original.name)
        self.manifest[original.name] = {"original": file_hash(original),
                                        "content": content_fingerprint(original)}

    def edited(self, name: str) -> bool:
        """副本的单元格内容与它复制时不同（学习者改过）。"""
        record = self.manifest.get(name) or {}
        current = content_fingerprint(self.dir / name)
        return current is None or current != record.get("content")

    def sync(self) -> list[str]:
        """建立副本、复制新课、更新学习者没改过的课；返回需要学习者知道的提示。"""
        first = not self.dir.exists()
        self.dir.mkdir(exist_ok=True)
        notes, added = [], []
        for original in self.lessons():
            name, copy = original.name, self.dir / original.name
            record = self.manifest.get(name)
            if not copy.exists():
                self._copy(original)
                added.append(name)
            elif record is None:  # 副本存在但没有记录（例如记录文件被删了）
                if content_fingerprint(copy) == content_fingerprint(original):
                    self.manifest[name] = {"original": file_hash(original),
                                           "content": content_fingerprint(original)}
                else:
                    notes.append(f"{WORKDIR}/{name} 与课程的原始版本不同，保持不动。"
                                 f"要换成原始版本：./course.sh reset {name[:2]}")
            elif record["original"] != file_hash(original):  # 课程更新了这一课
                if self.edited(name):
                    notes.append(f"第 {name[:2]} 课有新版本。你的副本 {WORKDIR}/{name} 里有你的修改，保持不动。"
                                 f"要换成新版本：./course.sh reset {name[:2]}"
                                 f"（你的副本会先备份到 {WORKDIR}/{BACKUPS}/）")
                else:
                    self._copy(original)
                    notes.append(f"第 {name[:2]} 课已更新为课程的新版本（你没有改过这一课的副本）。")
        self._save_manifest()
        if first:
            notes.insert(0, f"已在 {WORKDIR}/ 建立你自己的课程副本（git 不跟踪它）。"
                            f"你的修改和练习都保存在这里；把一课恢复成原始版本：./course.sh reset 03")
        elif added:
            notes.insert(0, "新的课已复制到 " + WORKDIR + "/：" + "、".join(added))
        return notes

    def find(self, key: str) -> Path:
        """按课号（"03"、"3"）或文件名找到原始笔记本。"""
        lessons = self.lessons()
        key = key.strip()
        if key.isdigit():
            key = f"{int(key):02d}_"
        matches = [p for p in lessons if p.name.startswith(key) or p.stem == key or p.name == key]
        if len(matches) != 1:
            names = "、".join(p.name[:2] for p in lessons)
            raise SystemExit(f"[course] 找不到第 “{key.rstrip('_')}” 课。可用的课号：{names}")
        return matches[0]

    def reset(self, key: str) -> str:
        """把一课的副本换回课程的原始版本；副本与原始版本不同时先备份。返回提示。"""
        original = self.find(key)
        self.dir.mkdir(exist_ok=True)
        copy = self.dir / original.name
        msg = f"{WORKDIR}/{original.name} 已恢复为课程的原始版本。"
        if copy.exists() and copy.read_bytes() != original.read_bytes():
            backup = self.dir / BACKUPS / f"{original.stem}-{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
            backup.parent.mkdir(exist_ok=True)
            shutil.copy2(copy, backup)
            msg += f"原来的副本备份在 {backup.relative_to(self.dir.parent)}。"
        self._copy(original)
        self._save_manifest()
        return msg


def main(argv: list[str], root: Path = ROOT) -> int:
    ws = Workspace(root)
    if argv[:1] == ["sync"]:
        for note in ws.sync():
            say(note)
        return 0
    if argv[:1] == ["reset"] and len(argv) > 1:
        for key in argv[1:]:
            say(ws.reset(key))
        return 0
    say("用法：./course.sh reset 课号 [课号...]，例如 ./course.sh reset 03。可用的课号："
        + "、".join(p.name[:2] for p in ws.lessons()))
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
