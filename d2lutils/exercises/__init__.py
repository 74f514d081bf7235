"""各课练习的自动检查：作答 → ``ex.q1.check()`` → 中文反馈 → 修改 → 通过。

每课一个定义模块（``lesson01`` … ``lesson10``），课里这样导入::

    from d2lutils.exercises import lesson01 as ex
    ex.q1.check()      # 检查作答单元格里的变量（读当前笔记本的全局变量）
    ex.q1.hint()       # 需要时才看提示
    ex.q1.solution()   # 需要时才看参考答案（开放题附参考讨论）
    ex.progress()      # 列出本课哪些练习现在已经通过

检查只比较数值（带容差）、形状和类型，不依赖随机性；不需要服务器或账号。
本包不在 ``d2lutils.__all__`` 里，只供课程的练习部分使用。
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as onp

UNANSWERED = Ellipsis  # 作答单元格里的占位符 ...


class Wrong(Exception):
    """检查发现答案不对：消息是给学习者的中文反馈（指出错在哪里）。"""


class _Unanswered(Exception):
    """答案还是占位符 ``...``。"""


@dataclass
class Case:
    """表格测试用的一个答案：label 说明它是什么，make() 返回 names 对应的各个答案，
    expect 是反馈里必须出现的一段文字。放在 Exercise.wrong 里的是典型错误答案（应不通过），
    放在 Exercise.right 里的是参考答案之外的其他正确写法（应通过；expect 可以为空）。"""

    label: str
    make: Callable[[], tuple]
    expect: str


@dataclass
class Exercise:
    """一道练习：names 是作答单元格里要赋值的变量名；judge(*answers, **context) 不对时抛出 Wrong。"""

    lesson: str
    number: int
    title: str
    names: tuple[str, ...]
    judge: Callable[..., None]
    hint_text: str
    solution_text: str
    reference: Callable[[], tuple]
    wrong: Sequence[Case] = ()
    right: Sequence[Case] = ()      # 参考答案之外的其他正确写法（别的类型、别的写法），都应通过
    context: tuple[str, ...] = ()   # 检查时还要从笔记本中读取的变量（例如训练好的 net）
    after: str = ""                 # 通过后再说的一句话（可选）
    question: str = ""              # 题目（Markdown），笔记本里的题目单元格由它生成
    template: str = ""              # 作答单元格的初始内容（占位符 ...），最后一行由工具补上检查调用
    test_context: Optional[Callable[[], dict]] = None  # 表格测试里代替笔记本变量的 context

    # ---- 判定 ----
    def evaluate(self, answers: Sequence[Any], context: Optional[dict] = None) -> tuple[str, str]:
        """返回 (状态, 反馈)。状态为 'pass'、'fail' 或 'empty'（未作答）。不打印任何东西。"""
        name = f"练习 {self.number}"
        try:
            for value, var in zip(answers, self.names):
                if value is UNANSWERED or (callable(value) and _returns_placeholder(value)):
                    raise _Unanswered(var)
            self.judge(*answers, **(context or {}))
        except _Unanswered as gap:
            return "empty", (f"{name}：还没有作答。把作答单元格里 `{gap.args[0]}` 的 `...` "
                             "换成你的答案，再运行这个单元格。")
        except Wrong as err:
            return "fail", (f"{name}：还不对。{err}\n"
                            f"需要提示就运行 ex.q{self.number}.hint()。")
        except Exception as err:  # 学习者的代码本身出错
            return "fail", (f"{name}：还不对。运行你的答案时出错了：{type(err).__name__}: "
                            f"{_first_line(err)}")
        return "pass", (f"{name}：正确！" + self.after
                        + f"想对照参考答案和讨论，运行 ex.q{self.number}.solution()。")

    def _collect(self, answers: tuple, frame_globals: dict) -> tuple[list, dict]:
        if answers:
            if len(answers) != len(self.names):
                raise TypeError(f"练习 {self.number} 需要 {len(self.names)} 个答案"
                                f"（{', '.join(self.names)}），实际给了 {len(answers)} 个。")
            values = list(answers)
        else:
            values = [frame_globals.get(n, UNANSWERED) for n in self.names]
        context = {n: frame_globals.get(n) for n in self.context}
        return values, context

    # ---- 学习者调用的方法 ----
    def check(self, *answers: Any) -> None:
        """检查答案并打印中文反馈；不给参数时读取作答单元格里赋值的变量（names）。"""
        values, context = self._collect(answers, sys._getframe(1).f_globals)
        print(self.evaluate(values, context)[1])

    def hint(self) -> None:
        """打印提示（不含答案）。"""
        print(f"练习 {self.number} 的提示：{self.hint_text}")

    def solution(self) -> None:
        """打印参考答案（开放题附参考讨论）。"""
        print(f"练习 {self.number} 的参考答案：\n{textwrap.dedent(self.solution_text).strip()}")

    def __repr__(self) -> str:
        return (f"<练习 {self.number}：{self.title}。用 ex.q{self.number}.check() 检查，"
                f"hint() 看提示，solution() 看答案>")


class Lesson:
    """一课的全部练习；``progress()`` 列出哪些练习现在已经通过。"""

    def __init__(self, lesson: str, exercises: Sequence[Exercise]):
        self.lesson = lesson
        self.exercises = list(exercises)

    def progress(self, frame_globals: Optional[dict] = None) -> list[str]:
        g = frame_globals if frame_globals is not None else sys._getframe(2).f_globals
        marks = {"pass": "✔ 通过  ", "fail": "✘ 未通过", "empty": "· 未作答"}
        states = []
        for ex in self.exercises:
            values, context = ex._collect((), g)
            states.append(ex.evaluate(values, context)[0])
        passed = states.count("pass")
        print(f"第 {self.lesson} 课练习进度：{passed}/{len(states)} 道通过")
        for ex, state in zip(self.exercises, states):
            print(f"  练习 {ex.number:2d}  {marks[state]}  {ex.title}")
        return states


# ---------------------------------------------------------------- 判定工具
def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else ""


def _returns_placeholder(func: Callable) -> bool:
    """函数体是否还是模板（只有注释和 ``return ...``）。"""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return False
    fn = tree.body[0] if tree.body else None
    if not isinstance(fn, (ast.FunctionDef, ast.Lambda)):
        return False
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                       and isinstance(s.value.value, str))]
    return (len(body) == 1 and isinstance(body[0], ast.Return)
            and isinstance(body[0].value, ast.Constant) and body[0].value.value is Ellipsis)


def to_numpy(value: Any, what: str) -> onp.ndarray:
    """把 MXNet 数组、NumPy 数组或嵌套列表转成 float64 的 NumPy 数组；别的类型给出 Wrong。"""
    import mxnet as mx

    if isinstance(value, mx.nd.NDArray):
        return value.asnumpy().astype(onp.float64)
    if isinstance(value, (onp.ndarray, list, tuple)):
        try:
            arr = onp.asarray(value, dtype=onp.float64)
        except (TypeError, ValueError):
            raise Wrong(f"{what}应该是数组（nd.array(...) 或嵌套列表），你给的无法转成数组：{value!r}")
        return arr
    raise Wrong(f"{what}应该是数组（nd.array(...) 或嵌套列表），你给的是 {type(value).__name__}：{value!r}")


def _dtype_of(value: Any) -> Optional[onp.dtype]:
    """答案本身的数据类型（MXNet 或 NumPy 数组）；列表等返回 None。"""
    dtype = getattr(value, "dtype", None)
    try:
        return onp.dtype(dtype) if dtype is not None else None
    except TypeError:
        return None


def expect_float(value: Any, what: str) -> None:
    """答案要含小数时，整数类型的数组会把小数截掉：给出数据类型的反馈。"""
    dtype = _dtype_of(value)
    if dtype is not None and dtype.kind in "iu":
        raise Wrong(f"{what}的数据类型是 {dtype}（整数）：小数部分被截掉了。"
                    "用浮点数组，例如 nd.array(...) 默认的 float32。")


def expect_array(value: Any, expected: onp.ndarray, what: str, atol: float = 1e-5,
                 known: Sequence[tuple[onp.ndarray, str]] = ()) -> None:
    """比较数组：形状、转置、符号、翻转和已知的典型错误（known）各给一条针对性的反馈。"""
    got = to_numpy(value, what)
    expected = onp.asarray(expected, dtype=onp.float64)
    if onp.any(expected != onp.round(expected)) and not (
            got.shape == expected.shape and onp.allclose(got, expected, atol=atol)):
        expect_float(value, what)
    for wrong_arr, message in known:
        wrong_arr = onp.asarray(wrong_arr, dtype=onp.float64)
        if got.shape == wrong_arr.shape and onp.allclose(got, wrong_arr, atol=atol):
            raise Wrong(message)
    if got.shape != expected.shape:
        if got.ndim == 2 and got.T.shape == expected.shape and onp.allclose(got.T, expected, atol=atol):
            raise Wrong(f"{what}转置了：形状应为 {expected.shape}，你的是 {got.shape}（高和宽对调了）。")
        if got.size == expected.size and onp.allclose(got.reshape(expected.shape), expected, atol=atol):
            raise Wrong(f"{what}的数值对了，但形状应为 {expected.shape}，你的是 {got.shape}：用 reshape 调整。")
        raise Wrong(f"{what}的形状应为 {expected.shape}，你的是 {got.shape}。")
    if onp.allclose(got, expected, atol=atol):
        return
    if onp.allclose(got, -expected, atol=atol) and onp.abs(expected).max() > atol:
        raise Wrong(f"{what}的符号反了：每个元素都是正确值的相反数。")
    if got.ndim >= 2:
        for axes, name in [((-1,), "左右"), ((-2,), "上下"), ((-2, -1), "上下和左右")]:
            if onp.allclose(onp.flip(got, axis=axes), expected, atol=atol):
                raise Wrong(f"{what}{name}翻转了。")
    diff = onp.abs(got - expected)
    idx = tuple(int(i) for i in onp.unravel_index(onp.argmax(diff), diff.shape))
    raise Wrong(f"{what}的形状对了，数值不对：位置 {idx} 应为 {_fmt(expected[idx])}，"
                f"你的是 {_fmt(got[idx])}（共 {int((diff > atol).sum())} 个元素不同）。")


def expect_shape(value: Any, expected: tuple, what: str, known: dict | None = None) -> None:
    """比较形状（元组或列表）；known 把典型的错误形状映射到针对性的反馈。"""
    if hasattr(value, "shape") and not isinstance(value, tuple):
        raise Wrong(f"{what}应该是一个形状元组，例如 (2, 3)；你给的是数组，请写它的 .shape。")
    try:
        got = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise Wrong(f"{what}应该是一个由整数组成的元组，例如 (2, 3)；你给的是 {value!r}。")
    expected = tuple(expected)
    if got == expected:
        return
    if known and got in known:
        raise Wrong(known[got])
    if len(got) != len(expected):
        raise Wrong(f"{what}应该有 {len(expected)} 个维度，你的 {got} 有 {len(got)} 个。")
    if sorted(got) == sorted(expected):
        raise Wrong(f"{what}的各维大小都对，但顺序不对：你写的是 {got}。")
    raise Wrong(f"{what}不对：你写的是 {got}。")


def expect_number(value: Any, expected: float, what: str, rel: float = 1e-6,
                  known: dict | None = None) -> None:
    """比较一个数（相对容差 rel）；known 把典型的错误值映射到针对性的反馈。"""
    if isinstance(value, bool) or not isinstance(value, (int, float, onp.integer, onp.floating)):
        raise Wrong(f"{what}应该是一个数，你给的是 {type(value).__name__}：{value!r}。")
    value = float(value)
    if abs(value - expected) <= rel * max(1.0, abs(expected)):
        return
    for bad, message in (known or {}).items():
        if abs(value - bad) <= rel * max(1.0, abs(bad)):
            raise Wrong(message)
    if expected and abs(value + expected) <= rel * abs(expected):
        raise Wrong(f"{what}的符号反了。")
    raise Wrong(f"{what}不对：你写的是 {_fmt(value)}。" + ("偏大了。" if value > expected else "偏小了。"))


def expect_choice(value: Any, expected: Any, what: str, options: Sequence[Any],
                  known: dict | None = None) -> None:
    """比较一个选项（True/False 或几个字符串之一）。"""
    if value not in list(options) or (isinstance(expected, bool) and not isinstance(value, bool)):
        shown = "、".join(repr(o) for o in options)
        raise Wrong(f"{what}应为 {shown} 之一，你写的是 {value!r}。")
    if value == expected:
        return
    raise Wrong((known or {}).get(value, f"{what}不对。"))


def expect_function(value: Any, what: str) -> Callable:
    if not callable(value):
        raise Wrong(f"{what}应该是一个函数（用 def 定义），你给的是 {type(value).__name__}。")
    return value


def call(func: Callable, *args: Any, what: str = "你的函数") -> Any:
    """调用学习者的函数；还返回占位符 ... 时说明没写完。"""
    result = func(*args)
    if result is UNANSWERED:
        raise Wrong(f"{what}还返回 ...：把 return ... 换成你的计算。")
    if result is None:
        raise Wrong(f"{what}返回了 None：忘了写 return 吗？")
    return result


def loop_count(func: Callable) -> int:
    """函数源码里 for/while 循环和推导式的个数（读不到源码时返回 0）。"""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return 0
    kinds = (ast.For, ast.While, ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)
    return sum(isinstance(node, kinds) for node in ast.walk(tree))


class count_indexing:
    """在 with 块里数 ``NDArray`` 的下标读写次数（逐元素循环的特征）。"""

    def __enter__(self):
        import mxnet as mx

        self.cls, self.count = mx.nd.NDArray, 0
        self.saved = self.cls.__getitem__, self.cls.__setitem__
        get, put = self.saved

        def counting_get(arr, key):
            self.count += 1
            return get(arr, key)

        def counting_set(arr, key, val):
            self.count += 1
            return put(arr, key, val)

        self.cls.__getitem__, self.cls.__setitem__ = counting_get, counting_set
        return self

    def __exit__(self, *exc):
        self.cls.__getitem__, self.cls.__setitem__ = self.saved
        return False


def _fmt(x: float) -> str:
    x = float(x)
    return str(int(x)) if x == int(x) and abs(x) < 1e12 else f"{x:.6g}"


def fixed_rng(seed: int) -> onp.random.Generator:
    """检查用的固定随机数生成器（与课里的随机状态无关，结果可复现）。"""
    return onp.random.default_rng(seed)


def module_api(lesson: Lesson, module_globals: dict) -> None:
    """在课的定义模块里生成 q1、q2 … 和 progress()。"""
    for ex in lesson.exercises:
        module_globals[f"q{ex.number}"] = ex

    def progress() -> None:
        """列出本课哪些练习现在已经通过（读当前笔记本的全局变量重新检查）。"""
        lesson.progress(sys._getframe(1).f_globals)

    module_globals["progress"] = progress
    module_globals["LESSON"] = lesson


__all__ = ["Case", "Exercise", "Lesson", "Wrong", "expect_array", "expect_choice",
           "expect_float", "expect_function", "expect_number", "call", "expect_shape", "fixed_rng", "loop_count",
           "count_indexing", "module_api", "to_numpy"]
