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
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Reference:
    """mxnet 源代码对 numpy 的一个引用：属性链、位置、是否在函数体内（运行时才执行）。"""
    dotted: str
    path: str
    line: int
    in_function: bool


@dataclass
class _Visitor(ast.NodeVisitor):
    aliases: dict[str, str]
    path: str
    refs: list[Reference] = field(default_factory=list)
    depth: int = 0
    dynamic: bool = False

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Attribute(self, node: ast.Attribute):
        chain, cur = [], node
        while isinstance(cur, ast.Attribute):
            chain.append(cur.attr)
            cur = cur.value
        if isinstance(cur, ast.Name) and cur.id in self.aliases:
            dotted = ".".join([self.aliases[cur.id], *reversed(chain)])
            self.refs.append(Reference(dotted, self.path, node.lineno, self.depth > 0))
            return  # 整条链已记下，不再记它的前缀
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call):
        func = node.func
        if (isinstance(func, ast.Name) and func.id in ("getattr", "hasattr") and len(node.args) >= 2
                and isinstance(node.args[0], ast.Name) and node.args[0].id in self.aliases):
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                self.refs.append(Reference(f"{self.aliases[node.args[0].id]}.{name.value}",
                                           self.path, node.lineno, self.depth > 0))
            else:
                self.dynamic = True
        self.generic_visit(node)


def _numpy_aliases(tree: ast.Module) -> dict[str, str]:
    aliases = {}
    for node in ast.walk(tree):
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
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        aliases = _numpy_aliases(tree)
        if not aliases:
            continue
        rel = str(path.relative_to(package_dir.parent))
        visitor = _Visitor(aliases, rel)
        visitor.visit(tree)
        refs += visitor.refs
        if visitor.dynamic:
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
