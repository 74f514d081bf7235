"""第 3 课《学习卷积核》的练习与检查。"""

from __future__ import annotations

import numpy as onp

from . import Case, Exercise, Lesson, Wrong, as_number, expect_array, expect_choice, expect_number, module_api

TRENDS = ("一直下降", "一直上升", "先降后升")


def judge1(trend_1, factor_1):
    expect_choice(trend_1, "先降后升", "trend_1", TRENDS, known={
        "一直下降": "(1, 1) 方向每步放大 |1 - 0.035 × 60| = 1.1 倍：它起初很小，但迟早会主导损失。",
        "一直上升": "起初误差几乎全在 (1, -1) 方向，那个方向每步缩小到 0.58 倍，所以损失先下降。"})
    expect_number(factor_1, 1.1, "(1, 1) 方向每步的放大倍数", rel=1e-3, known={
        -1.1: "每步乘以 1 - ηλ = -1.1：符号只表示来回振荡，放大还是缩小看它的绝对值。",
        0.58: "0.58 是 (1, -1) 方向（特征值 12）的倍数；题目问的是特征值 60 的 (1, 1) 方向。",
        2.1: "倍数是 |1 - ηλ|，不是 ηλ。"})


def judge2(K_transposed):
    expect_array(K_transposed, [[1.0], [-1.0]], "学到的卷积核（保留两位小数）", atol=0.02)


def judge3(same_loss_3):
    expect_choice(same_loss_3, False, "same_loss_3", (True, False), known={
        True: "随机数生成器给出的是一个固定的序列：先抽一个数，初始化拿到的就是序列里后面的数，"
              "初始卷积核变了，第一步的损失也就变了。"})


def _edge_hessians():
    X = onp.ones((6, 8))
    X[:, 2:6] = 0
    V = onp.stack([X[:, :-1].ravel(), X[:, 1:].ravel(), onp.ones(42)], axis=1)
    return 2 * V.T @ V


LR_BELOW, LR_ABOVE = 0.02, 0.001   # 可以比真值小 2%；比上限大只容许 0.1%（四舍五入到 3 位有效数字的误差）


def judge4(lr_max_all):
    H = _edge_hessians()
    lam_all = onp.linalg.eigvalsh(H).max()
    lam_k = onp.linalg.eigvalsh(H[:2, :2]).max()
    bound = 2 / lam_all
    lr = as_number(lr_max_all, "学习率上限")
    if bound * (1 + LR_ABOVE) < lr < 1.3 * bound:
        raise Wrong(f"你写的 {lr:.4g} 比上限 2 / λ_max 大：用它训练时最陡的方向每步乘以 |1 - ηλ_max| = "
                    f"{abs(1 - lr * lam_all):.3f} > 1，损失迟早发散。用 eigvalsh 算出的 λ_max 直接算 2 / λ_max。")
    expect_number(lr, bound, "学习率上限", rel=LR_BELOW, above=LR_ABOVE, known={
        2 / lam_k: "这是只训练卷积核时的上限（λ_max = 60）：加上偏置后 H 是 3 × 3 的，λ_max 更大。",
        1 / lam_all: "上限是 2 / λ_max，不是 1 / λ_max。",
        lam_all / 2: "上限是 2 / λ_max：你把分子分母写反了。"})


LESSON = Lesson("03", [
    Exercise(
        "03", 1, "学习率略超上限", ("trend_1", "factor_1"), judge1,
        hint_text="梯度下降每步把参数与最优值之差在每个特征向量方向上乘以 1 - ηλ。"
                  "η = 0.035 时，算出 λ = 60 和 λ = 12 两个方向的倍数，再想想初始误差主要在哪个方向。",
        solution_text="""
            trend_1, factor_1 = '先降后升', 1.1
            (1, -1) 方向每步乘以 1 - 0.035 × 12 = 0.58，(1, 1) 方向每步乘以 1 - 0.035 × 60 = -1.1
            （绝对值 1.1，来回振荡并放大）。初始误差几乎全在 (1, -1) 方向，所以损失先快速下降；
            (1, 1) 方向的小误差每步放大 1.1 倍，大约第 8 步起主导损失，损失转而上升。验证：
            mx.random.seed(0)
            c1 = nn.Conv2D(1, kernel_size=(1, 2)); c1.initialize(ctx=ctx)
            l1 = d2lutils.learn_kernel(c1, X, Y, num_steps=30, lr=0.035, verbose=False)
            print([f'{v:.3g}' for v in l1[::5]], '最小在第', l1.index(min(l1)) + 1, '步')
        """,
        reference=lambda: ("先降后升", 1.1),
        wrong=[Case("预测一直下降", lambda: ("一直下降", 1.1), "迟早会主导"),
               Case("倍数写成 1 - ηλ", lambda: ("先降后升", -1.1), "绝对值"),
               Case("倍数写成 ηλ", lambda: ("先降后升", 2.1), "不是 ηλ"),
               Case("选项写错字", lambda: ("先升后降", 1.1), "之一")],
        right=[Case("选项带空格、倍数是 NumPy 标量", lambda: (" 先降后升 ", onp.float64(1.1)), ""),
               Case("倍数写成算式 abs(1 - 0.035 * 60)", lambda: ("先降后升", abs(1 - 0.035 * 60)), "")]),
    Exercise(
        "03", 2, "转置的图像学出什么", ("K_transposed",), judge2,
        hint_text="转置后的图像只有水平边缘，标签也转置了：要比较上下相邻的像素。",
        solution_text="""
            K_transposed = nd.array([[1], [-1]])
            mx.random.seed(0)
            c2 = d2lutils.Conv2D(kernel_size=(2, 1)); c2.initialize(ctx=ctx)
            d2lutils.learn_kernel(c2, X2.T, Y2.T, num_steps=20, verbose=False)
            print(c2.weight.data().asnumpy().round(2))   # [[ 1.] [-1.]]
        """,
        reference=lambda: ([[1.0], [-1.0]],),
        wrong=[Case("没有转置", lambda: ([[1.0, -1.0]],), "转置了"),
               Case("符号反了", lambda: ([[-1.0], [1.0]],), "符号反了"),
               Case("写成了 [[1, 1]]", lambda: ([[1.0, 1.0]],), "形状应为")],
        right=[Case("nd.array", lambda: (__import__("mxnet").nd.array([[1], [-1]]),), ""),
               Case("训练 20 步后的权重（还差一点）", lambda: (onp.array([[0.995], [-0.993]]),), "")]),
    Exercise(
        "03", 3, "先抽一个随机数", ("same_loss_3",), judge3,
        hint_text="MXNet 的随机数生成器按顺序吐出一个固定的数列；初始化用的是“下一个”数。",
        solution_text="""
            same_loss_3 = False
            mx.random.seed(0); nd.random.uniform(shape=(1,))
            c3 = nn.Conv2D(1, kernel_size=(1, 2)); c3.initialize(ctx=ctx)
            d2lutils.learn_kernel(c3, X, Y, num_steps=1)   # batch 1, loss 12.234
            所以做实验时要在初始化之前显式设置种子，并且不要在中间插入别的随机调用。
        """,
        reference=lambda: (False,),
        wrong=[Case("以为不变", lambda: (True,), "固定的序列"),
               Case("写成字符串 'False'", lambda: ("False",), "之一")],
        right=[Case("np.False_（比较两次损失得到的）", lambda: (onp.False_,), ""),
               Case("0 维 NumPy 数组", lambda: (onp.array(12.234) == 12.080,), "")]),
    Exercise(
        "03", 4, "同时训练偏置时的学习率上限", ("lr_max_all",), judge4,
        hint_text="学习率上限是 2 / λ_max，λ_max 是 3 × 3 的 H（卷积核的两个元素加偏置）的最大特征值："
                  "onp.linalg.eigvalsh(H).max()。",
        solution_text="""
            lr_max_all = 2 / onp.linalg.eigvalsh(H).max()   # 约 0.0161
            偏置让 H 多了一行一列，最大特征值从 60 增大到约 124.3，上限从 0.033 降到约 0.016，
            所以学习率 3e-2 只训练卷积核时收敛，连偏置一起训练就发散。
        """,
        reference=lambda: (2 / onp.linalg.eigvalsh(_edge_hessians()).max(),),
        wrong=[Case("用了只训练卷积核的上限", lambda: (2 / 60,), "只训练卷积核"),
               Case("写成 1/λ", lambda: (1 / onp.linalg.eigvalsh(_edge_hessians()).max(),), "不是 1 / λ_max"),
               Case("会发散的 0.02", lambda: (0.02,), "发散"),
               Case("λ_max 取整成 124", lambda: (2 / 124,), "比上限 2 / λ_max 大")],
        right=[Case("保留 3 位有效数字 0.0161", lambda: (0.0161,), ""),
               Case("保留 2 位有效数字 0.016", lambda: (0.016,), ""),
               Case("NumPy 标量（eigvalsh 的结果直接相除）",
                    lambda: (onp.float64(2) / onp.linalg.eigvalsh(_edge_hessians()).max(),), "")]),
])

module_api(LESSON, globals())
