"""第 4 课《在 CPU 和 GPU 上计算》的练习与检查。"""

from __future__ import annotations

import numpy as onp

from . import Case, Exercise, Lesson, expect_choice, module_api

ERRORS = ("RuntimeError", "MXNetError", "ValueError", "没有错误")


def judge1(same_as_in_context, same_copyto):
    expect_choice(same_as_in_context, True, "y.as_in_context(other) is y", (True, False), known={
        False: "as_in_context 只在需要时复制：y 已经在 other 上，它直接返回 y 本身。"})
    expect_choice(same_copyto, False, "y.copyto(other) is y", (True, False), known={
        True: "copyto 总是复制，即使目标设备就是数组所在的设备，返回的也是一个新数组。"})


def judge2(changes_other, changes_same):
    expect_choice(changes_other, False, "changes_other", (True, False), known={
        True: "a 在 ctx 上、目标是另一个设备 other：as_in_context 必须复制，b 是 other 上的一份新数组，"
              "b[:] = 7 只改这份副本，a 不变。"})
    expect_choice(changes_same, True, "changes_same", (True, False), known={
        False: "as_in_context 在同一设备上返回的就是原数组这个对象（b is a），"
               "b[:] = 7 原地修改的正是 a。要一份独立的副本，用 copyto 或 copy()。"})


def judge3(error_3):
    expect_choice(error_3, "RuntimeError", "error_3", ERRORS, known={
        "没有错误": "参数只留在 other 上以后，Gluon 在 ctx 上找不到参数：数据在哪个设备，参数就要在哪个设备上有一份。",
        "MXNetError": "MXNetError 是 RuntimeError 的子类，是算子在 C++ 里报的错；这里还没到算子，Gluon 取参数时就发现"
                      "参数不在数据的设备上，报的正是 RuntimeError 本身：type(err).__name__ 是 'RuntimeError'。",
        "ValueError": "ValueError 是 d2lutils.learn_kernel 在训练前自己检查设备时报的错（本节前面那个单元格）；"
                      "这里直接调用 net2(...)，没有经过 learn_kernel，报错的是 Gluon 本身。"})


LESSON = Lesson("04", [
    Exercise(
        "04", 1, "as_in_context 与 copyto", ("same_as_in_context", "same_copyto"), judge1,
        hint_text="一个总是复制，一个只在需要时复制。",
        solution_text="""
            same_as_in_context, same_copyto = True, False
            print(y.as_in_context(other) is y, y.copyto(other) is y)   # True False
        """,
        reference=lambda: (True, False),
        wrong=[Case("以为 copyto 不复制", lambda: (True, True), "copyto 总是复制"),
               Case("以为 as_in_context 总复制", lambda: (False, False), "只在需要时复制"),
               Case("写成字符串", lambda: ("True", "False"), "之一")],
        right=[Case("np.True_、np.False_", lambda: (onp.True_, onp.False_), ""),
               Case("0 维 NumPy 布尔数组", lambda: (onp.array(True), onp.array(False)), "")]),
    Exercise(
        "04", 2, "修改 as_in_context 的返回值", ("changes_other", "changes_same"), judge2,
        hint_text="先问 as_in_context 有没有复制：目标设备与 a 所在的设备不同时必须复制，相同时直接返回 a。"
                  "复制出来的数组与 a 互不影响。",
        solution_text="""
            changes_other, changes_same = False, True
            a = nd.zeros((3,), ctx=ctx); b = a.as_in_context(other); b[:] = 7; print(a)   # [0. 0. 0.]：b 是副本
            a = nd.zeros((3,), ctx=ctx); b = a.as_in_context(ctx); b[:] = 7; print(a)     # [7. 7. 7.]：b 就是 a
            所以 as_in_context 的结果可能与原数组共用内存：要改它而不影响原数组，用 copyto 或 copy()。
        """,
        reference=lambda: (False, True),
        wrong=[Case("以为两种都会改到 a", lambda: (True, True), "必须复制"),
               Case("以为两种都不会改到 a", lambda: (False, False), "b is a"),
               Case("两种情形弄反了", lambda: (True, False), "必须复制"),
               Case("写成 0 和 1", lambda: (0, 1), "之一")],
        right=[Case("np.False_、np.True_（比较数组得到的）", lambda: (onp.False_, onp.True_), ""),
               Case("(a == 7).sum() == 3 这样的比较", lambda: (bool(onp.zeros(3).sum() == 21), 3 == 3), "")]),
    Exercise(
        "04", 3, "参数只留在另一个设备上", ("error_3",), judge3,
        hint_text="本节“把数据交给参数不在那个设备上的层”那一段报的是什么错？",
        solution_text="""
            error_3 = 'RuntimeError'
            net2.collect_params().reset_ctx(other)
            try:
                net2(X4)
            except RuntimeError as err:
                print(type(err).__name__, str(err).split('.')[0])
            # RuntimeError Parameter 'conv1_weight' was not initialized on context cpu(0)
            注意：这个单元格会改动 net2，运行后上面的单元格要从头重跑。
        """,
        reference=lambda: ("RuntimeError",),
        wrong=[Case("以为能正常运行", lambda: ("没有错误",), "参数就要在哪个设备上"),
               Case("以为是算子报错", lambda: ("MXNetError",), "Gluon 取参数时"),
               Case("写的是 MXNetError 这个类", lambda: (__import__("mxnet").base.MXNetError,), "RuntimeError 的子类"),
               Case("以为是 learn_kernel 的 ValueError", lambda: ("ValueError",), "没有经过 learn_kernel")],
        right=[Case("异常类 RuntimeError 本身", lambda: (RuntimeError,), ""),
               Case("带空格的 'RuntimeError '", lambda: ("RuntimeError ",), ""),
               Case("大小写不同的 'runtimeerror'", lambda: ("runtimeerror",), "")]),
])

module_api(LESSON, globals())
