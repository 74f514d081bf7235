"""列出 MXNet 的 Python 代码引用、而当前 numpy 没有的 numpy 名字。

用法（在课程环境里，不导入 mxnet，只读它的源文件）：
    python tools/mxnet_numpy_names.py          # 打印缺少的名字和引用它们的文件
    python tools/mxnet_numpy_names.py --json   # 同上，JSON 格式
tests/test_numpy_compat.py 用同样的扫描检查 d2lutils/compat/__init__.py 是否补上了每一个名字。

扫描方法：用 ast 解析 mxnet 包里的每个 .py 文件，找出绑定到 numpy 的名字
（``import numpy as np``、``import numpy.random as rnd``、``from numpy import x``），
收集以它们开头的属性链（``np.core.numeric.normalize_axis_tuple``），再加上
``getattr(np, 变量)`` 所用的字符串表（mxnet 的 numpy_dispatch_protocol.py 用两张
字符串表按名字查找 numpy 函数）。然后在当前 numpy 里逐级查找每条属性链。
文档字符串里的示例代码不是代码，不算在内。
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Reference:
    """mxnet 源代码对 numpy 的一个引用：属性链、位置、是否在函数体内（运行时才执行）。"""
    dotted: str
    path: str
    line: int
    in_function: bool


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _references(tree: ast.Module, text: str, aliases: dict[str, str], path: str) -> tuple[list[Reference], bool]:
    """树中以 numpy 别名开头的属性链和 getattr/hasattr(别名, "名字")；第二项：有没有 getattr(别名, 变量)。

    不用 ast.NodeVisitor（按类名分派，每个结点都要查一次方法）：用一个栈，结点带着它所在的函数层数；
    源代码里不含任何别名（作为一个词）的语句跳过整棵子树：那里不可能有以别名开头的名字。"""
    refs, dynamic = [], False
    starts = [0]  # 每一行在 text 中的起点（read_text 已把换行统一为 \n，与 ast 的行号一致）
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    uses_alias = re.compile(r"\b(?:" + "|".join(map(re.escape, aliases)) + r")\b")
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.stmt) and not uses_alias.search(text, starts[node.lineno - 1], starts[node.end_lineno]):
            continue
        if isinstance(node, ast.Attribute):
            chain, cur = [], node
            while isinstance(cur, ast.Attribute):
                chain.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name) and cur.id in aliases:
                dotted = ".".join([aliases[cur.id], *reversed(chain)])
                refs.append(Reference(dotted, path, node.lineno, depth > 0))
                continue  # 整条链已记下，不再记它的前缀
        elif isinstance(node, ast.Call):
            func, args = node.func, node.args
            if (isinstance(func, ast.Name) and func.id in ("getattr", "hasattr") and len(args) >= 2
                    and isinstance(args[0], ast.Name) and args[0].id in aliases):
                name = args[1]
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    refs.append(Reference(f"{aliases[args[0].id]}.{name.value}", path, node.lineno, depth > 0))
                else:
                    dynamic = True
        elif isinstance(node, _FUNCTIONS):
            depth += 1
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    refs.sort(key=lambda r: r.line)
    return refs, dynamic


# 只有含 numpy 导入语句的文件才可能有 numpy 的别名（文档字符串里的也算上：多解析几个文件无妨）
_IMPORTS_NUMPY = re.compile(r"\bimport[ \t][^\n;]*\bnumpy\b|\bfrom[ \t]+numpy\b")


def _statements(node: ast.AST):
    """node 之下的所有语句（导入只能是语句：不必走遍表达式）。"""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
            yield child
            yield from _statements(child)


def _numpy_aliases(tree: ast.Module) -> dict[str, str]:
    aliases = {}
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "numpy" or a.name.startswith("numpy."):
                    aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else "numpy"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                node.module == "numpy" or node.module.startswith("numpy.")):
            for a in node.names:
                if a.name != "*":
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _string_tables(tree: ast.Module) -> list[tuple[str, int]]:
    """模块顶层赋值的字符串列表/元组中的每个字符串（供 getattr(np, 变量) 查找）。"""
    found = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.List, ast.Tuple)):
            for elt in node.value.elts:
                if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                    found.append((elt.value, elt.lineno))
    return found


def scan(package_dir: Path) -> list[Reference]:
    """mxnet 包目录下所有 .py 文件中对 numpy 的引用。"""
    refs = []
    for path in sorted(package_dir.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if not _IMPORTS_NUMPY.search(text.replace("\\\n", " ")):  # 续行的 import 语句拼成一行再找
            continue
        tree = ast.parse(text)
        aliases = _numpy_aliases(tree)
        if not aliases:
            continue
        rel = str(path.relative_to(package_dir.parent))
        found, dynamic = _references(tree, text, aliases, rel)
        refs += found
        if dynamic:
            # getattr(np, op_name)：表里的名字由导入时调用的函数按名字查找，算作导入时
            refs += [Reference(f"numpy.{name}", rel, line, False) for name, line in _string_tables(tree)]
    return refs


def resolves(dotted: str) -> bool:
    """当前 numpy 里能否逐级找到这条属性链（子模块按需导入；不打印弃用警告）。"""
    parts = dotted.split(".")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obj = importlib.import_module(parts[0])
        for i, part in enumerate(parts[1:], start=1):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                try:
                    obj = importlib.import_module(".".join(parts[: i + 1]))
                except ImportError:
                    return False
    return True


def missing_prefix(dotted: str) -> str:
    """属性链中第一个找不到的前缀，例如 numpy.compat.basestring -> numpy.compat。"""
    parts = dotted.split(".")
    for i in range(2, len(parts) + 1):
        if not resolves(".".join(parts[:i])):
            return ".".join(parts[:i])
    return ""


def mxnet_dir() -> Path:
    spec = importlib.util.find_spec("mxnet")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("没有安装 mxnet")
    return Path(list(spec.submodule_search_locations)[0])


def missing(refs: list[Reference]) -> dict[str, list[Reference]]:
    """当前 numpy 缺少的名字（第一个找不到的前缀）-> 引用它的位置。"""
    out: dict[str, list[Reference]] = {}
    cache: dict[str, str] = {}
    for ref in refs:
        if ref.dotted not in cache:
            cache[ref.dotted] = missing_prefix(ref.dotted)
        if cache[ref.dotted]:
            out.setdefault(cache[ref.dotted], []).append(ref)
    return out


def main(argv: list[str]) -> int:
    import json

    import numpy
    found = missing(scan(mxnet_dir()))
    if argv == ["--json"]:  # 供测试在一个没有导入过 d2lutils 的进程里扫描
        print(json.dumps({name: [[r.path, r.line, r.in_function] for r in refs] for name, refs in found.items()}))
        return 0
    print(f"numpy {numpy.__version__}：mxnet 引用而 numpy 没有的名字 {len(found)} 个")
    for name, refs in sorted(found.items()):
        when = "运行时" if all(r.in_function for r in refs) else "导入时"
        print(f"  {name:<40} {when}  {refs[0].path}:{refs[0].line}" + (f" 等 {len(refs)} 处" if len(refs) > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
