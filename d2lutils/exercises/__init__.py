"""各课练习的自动检查：作答 → ``ex.q1.check()`` → 中文反馈 → 修改 → 通过。

每课一个定义模块（``lesson01`` … ``lesson10``），课里这样导入::

    from d2lutils.exercises import lesson01 as ex
    ex.q1.check()      # 检查作答单元格里的变量（读当前笔记本的全局变量）
    ex.q1.hint()       # 需要时才看提示
    ex.q1.solution()   # 需要时才看参考答案（开放题附参考讨论）
    ex.progress()      # 列出本课哪些练习现在已经通过

每个答案先归一化（NumPy 标量 → Python 的数和 bool，形状的各种写法，异常类 → 名字），再比较数值（相对容差）、
形状和类型；写函数的题运行学习者的函数，并数它调用的 MXNet 算子来判断计算本身（而不是读源码）。
学习者的代码出错时，反馈说可能的原因，原始错误只给类型和第一行。检查不依赖随机性；不需要服务器或账号。
本包不在 ``d2lutils.__all__`` 里，只供课程的练习部分使用。
"""

from __future__ import annotations

import ast
import collections
import inspect
import re
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


def answer(*values: Any) -> Callable[[], tuple]:
    """Case 的 make()：直接给出的答案，例如一行就能写完的函数（lambda）。"""
    return lambda: values


@dataclass
class Exercise:
    """一道练习的检查。题目和作答单元格只写在笔记本里（标题“**练习 number**（title）”），这里按 number 对应它；
    names 是作答单元格里要赋值的变量名；judge(*answers, **context) 不对时抛出 Wrong。"""

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
    test_context: Optional[Callable[[], dict]] = None  # 表格测试里代替笔记本变量的 context

    # ---- 判定 ----
    def evaluate(self, answers: Sequence[Any], context: Optional[dict] = None) -> tuple[str, str]:
        """返回 (状态, 反馈)。状态为 'pass'、'fail' 或 'empty'（未作答）。不打印任何东西。"""
        name = f"练习 {self.number}"
        try:
            answers = [plain(v) for v in answers]
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
        except Exception as err:  # 学习者的代码本身出错：先说可能的原因，原始错误只作补充
            return "fail", (f"{name}：还不对。运行你的答案时出错了：{explain_error(err)}\n"
                            f"（原始错误：{type(err).__name__}: {_first_line(err)}）")
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
        print(f"第 {int(self.lesson)} 课练习进度：{passed}/{len(states)} 道通过")
        for ex, state in zip(self.exercises, states):
            print(f"  练习 {ex.number:2d}  {marks[state]}  {ex.title}")
        return states


# ---------------------------------------------------------------- 判定工具
def _first_line(err: BaseException) -> str:
    """异常消息里第一行有内容的话（跳过 MXNet 消息开头的 Traceback 和 File 行）。"""
    for line in str(err).strip().splitlines():
        line = line.strip()
        if line and not line.startswith(("Traceback", "File ", "Stack trace", "[bt]")):
            return re.sub(r"^MXNetError:\s*", "", line)[:200]
    return ""


_GRADIENT = ("computational graph", "cannot differentiate", "attach_grad", "grad_req")
_DEVICE = ("not initialized on context", "context", "ctx", "device", "gpu(")
_INPLACE = ("assigning to ndarrays", "inplace", "in-place")
_SHAPE = ("shape", "broadcast", "incompatible", "dimension", "size", "reshape")


def explain_error(err: BaseException) -> str:
    """把运行学习者的代码时抛出的异常翻译成可能的错误（中文，不含 traceback）。"""
    text = str(err).lower()
    has = lambda words: any(w in text for w in words)  # noqa: E731
    if has(_INPLACE):   # MXNet 的原地赋值消息里也有 computational graph，先认它
        return "在 autograd.record() 里做了原地赋值（例如 Y[i, j] = ...、+=）：把结果放进新数组（例如用列表和 nd.stack）。"
    if has(_GRADIENT):
        return ("梯度断了：计算途中离开了自动求导的记录（例如用了 asscalar()、asnumpy()、float(...) 取成 Python 数，"
                "或者没有 attach_grad）。")
    if isinstance(err, NameError):
        return "用到了一个还没定义的名字：先运行定义它的单元格，或检查拼写。"
    if has(_DEVICE):
        return "数组或参数不在同一个设备上：数据在哪个设备，参数和别的输入就要在哪个设备上（as_in_context 或 reset_ctx）。"
    if isinstance(err, (TypeError, AttributeError)):
        return "某个值的类型不对：检查函数的参数和返回值是不是 NDArray（或数）。"
    if has(_SHAPE):
        return "形状对不上：检查你的函数里每一步数组的形状（打印 .shape），尤其是 reshape 和相乘的两个数组。"
    if isinstance(err, (IndexError, KeyError)):
        return "下标超出了范围：检查循环的范围和切片的起止位置。"
    if isinstance(err, ZeroDivisionError):
        return "除以了 0。"
    return "你的代码抛出了异常。"


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


def plain(value: Any) -> Any:
    """每个答案先经过的归一化：NumPy 标量（np.int64、np.float32、np.True_ …）变成 Python 的数和 bool；
    其余（数组、元组、函数……）原样返回。反馈里仍然写学习者自己的值。"""
    if isinstance(value, onp.generic):
        return value.item()
    return value


def _is_nd(value: Any) -> bool:
    mx = sys.modules.get("mxnet")
    return mx is not None and isinstance(value, mx.nd.NDArray)


def as_number(value: Any, what: str) -> float:
    """题目要一个数时：接受 int、float、NumPy 标量和只有一个元素的数组（0 维数组、nd.sum 的结果）。"""
    value = plain(value)
    if (_is_nd(value) or isinstance(value, onp.ndarray)) and value.size == 1 and value.ndim <= 1:
        value = plain(value.asnumpy().reshape(()) if _is_nd(value) else value.reshape(())).__float__()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Wrong(f"{_s(what)}应该是一个数，你给的是 {type(value).__name__}：{value!r}。")
    return float(value)


def as_int(value: Any, what: str) -> int:
    """题目要一个整数时：接受 int 和 NumPy 整数；小数（哪怕是 2.0）和 bool 不接受。"""
    value = plain(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Wrong(f"{_s(what)}应该是一个整数，你给的是 {type(value).__name__}：{value!r}。")
    return value


def to_numpy(value: Any, what: str) -> onp.ndarray:
    """把 MXNet 数组、NumPy 数组或嵌套列表转成 float64 的 NumPy 数组；别的类型给出 Wrong。"""
    if _is_nd(value):
        return value.asnumpy().astype(onp.float64)
    if isinstance(value, (onp.ndarray, list, tuple)):
        try:
            arr = onp.asarray(value, dtype=onp.float64)
        except (TypeError, ValueError):
            raise Wrong(f"{_s(what)}应该是数组（nd.array(...) 或嵌套列表），你给的无法转成数组：{value!r}")
        return arr
    raise Wrong(f"{_s(what)}应该是数组（nd.array(...) 或嵌套列表），你给的是 {type(value).__name__}：{value!r}")


def _dtype_of(value: Any) -> Optional[onp.dtype]:
    """答案本身的数据类型（MXNet 或 NumPy 数组）；列表等返回 None。"""
    dtype = getattr(value, "dtype", None)
    try:
        return onp.dtype(dtype) if dtype is not None else None
    except TypeError:
        return None


def _truncated(got: onp.ndarray, expected: onp.ndarray) -> bool:
    """整数数组 got 是不是把含小数的 expected 截成整数的结果（向零或向下取整）。"""
    if got.shape != expected.shape or not onp.any(expected != onp.round(expected)):
        return False
    return bool(onp.array_equal(got, onp.trunc(expected)) or onp.array_equal(got, onp.floor(expected)))


def expect_float(value: Any, what: str, expected: Any = None) -> None:
    """整数类型的数组会把小数截掉：给出数据类型的反馈。给了 expected 时，只在答案正是 expected
    （含小数）被截成整数的结果时才这样说；别的错误（例如忘了除以 2）留给数值的比较。"""
    dtype = _dtype_of(value)
    if dtype is None or dtype.kind not in "iu":
        return
    if expected is not None and not _truncated(to_numpy(value, what), onp.asarray(expected, dtype=onp.float64)):
        return
    raise Wrong(f"{_s(what)}的数据类型是 {dtype}（整数）：小数部分被截掉了。"
                "用浮点数组，例如 nd.array(...) 默认的 float32。")


def expect_array(value: Any, expected: onp.ndarray, what: str, atol: float = 1e-5,
                 known: Sequence[tuple[onp.ndarray, str]] = ()) -> None:
    """比较数组：形状、转置、符号、翻转和已知的典型错误（known）各给一条针对性的反馈。"""
    got = to_numpy(value, what)
    expected = onp.asarray(expected, dtype=onp.float64)
    if not (got.shape == expected.shape and onp.allclose(got, expected, atol=atol)):
        expect_float(value, what, expected)
    for wrong_arr, message in known:
        wrong_arr = onp.asarray(wrong_arr, dtype=onp.float64)
        if got.shape == wrong_arr.shape and onp.allclose(got, wrong_arr, atol=atol):
            raise Wrong(message)
    if got.shape != expected.shape:
        if got.ndim == 2 and got.T.shape == expected.shape and onp.allclose(got.T, expected, atol=atol):
            raise Wrong(f"{_s(what)}转置了：形状应为 {expected.shape}，你的是 {got.shape}（高和宽对调了）。")
        if got.size == expected.size and onp.allclose(got.reshape(expected.shape), expected, atol=atol):
            raise Wrong(f"{_s(what)}的数值对了，但形状应为 {expected.shape}，你的是 {got.shape}：用 reshape 调整。")
        raise Wrong(f"{_s(what)}的形状应为 {expected.shape}，你的是 {got.shape}。")
    if onp.allclose(got, expected, atol=atol):
        return
    if onp.allclose(got, -expected, atol=atol) and onp.abs(expected).max() > atol:
        raise Wrong(f"{_s(what)}的符号反了：每个元素都是正确值的相反数。")
    if got.ndim >= 2:
        for axes, name in [((-1,), "左右"), ((-2,), "上下"), ((-2, -1), "上下和左右")]:
            if onp.allclose(onp.flip(got, axis=axes), expected, atol=atol):
                raise Wrong(f"{_s(what)}{name}翻转了。")
        if got.shape[-1] == got.shape[-2] and onp.allclose(onp.swapaxes(got, -1, -2), expected, atol=atol):
            raise Wrong(f"{_s(what)}转置了（高和宽对调了）：位置 (i, j) 上是 (j, i) 的值。")
    diff = onp.abs(got - expected)
    idx = tuple(int(i) for i in onp.unravel_index(onp.argmax(diff), diff.shape))
    raise Wrong(f"{_s(what)}的形状对了，数值不对：位置 {idx} 应为 {_fmt(expected[idx])}，"
                f"你的是 {_fmt(got[idx])}（共 {int((diff > atol).sum())} 个元素不同）。")


def as_shape(value: Any, what: str) -> tuple[int, ...]:
    """形状答案：接受元组、列表、数组的 .shape 和 onp.shape(...)；每一维都要是整数（NumPy 整数也行）。"""
    if _is_nd(value) or isinstance(value, onp.ndarray):
        raise Wrong(f"{_s(what)}应该是一个形状元组，例如 (2, 3)；你给的是数组，请写它的 .shape。")
    if not isinstance(value, (tuple, list)):
        raise Wrong(f"{_s(what)}应该是一个由整数组成的元组，例如 (2, 3)；你给的是 {value!r}。")
    dims = [plain(v) for v in value]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in dims):
        raise Wrong(f"{_s(what)}的每一维都应该是整数（元素的个数），你写的是 {tuple(dims)!r}。")
    return tuple(dims)


def expect_shape(value: Any, expected: tuple, what: str, known: dict | None = None) -> None:
    """比较形状（元组、列表或 .shape）；known 把典型的错误形状映射到针对性的反馈。"""
    got = as_shape(value, what)
    expected = tuple(expected)
    if got == expected:
        return
    if known and got in known:
        raise Wrong(known[got])
    if len(got) != len(expected):
        raise Wrong(f"{_s(what)}应该有 {len(expected)} 个维度，你的 {got} 有 {len(got)} 个。")
    if sorted(got) == sorted(expected):
        raise Wrong(f"{_s(what)}的各维大小都对，但顺序不对：你写的是 {got}。")
    raise Wrong(f"{_s(what)}不对：你写的是 {got}。")


def expect_number(value: Any, expected: float, what: str, rel: float = 1e-6,
                  known: dict | None = None, above: Optional[float] = None) -> None:
    """比较一个数（相对容差 rel，小于 1 的数也按相对误差）；known 把典型的错误值映射到针对性的反馈。
    above 给出时，比 expected 大的一侧只容许相对误差 above（例如学习率不能超过上限）。"""
    value = as_number(value, what)
    scale = abs(expected) or 1.0   # 相对容差；真值为 0 时按绝对容差
    upper = rel if above is None else above
    if -rel * scale <= value - expected <= upper * scale:
        return
    for bad, message in (known or {}).items():
        if abs(value - bad) <= rel * (abs(bad) or 1.0):
            raise Wrong(message)
    if expected and abs(value + expected) <= rel * abs(expected):
        raise Wrong(f"{_s(what)}的符号反了。")
    raise Wrong(f"{_s(what)}不对：你写的是 {_fmt(value)}。" + ("偏大了。" if value > expected else "偏小了。"))


def _as_option(value: Any, options: Sequence[Any]) -> Any:
    """把答案对到选项上：异常类 → 它的名字；字符串去掉首尾空白，大小写不同但只对得上一个选项时算那个选项。"""
    value = plain(value)
    if isinstance(value, onp.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, type) and issubclass(value, BaseException):
        value = value.__name__
    if isinstance(value, str):
        value = value.strip()
        same = [o for o in options if isinstance(o, str) and o.lower() == value.lower()]
        if value not in options and len(same) == 1:
            value = same[0]
    return value


def expect_choice(value: Any, expected: Any, what: str, options: Sequence[Any],
                  known: dict | None = None) -> None:
    """比较一个选项（True/False 或几个字符串之一）。"""
    value = _as_option(value, options)
    if not any(type(o) is type(value) and o == value for o in options):
        shown = "、".join(repr(o) for o in options)
        raise Wrong(f"{_s(what)}应为 {shown} 之一，你写的是 {value!r}。")
    if value == expected:
        return
    raise Wrong((known or {}).get(value, f"{_s(what)}不对。"))


def expect_function(value: Any, what: str) -> Callable:
    if not callable(value):
        raise Wrong(f"{_s(what)}应该是一个函数（用 def 定义），你给的是 {type(value).__name__}。")
    return value


def call(func: Callable, *args: Any, what: str = "你的函数") -> Any:
    """调用学习者的函数；还返回占位符 ... 时说明没写完。"""
    result = func(*args)
    if result is UNANSWERED:
        raise Wrong(f"{_s(what)}还返回 ...：把 return ... 换成你的计算。")
    if result is None:
        raise Wrong(f"{_s(what)}返回了 None：忘了写 return 吗？")
    return result


_OP_NAMES: dict = {}


def _op_names() -> dict:
    """MXNet 算子句柄 → 算子名（第一次用时向 libmxnet 要一次）。"""
    if not _OP_NAMES:
        import ctypes
        from mxnet import base

        names, n = ctypes.POINTER(ctypes.c_char_p)(), ctypes.c_uint()
        base.check_call(base._LIB.MXListAllOpNames(ctypes.byref(n), ctypes.byref(names)))
        for i in range(n.value):
            handle = base.OpHandle()
            base.check_call(base._LIB.NNGetOpHandle(names[i], ctypes.byref(handle)))
            _OP_NAMES[handle.value] = names[i].decode()
    return _OP_NAMES


class count_ops:
    """在 with 块里数学习者的代码真正调用了哪些 MXNet 算子（``ops``：算子名 → 次数，例如
    {'im2col': 1, 'dot': 1}）、数组下标读写几次（``indexing``），以及调用了 ``library`` 里列出的
    d2lutils 函数几次（``library_calls``）。判断的是计算本身，而不是源码里写了什么循环。"""

    def __init__(self, library: Sequence[str] = ()):
        self.library = tuple(library)

    @property
    def total(self) -> int:
        return sum(self.ops.values())

    def __enter__(self):
        import mxnet as mx
        import mxnet.ndarray.register as register
        import d2lutils

        names = _op_names()
        self.ops, self.indexing, self.library_calls = collections.Counter(), 0, collections.Counter()
        self._saved = [(register, "_imperative_invoke", register._imperative_invoke),
                       (mx.nd.NDArray, "__getitem__", mx.nd.NDArray.__getitem__),
                       (mx.nd.NDArray, "__setitem__", mx.nd.NDArray.__setitem__)]
        self._saved += [(d2lutils, n, getattr(d2lutils, n)) for n in self.library]
        invoke, get, put = (orig for _, _, orig in self._saved[:3])

        def counting_invoke(handle, *args):
            self.ops[names.get(handle, str(handle))] += 1
            return invoke(handle, *args)

        def counting_get(arr, key):
            self.indexing += 1
            return get(arr, key)

        def counting_set(arr, key, val):
            self.indexing += 1
            return put(arr, key, val)

        register._imperative_invoke = counting_invoke
        mx.nd.NDArray.__getitem__, mx.nd.NDArray.__setitem__ = counting_get, counting_set
        for module, name, orig in self._saved[3:]:
            setattr(module, name, self._library_wrapper(name, orig))
        return self

    def _library_wrapper(self, name: str, orig: Callable) -> Callable:
        def counted(*args, **kwargs):
            self.library_calls[name] += 1
            return orig(*args, **kwargs)
        return counted

    def __exit__(self, *exc):
        for owner, name, orig in self._saved:
            setattr(owner, name, orig)
        return False


def uses_library(func: Callable, names: Sequence[str]) -> list[str]:
    """学习者的函数里直接引用了哪些 d2lutils 函数（``from d2lutils import corr2d_fast`` 之后直接调用的情形）。"""
    import d2lutils

    targets = {id(getattr(d2lutils, n)): n for n in names}
    found, codes = [], [getattr(func, "__code__", None)]
    while codes:
        code = codes.pop()
        if code is None:
            continue
        for n in code.co_names:
            obj = getattr(func, "__globals__", {}).get(n)
            if id(obj) in targets:
                found.append(targets[id(obj)])
        codes += [c for c in code.co_consts if inspect.iscode(c)]
    return found


def run_counted(func: Callable, *args: Any, library: Sequence[str] = (), what: str = "你的函数"):
    """运行学习者的函数并数算子：返回 (结果, count_ops)。library 里的函数被调用（或被直接引用）时都记下。"""
    with count_ops(library) as counter:
        result = call(func, *args, what=what)
    for name in uses_library(func, library):
        counter.library_calls[name] += 1
    return result, counter


def expect_own_code(counter: count_ops, what: str) -> None:
    """只调用了题目要你自己写的库函数时，客气地说明。what 是题目要你写出的东西。"""
    if counter.library_calls:
        names = "、".join(f"d2lutils.{n}" for n in counter.library_calls)
        raise Wrong(f"这样能得到结果，但题目要你自己写出{what}：你直接调用了 {names}，计算是它替你做的。")


def _s(what: str) -> str:
    """名字以英文字母、数字或括号结尾时后面加一个空格，再接中文（“same_loss_3 应为”）。"""
    return what + " " if what and (what[-1].isascii() and (what[-1].isalnum() or what[-1] in ")]_'")) else what


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


__all__ = ["Case", "Exercise", "Lesson", "Wrong", "as_int", "as_number", "as_shape", "call",
           "count_ops", "expect_array", "expect_choice", "expect_float", "expect_function", "expect_number",
           "expect_own_code", "expect_shape", "explain_error", "fixed_rng", "module_api", "plain",
           "run_counted", "to_numpy", "uses_library"]
