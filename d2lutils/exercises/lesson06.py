"""第 6 课《填充和步幅》的练习与检查。"""

from __future__ import annotations

import numpy as onp

from . import (Case, Exercise, Lesson, Wrong, as_int, expect_array, expect_choice, expect_number, expect_shape,
               module_api)


def _out(n, k, p, s):
    return (n + 2 * p - k) // s + 1


def judge1(shape_s1, shape_s2):
    expect_shape(shape_s1, (28, 28), "步幅 1 时的输出形状", known={
        (24, 24): "忘了填充 2：两侧各补 2，输入相当于 32 × 32。"})
    expect_shape(shape_s2, (14, 14), "步幅 2 时的输出形状", known={
        (12, 12): "步幅 2 时也有填充 2：(28 + 4 - 5) // 2 + 1 = 14。",
        (13, 13): "公式是 (n + 2p - k) // s + 1：(28 + 4 - 5) // 2 + 1 = 14。"})


def judge2(padding_2, stride_2):
    padding_2, stride_2 = as_int(padding_2, "填充 padding_2"), as_int(stride_2, "步幅 stride_2")
    if padding_2 < 0 or stride_2 < 1:
        raise Wrong("填充不能为负，步幅至少为 1。")
    if padding_2 >= 3:
        raise Wrong(f"填充 {padding_2} 不小于卷积核的大小 3：窗口会整个落在补的 0 上。")
    n = _out(32, 3, padding_2, stride_2)
    if n != 16:
        raise Wrong(f"填充 {padding_2}、步幅 {stride_2} 时输出是 {n} × {n}，不是 16 × 16"
                    f"（(32 + 2×{padding_2} - 3) // {stride_2} + 1 = {n}）。")


def judge3(shape_p0, shape_p1, even_same):
    expect_shape(shape_p0, (5, 5), "填充 0 时的输出形状")
    expect_shape(shape_p1, (7, 7), "填充 1 时的输出形状", known={
        (6, 6): "两侧各补 1 行（列），输入变成 8 × 8，输出 8 - 2 + 1 = 7。"})
    expect_choice(even_same, False, "even_same", (True, False), known={
        True: "输出比输入少 k - 1 = 1；两侧相同的填充一共补 2p，总是偶数，补不出奇数 1。"})


COUNTS = onp.array([[1, 2, 2, 2, 1], [2, 4, 4, 4, 2], [2, 4, 4, 4, 2], [2, 4, 4, 4, 2], [1, 2, 2, 2, 1]])


def judge4(counts_4):
    expect_array(counts_4, COUNTS, "覆盖次数", known=[
        (onp.full((5, 5), 4), "不是每个像素都被 4 个窗口盖住：边上和角上的像素被更少的窗口盖住。"),
        (onp.ones((4, 4)) * 4, "数的是每个输入像素（5 × 5），不是每个窗口位置（4 × 4）。")])


def judge5(rf_a, rf_b):
    expect_number(rf_a, 7, "三层 3 × 3 卷积（步幅 1）的感受野边长", known={
        9: "每多一层，感受野只扩大 k - 1 = 2：3 → 5 → 7。",
        27: "感受野是相加着扩大的（每层 + (k-1)），不是相乘。"})
    expect_number(rf_b, 11, "第一层步幅 2 时的感受野边长", known={
        7: "第一层步幅 2 之后，第二、三层的相邻元素在输入上相距 2：每层扩大 (k - 1) × 2 = 4。",
        9: "第一层贡献 3，之后两层各扩大 (3 - 1) × 2 = 4：3 + 4 + 4。"})


LESSON = Lesson("06", [
    Exercise(
        "06", 1, "28 × 28 输入的输出形状", ("shape_s1", "shape_s2"), judge1,
        hint_text="输出的高 = (n_h + 2p_h - k_h) // s_h + 1，宽同理。",
        solution_text="""
            shape_s1, shape_s2 = (28, 28), (14, 14)
            for s in (1, 2):
                print(conv2d_layer(nd.ones((28, 28)), nd.ones((5, 5)), padding=2, strides=s).shape)
        """,
        reference=lambda: ((28, 28), (14, 14)),
        wrong=[Case("忘了填充", lambda: ((24, 24), (14, 14)), "忘了填充 2"),
               Case("步幅 2 时少算", lambda: ((28, 28), (13, 13)), "(28 + 4 - 5) // 2 + 1"),
               Case("步幅 2 时忘了填充", lambda: ((28, 28), (12, 12)), "步幅 2 时也有填充 2")],
        right=[Case("列表", lambda: ([28, 28], [14, 14]), ""),
               Case("输出的 .shape、NumPy 整数", lambda: (__import__("mxnet").nd.zeros((28, 28)).shape,
                                                     (onp.int64(14), onp.int64(14))), "")]),
    Exercise(
        "06", 2, "得到 16 × 16 的输出", ("padding_2", "stride_2"), judge2,
        hint_text="先想让输出与输入一样大的填充（3 × 3 的卷积核），再用步幅把高和宽减半。",
        solution_text="""
            padding_2, stride_2 = 1, 2   # 填充 1 保持 32 × 32，步幅 2 减半
            print(d2lutils.corr2d_fast(nd.ones((32, 32)), nd.ones((3, 3)), padding=1, stride=2).shape)
        """,
        reference=lambda: (1, 2),
        wrong=[Case("没有填充", lambda: (0, 2), "15 × 15"),
               Case("没有步幅", lambda: (1, 1), "32 × 32"),
               Case("填充写成小数", lambda: (1.0, 2), "应该是一个整数"),
               Case("填充等于卷积核大小", lambda: (3, 2), "不小于卷积核的大小")],
        right=[Case("NumPy 整数（np.int64）", lambda: (onp.int64(1), onp.int64(2)), ""),
               Case("NumPy int32", lambda: (onp.int32(1), onp.int32(2)), "")]),
    Exercise(
        "06", 3, "偶数大小的卷积核", ("shape_p0", "shape_p1", "even_same"), judge3,
        hint_text="6 × 6 的输入、2 × 2 的卷积核：输出的边长 = 6 + 2p - 2 + 1。",
        solution_text="""
            shape_p0, shape_p1, even_same = (5, 5), (7, 7), False
            两侧相同的填充让边长增加 2p，而偶数卷积核让边长减少 k - 1（奇数），所以输出不可能正好一样大；
            nn.Conv2D 不支持两侧不同的填充，要先用 nd.pad 在一侧补一行一列。
            for p in (0, 1):
                print(d2lutils.corr2d_fast(nd.ones((6, 6)), nd.ones((2, 2)), padding=p).shape)
        """,
        reference=lambda: ((5, 5), (7, 7), False),
        wrong=[Case("填充 1 时以为一样大", lambda: ((5, 5), (6, 6), True), "输出 8 - 2 + 1"),
               Case("形状对了却以为能一样大", lambda: ((5, 5), (7, 7), True), "补不出奇数"),
               Case("填充 0 时以为不变", lambda: ((6, 6), (7, 7), False), "不对")],
        right=[Case("列表和 np.False_", lambda: ([5, 5], [7, 7], onp.False_), ""),
               Case("输出的 .shape", lambda: (onp.zeros((5, 5)).shape, onp.zeros((7, 7)).shape, False), "")]),
    Exercise(
        "06", 4, "每个像素被几个窗口覆盖", ("counts_4",), judge4,
        hint_text="输入像素 (i, j) 被窗口 (a, b) 盖住，当且仅当 a ≤ i ≤ a + k - 1（宽同理）：数一数角上、边上和中间的像素。",
        solution_text="""
            counts_4 = d2lutils.corr2d_fast(nd.ones((4, 4)), nd.ones((2, 2)), padding=1)
            输出网格上每个窗口位置放一个 1，全 1 的卷积核把它“铺回”它覆盖的 k × k 个输入像素；
            填充 k - 1 的互相关正是把每个输入像素周围 k × k 范围内的窗口位置数加起来。
            角上 1 次，边上 2 次，中间 4 次。
        """,
        reference=lambda: (COUNTS,),
        wrong=[Case("以为处处为 4", lambda: (onp.full((5, 5), 4),), "边上和角上"),
               Case("数成了窗口位置", lambda: (onp.ones((4, 4)) * 4,), "每个输入像素"),
               Case("角上多数一次", lambda: (COUNTS + onp.pad([[1]], ((0, 4), (0, 4))),), "位置 (0, 0)")],
        right=[Case("corr2d_fast 的结果（nd.array）", lambda: (__import__("mxnet").nd.array(COUNTS),), ""),
               Case("嵌套列表", lambda: (COUNTS.tolist(),), "")]),
    Exercise(
        "06", 5, "感受野", ("rf_a", "rf_b"), judge5,
        hint_text="感受野从输出的一个元素往回推：每经过一层 k × k 的卷积，边长增加 (k - 1) × (这一层之前所有步幅的乘积)。",
        solution_text="""
            rf_a, rf_b = 7, 11
            三层 3 × 3、步幅 1：1 + 2 + 2 + 2 = 7。第一层步幅 2：第二、三层的相邻元素在输入上相距 2，
            1 + 2 + 2×2 + 2×2 = 11。验证的办法：把第三层输出的一个元素对输入求梯度，
            梯度不为 0 的输入像素所占的范围就是它的感受野。
        """,
        reference=lambda: (7, 11),
        wrong=[Case("每层乘 3", lambda: (27, 11), "不是相乘"),
               Case("每层加 3", lambda: (9, 11), "k - 1 = 2"),
               Case("忽略步幅", lambda: (7, 7), "相距 2"),
               Case("多数 1", lambda: (8, 11), "偏大了")],
        right=[Case("NumPy 整数", lambda: (onp.int64(7), onp.int64(11)), ""),
               Case("浮点数", lambda: (7.0, 11.0), "")]),
])

module_api(LESSON, globals())
