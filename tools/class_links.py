"""为在 JupyterHub 上开课的老师生成 nbgitpuller 链接：每课一个，学生点开就得到自己的一份课程。

用法（课程环境里，或任何装了 Python 的机器上；只用标准库）：
    python tools/class_links.py --hub https://hub.example.edu
    python tools/class_links.py --hub https://hub.example.edu --repo https://gitee.com/你的组织/课程 --app notebook

链接的格式见 nbgitpuller 的文档：/hub/user-redirect/git-pull?repo=...&branch=...&urlpath=...。
学生第一次点开时，nbgitpuller 把仓库克隆到学生自己的主目录；以后再点开只拉取课程的更新，
学生改过的文件保留学生的版本（见 docs/instructor.md）。默认仓库地址取自 pyproject.toml。
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent


def default_repo() -> str:
    """pyproject.toml 中 [project.urls] 的 Repository（不用 tomllib：老版本的 Python 也能运行本脚本）。"""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^Repository\s*=\s*"([^"]+)"', text, re.M).group(1)


def lessons() -> list[tuple[str, str]]:
    """(文件名, 中文课名)，按课号排序；课名是笔记本第一个单元格的一级标题。"""
    import json

    out = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        first = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
        out.append((path.name, first.strip().splitlines()[0].lstrip("# ").strip()))
    return out


def pull_link(hub: str, repo: str, notebook: str, branch: str = "main", app: str = "lab") -> str:
    """一个 nbgitpuller 链接：把 repo 拉到学生的主目录，然后用 app（lab 或 notebook）打开 notebook。"""
    hub_url = urlparse(hub)
    if hub_url.scheme not in ("http", "https") or not hub_url.netloc:
        raise ValueError(f"--hub 应是 JupyterHub 的完整地址，例如 https://hub.example.edu，实际是 {hub!r}。")
    if app not in ("lab", "notebook"):
        raise ValueError(f"--app 应为 'lab' 或 'notebook'，实际是 {app!r}。")
    folder = urlparse(repo).path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    if not folder:
        raise ValueError(f"--repo 应是仓库的完整地址，实际是 {repo!r}。")
    target = f"notebooks/{notebook}"
    urlpath = f"lab/tree/{folder}/{target}" if app == "lab" else f"tree/{folder}/{target}"
    query = urlencode({"repo": repo, "branch": branch, "urlpath": urlpath})
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="为 JupyterHub 上的课堂生成每一课的 nbgitpuller 链接（Markdown 表格）。")
    parser.add_argument("--hub", required=True, help="JupyterHub 的地址，例如 https://hub.example.edu")
    parser.add_argument("--repo", default=default_repo(), help="课程仓库的地址（默认取自 pyproject.toml）")
    parser.add_argument("--branch", default="main", help="分支（默认 main）")
    parser.add_argument("--app", default="lab", choices=("lab", "notebook"), help="用 JupyterLab（默认）还是经典界面打开")
    args = parser.parse_args(argv)
    try:
        rows = [(name, title, pull_link(args.hub, args.repo, name, args.branch, args.app))
                for name, title in lessons()]
    except ValueError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    print("| 课 | 链接 |\n|---|---|")
    for name, title, link in rows:
        print(f"| {name[:2]} {title} | [打开]({link}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
