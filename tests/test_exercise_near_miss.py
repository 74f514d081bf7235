"""近似正确的错误答案（near miss）：把每道练习的参考答案改动一点点，检查器必须判为不通过，而且反馈说对方向。

改动从参考答案自动生成，对全部 10 课的每道练习都适用（不用逐题手写）：
- 整数 ±1，小数乘以 0.95 或 1.05，True/False 取反；
- 形状：各维 ±1，各维换个顺序；
- 数组：左右翻转、上下翻转、转置、取负、第一个元素加 1；
- 函数答案：把它的输出左右翻转、上下翻转、转置、取负、加 1。
改动后与原答案完全相同的（例如对称的数组翻转后不变）跳过；仍然正确的改动列在 STILL_RIGHT 里并写明原因。
另有几个直接针对判定工具的测试：左右/上下翻转的措辞不能对调，换了顺序的形状不能通过。
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as onp
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import exercise_table  # noqa: E402

import d2lutils  # noqa: E402,F401  （先导入 d2lutils：它为 numpy 2 补上 MXNet 需要的名字）
from mxnet import nd  # noqa: E402

from d2lutils.exercises import Wrong, expect_array, expect_number, expect_shape, plain  # noqa: E402

LESSONS = exercise_table.lessons()

# 改动后仍然正确的答案：(课, 练习, 变量名) → 改动的名字 → 原因
STILL_RIGHT = {
    ("01", 5, "K_corner"): {"sign": "-K 也是角点检测器（只是角上的正负号对调）",
                            "flip-lr": "[[-1, 1], [1, -1]] = -K，也是角点检测器",
                            "flip-ud": "同上"},
    ("08", 5, "A5"): {"*": "任何一对最大值不在同一位置的输入都是反例"},
    ("08", 5, "B5"): {"*": "同上"},
}

FLIP_WORDS = {"flip-lr": "左右", "flip-ud": "上下"}


def _array_changes(arr: onp.ndarray):
    """数组的改动：(名字, 函数)；每个函数接受并返回 NumPy 数组。"""
    changes = [("sign", lambda a: -a), ("plus1", lambda a: a + onp.eye(1, a.size).reshape(a.shape))]
    if arr.ndim >= 2:
        changes += [("flip-lr", lambda a: onp.flip(a, -1)), ("flip-ud", lambda a: onp.flip(a, -2)),
                    ("transpose", lambda a: onp.swapaxes(a, -1, -2))]
    return changes


def _like(template, arr: onp.ndarray):
    """把 NumPy 数组变回与 template 同类的答案（nd 数组、NumPy 数组或嵌套列表）。"""
    if isinstance(template, nd.NDArray):
        return nd.array(arr, dtype=template.dtype)
    if isinstance(template, onp.ndarray):
        return arr.astype(template.dtype)
    return arr.tolist()


def _is_array(value) -> bool:
    return isinstance(value, (nd.NDArray, onp.ndarray)) or (
        isinstance(value, list) and value and isinstance(value[0], list))


def _is_shape(value) -> bool:
    return isinstance(value, tuple) and value and all(isinstance(plain(v), int) for v in value)


def near_misses(value):
    """参考答案里一个值的改动：(名字, 新值)；新值与原值相同的不给出。"""
    value = plain(value)
    if isinstance(value, bool):
        yield "not", not value
    elif isinstance(value, int):
        yield "plus1", value + 1
        yield "minus1", value - 1
    elif isinstance(value, float):
        yield "times0.95", value * 0.95
        yield "times1.05", value * 1.05
    elif _is_shape(value):
        for i in range(len(value)):
            for d in (1, -1):
                yield f"dim{i}{d:+d}", value[:i] + (value[i] + d,) + value[i + 1:]
        for perm in set(itertools.permutations(value)) - {value}:
            yield f"permuted{perm}", perm
    elif _is_array(value):
        arr = value.asnumpy() if isinstance(value, nd.NDArray) else onp.asarray(value, dtype=float)
        for name, change in _array_changes(arr):
            new = change(arr)
            if new.shape != arr.shape or not onp.array_equal(new, arr):
                yield name, _like(value, new)
    elif callable(value):
        for name, change, needs_2d in [("sign", lambda a: -a, False), ("plus1", lambda a: a + 1, False),
                                       ("flip-lr", lambda a: onp.flip(a, -1), True),
                                       ("flip-ud", lambda a: onp.flip(a, -2), True),
                                       ("transpose", lambda a: onp.swapaxes(a, -1, -2), True)]:
            yield name, _wrap(value, change, needs_2d)


def _wrap(func, change, needs_2d):
    """函数答案的改动：输出经过 change。输出不是数组或改动不适用（不改变输出）时 applied 保持 False。"""
    def changed(*args, **kwargs):
        out = func(*args, **kwargs)
        if isinstance(out, nd.NDArray) and out.ndim >= (2 if needs_2d else 1):
            arr = out.asnumpy()
            new = change(arr)
            if new.shape != arr.shape or not onp.array_equal(new, arr):
                changed.applied = True
                return nd.array(new, dtype=out.dtype)
        return out
    changed.applied = False
    return changed


def _cases():
    for lesson in LESSONS:
        for ex in lesson.exercises:
            yield pytest.param(lesson.lesson, ex, id=f"L{lesson.lesson}-q{ex.number}")


@pytest.mark.parametrize("lesson, ex", list(_cases()))
def test_near_misses_of_the_reference_fail(lesson, ex):
    ctx = ex.test_context() if ex.test_context else {}
    reference = list(ex.reference())
    tried, problems = 0, []
    for i, name in enumerate(ex.names):
        allowed = STILL_RIGHT.get((lesson, ex.number, name), {})
        for change, value in near_misses(reference[i]):
            if "*" in allowed or change in allowed:
                continue
            answers = reference[:i] + [value] + reference[i + 1:]
            status, message = ex.evaluate(answers, ctx)
            if callable(value) and not getattr(value, "applied", True):
                continue                    # 输出不是数组：这个改动不适用
            tried += 1
            if status != "fail":
                problems.append(f"{name} {change}：得到 {status}：{message}")
            elif "Traceback" in message:
                problems.append(f"{name} {change}：反馈里有 traceback：{message}")
            elif change in FLIP_WORDS and "翻转" in message:
                word, other = FLIP_WORDS[change], FLIP_WORDS["flip-ud" if change == "flip-lr" else "flip-lr"]
                if word not in message or f"{other}翻转" in message:
                    problems.append(f"{name} {change}：翻转的方向说错了：{message}")
    assert not problems, f"第 {lesson} 课练习 {ex.number}（试了 {tried} 个改动）：\n" + "\n".join(problems)


# ---- 直接针对判定工具的测试（这些“变异”以前在整个测试里都活了下来）
A = onp.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("got, word, not_word", [(onp.flip(A, 1), "左右翻转", "上下"),
                                                 (onp.flip(A, 0), "上下翻转", "左右"),
                                                 (onp.flip(A, (0, 1)), "上下和左右翻转", None)])
def test_expect_array_names_the_direction_of_a_flip(got, word, not_word):
    with pytest.raises(Wrong) as err:
        expect_array(nd.array(got), A, "输出")
    assert word in str(err.value)
    assert not_word is None or not_word not in str(err.value)


@pytest.mark.parametrize("shape", [(5, 6), [5, 6], (6, 5, 1)])
def test_expect_shape_rejects_permuted_or_extra_dims(shape):
    with pytest.raises(Wrong):
        expect_shape(shape, (6, 5), "输出形状")


@pytest.mark.parametrize("shape", [(6.7, 5.2), (6.0, 5.0), (True, 5)])
def test_expect_shape_rejects_non_integer_entries(shape):
    with pytest.raises(Wrong, match="整数"):
        expect_shape(shape, (6, 5), "输出形状")


@pytest.mark.parametrize("shape", [(6, 5), [6, 5], (onp.int64(6), onp.int32(5)), nd.zeros((6, 5)).shape,
                                   onp.shape(onp.zeros((6, 5)))])
def test_expect_shape_accepts_every_integer_form(shape):
    expect_shape(shape, (6, 5), "输出形状")


@pytest.mark.parametrize("value", [7, onp.int64(7), 7.0, onp.float32(7), onp.array(7), nd.array([7])])
def test_expect_number_accepts_every_numeric_form(value):
    expect_number(plain(value), 7, "感受野")


@pytest.mark.parametrize("value", [8, 6, "7", True, [7, 7]])
def test_expect_number_rejects_a_neighbour_and_non_numbers(value):
    with pytest.raises(Wrong):
        expect_number(value, 7, "感受野")


def test_small_numbers_use_a_relative_tolerance():
    expect_number(0.01609, 2 / 124.30678732, "学习率", rel=0.02)
    for bad in (0.0112, 0.021, 0.02):
        with pytest.raises(Wrong):
            expect_number(bad, 2 / 124.30678732, "学习率", rel=0.02, above=0.001)


def test_a_device_error_is_explained_not_dumped():
    import mxnet as mx
    from mxnet.gluon import nn

    from d2lutils.exercises import explain_error

    net = nn.Dense(1, in_units=2)
    net.initialize(ctx=mx.cpu(1))
    with pytest.raises(Exception) as err:
        net(nd.ones((1, 2), ctx=mx.cpu(0)))
    assert "不在同一个设备上" in explain_error(err.value)


def test_mxnet_errors_are_explained_by_their_likely_cause():
    from mxnet import autograd

    from d2lutils.exercises import _first_line, explain_error

    x = nd.ones((2, 2))
    x.attach_grad()
    with pytest.raises(Exception) as inplace:
        with autograd.record():
            x[0, 0] = 3
    assert "原地赋值" in explain_error(inplace.value)
    assert not _first_line(inplace.value).startswith(("Traceback", "File"))
    with autograd.record():
        y = nd.array([x.sum().asscalar()]) * 2
    with pytest.raises(Exception) as detached:
        y.backward()
    assert "梯度断了" in explain_error(detached.value)
    with pytest.raises(Exception) as shape:
        nd.dot(nd.ones((4, 3)), nd.ones((2, 4)))
    assert "形状对不上" in explain_error(shape.value)
