"""第 7 课《多输入多输出通道》的练习与检查。"""

from __future__ import annotations

import numpy as onp

from . import (Case, Exercise, Lesson, Wrong, call, expect_array, expect_choice, expect_function,
               expect_number, expect_shape, fixed_rng, module_api, to_numpy)

# 第 7 课开头的 2 通道输入：通道 0 是竖直边缘，通道 1 是水平边缘
X2 = onp.array([[[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]],
                [[1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]]], dtype=float)


def _nd(a):
    from mxnet import nd
    return nd.array(a)


def judge1(out_shape_1, params_1):
    expect_shape(out_shape_1, (8, 32, 32), "输出形状", known={
        (3, 32, 32): "输出的通道数是卷积核的第一维（输出通道数 8），不是输入的通道数。",
        (8, 28, 28): "别忘了填充 2：(32 + 4 - 5) + 1 = 32。",
        (32, 32): "多输出通道的输出有三个维度：(输出通道数, 高, 宽)。"})
    expect_number(params_1, 608, "参数个数", known={
        600: "题目问的参数含偏置：每个输出通道还有一个偏置，共 8 个。",
        75 + 1: "卷积核有 8 × 3 × 5 × 5 个元素，不只是一个输出通道的 3 × 5 × 5。"})


def judge2(weights_2, mults_2):
    expect_number(weights_2, 4608, "权重个数", known={
        4640: "题目问的是权重，不含 32 个偏置。",
        288: "288 = 32 × 3 × 3：少乘了输入通道数。每个输出通道的卷积核覆盖全部 16 个输入通道，"
             "形状是 16 × 3 × 3，所以权重共 32 × 16 × 3 × 3。",
        144: "144 = 16 × 3 × 3 只是一个输出通道的卷积核：32 个输出通道各有一个，再乘以 32。"})
    expect_number(mults_2, 73728, "乘法次数", known={
        4608: "每个输出位置（4 × 4 个）都要把全部权重用一遍：4608 × 16。",
        4608 * 64: "输出是 4 × 4 = 16 个位置，不是 8 × 8。"})


def judge3(K_sum):
    K = to_numpy(K_sum, "卷积核 K_sum")
    if K.shape == (2, 1, 1, 1):
        raise Wrong("形状应为 (c_o, c_i, 1, 1) = (1, 2, 1, 1)：1 个输出通道、2 个输入通道。")
    if K.shape != (1, 2, 1, 1):
        raise Wrong(f"1 × 1 卷积核的形状应为 (输出通道数, 输入通道数, 1, 1) = (1, 2, 1, 1)，你的是 {K.shape}。")
    out = onp.einsum("oi,ihw->ohw", K[:, :, 0, 0], X2)
    expect_array(out[0], X2[0] + X2[1], "用 K_sum 得到的输出", known=[
        ((X2[0] + X2[1]) / 2, "你得到的是两个通道的平均：要求和，两个权重都应为 1。")])


def judge4(equivalent_4, merge_1x1):
    expect_choice(equivalent_4, True, "equivalent_4", (True, False), known={
        False: "1 × 1 卷积就是对通道做矩阵乘法，两次矩阵乘法可以合成一次：(B A) x = B (A x)。"})
    f = expect_function(merge_1x1, "merge_1x1")
    rng = fixed_rng(7)
    A = rng.standard_normal((4, 3, 1, 1))
    B = rng.standard_normal((2, 4, 1, 1))
    got = call(f, _nd(A), _nd(B), what="merge_1x1")
    want = (B[:, :, 0, 0] @ A[:, :, 0, 0])[:, :, None, None]
    expect_array(got, want, "合并后的卷积核", atol=1e-4)


def _ref4():
    def merge_1x1(A, B):
        from mxnet import nd
        return nd.dot(B.reshape((B.shape[0], -1)), A.reshape((A.shape[0], -1))).reshape(
            (B.shape[0], A.shape[1], 1, 1))
    return True, merge_1x1


def _wrong4_2d():
    def merge_1x1(A, B):
        from mxnet import nd
        return nd.dot(B.reshape((B.shape[0], -1)), A.reshape((A.shape[0], -1)))
    return True, merge_1x1


def _wrong4_order():
    def merge_1x1(A, B):  # 先 A 后 B 写成了 A B：矩阵形状对不上，nd.dot 报错
        from mxnet import nd
        return nd.dot(A.reshape((A.shape[0], -1)), B.reshape((B.shape[0], -1))).reshape(
            (B.shape[0], A.shape[1], 1, 1))
    return True, merge_1x1


def _wrong4_transposed():
    def merge_1x1(A, B):  # 得到 (B A) 的转置，再硬 reshape 成 (2, 3, 1, 1)
        from mxnet import nd
        return nd.dot(A.reshape((A.shape[0], -1)).T, B.reshape((B.shape[0], -1)).T).reshape(
            (B.shape[0], A.shape[1], 1, 1))
    return True, merge_1x1


def _right4_einsum():
    def merge_1x1(A, B):
        from mxnet import nd
        return nd.array(onp.einsum("oi,ij->oj", B.asnumpy()[:, :, 0, 0], A.asnumpy()[:, :, 0, 0])[:, :, None, None])
    return onp.True_, merge_1x1


def _right4_expand():
    def merge_1x1(A, B):
        from mxnet import nd
        M = nd.dot(B[:, :, 0, 0], A[:, :, 0, 0])
        return M.expand_dims(axis=2).expand_dims(axis=3)
    return True, merge_1x1


def judge5(mults_grad_X, mults_grad_K, ratio_5):
    expect_number(mults_grad_X, 73728, "对输入求梯度的乘法次数", known={
        4608: "输入梯度的每个元素要收集所有覆盖它的输出位置和输出通道：总次数与前向一样，每个 (输出元素, 权重) 对乘一次。"})
    expect_number(mults_grad_K, 73728, "对卷积核求梯度的乘法次数", known={
        4608: "每个权重的梯度要对全部 4 × 4 个输出位置求和：4608 × 16，与前向一样多。"})
    expect_number(ratio_5, 3, "前向加反向约是前向的几倍", rel=0.05, known={
        2: "反向要算两个梯度（对输入、对卷积核），各与前向一样多：1 + 2 = 3 倍。",
        1: "反向传播不是免费的：它要算两个梯度。"})


LESSON = Lesson("07", [
    Exercise(
        "07", 1, "输出形状和参数个数", ("out_shape_1", "params_1"), judge1,
        hint_text="输出通道数 = 卷积核的第一维；高和宽用填充、步幅的公式。参数 = c_o c_i k_h k_w + c_o（偏置）。",
        solution_text="""
            out_shape_1, params_1 = (8, 32, 32), 608   # 8 × 3 × 5 × 5 + 8
            conv = nn.Conv2D(8, kernel_size=5, padding=2, in_channels=3); conv.initialize()
            print(conv(nd.zeros((1, 3, 32, 32))).shape[1:], conv.weight.data().size + conv.bias.data().size)
        """,
        reference=lambda: ((8, 32, 32), 608),
        wrong=[Case("用了输入的通道数", lambda: ((3, 32, 32), 608), "卷积核的第一维"),
               Case("忘了填充", lambda: ((8, 28, 28), 608), "填充 2"),
               Case("忘了偏置", lambda: ((8, 32, 32), 600), "含偏置"),
               Case("通道放在最后", lambda: ((32, 32, 8), 608), "顺序不对")],
        right=[Case("列表和 NumPy 整数", lambda: ([8, 32, 32], onp.int64(608)), ""),
               Case("输出的 .shape[1:]", lambda: (__import__("mxnet").nd.zeros((1, 8, 32, 32)).shape[1:], 608.0), "")]),
    Exercise(
        "07", 2, "一个卷积层的代价", ("weights_2", "mults_2"), judge2,
        hint_text="权重 c_o × c_i × k × k；乘法次数 = 权重个数 × 输出的 h × w。",
        solution_text="""
            weights_2, mults_2 = conv_cost(16, 32, 3, 4, 4)   # 4608, 73728
        """,
        reference=lambda: (4608, 73728),
        wrong=[Case("权重算上偏置", lambda: (4640, 73728), "不含 32 个偏置"),
               Case("乘法只算一个位置", lambda: (4608, 4608), "每个输出位置"),
               Case("权重少乘输入通道数（288）", lambda: (288, 73728), "少乘了输入通道数"),
               Case("只算一个输出通道的卷积核（144）", lambda: (144, 73728), "只是一个输出通道")],
        right=[Case("NumPy 整数", lambda: (onp.int64(4608), onp.int64(73728)), ""),
               Case("浮点数", lambda: (4608.0, 73728.0), "")]),
    Exercise(
        "07", 3, "求通道之和的 1 × 1 卷积核", ("K_sum",), judge3,
        hint_text="1 × 1 卷积核的形状是 (c_o, c_i, 1, 1)；输出 = 各输入通道按权重相加。",
        solution_text="""
            K_sum = nd.ones((1, 2, 1, 1))
            X2 = nd.array([[[1, 1, 0, 0]] * 4, [[1, 1, 1, 1]] * 2 + [[0, 0, 0, 0]] * 2])   # 本节开头的输入
            print(d2lutils.corr2d_multi_in_out_1x1(X2, K_sum)[0], X2[0] + X2[1])
        """,
        reference=lambda: (_nd(onp.ones((1, 2, 1, 1))),),
        wrong=[Case("输入输出通道对调", lambda: (_nd(onp.ones((2, 1, 1, 1))),), "(1, 2, 1, 1)"),
               Case("求了平均", lambda: (_nd(onp.full((1, 2, 1, 1), 0.5)),), "平均"),
               Case("只取了第一个通道", lambda: (_nd([[[[1.0]], [[0.0]]]]),), "数值不对")],
        right=[Case("NumPy 数组", lambda: (onp.ones((1, 2, 1, 1)),), ""),
               Case("嵌套列表", lambda: ([[[[1]], [[1]]]],), "")]),
    Exercise(
        "07", 4, "两个 1 × 1 卷积层", ("equivalent_4", "merge_1x1"), judge4,
        hint_text="1 × 1 卷积核 A (4, 3, 1, 1) 就是 4 × 3 的矩阵；先用 A 再用 B，等于乘以矩阵 B A。",
        solution_text="""
            equivalent_4 = True
            def merge_1x1(A, B):
                return nd.dot(B.reshape((B.shape[0], -1)), A.reshape((A.shape[0], -1))).reshape(
                    (B.shape[0], A.shape[1], 1, 1))
            中间加了激活函数（例如 ReLU）就不再等价：这正是网络里 1 × 1 卷积层之间要有非线性的原因。
        """,
        reference=_ref4,
        wrong=[Case("没有变回四维", _wrong4_2d, "形状应为 (2, 3, 1, 1)"),
               Case("预测不等价", lambda: (False, _ref4()[1]), "合成一次"),
               Case("乘的顺序反了（A B）：nd.dot 报错", _wrong4_order, "形状对不上"),
               Case("算成了 (B A) 的转置再 reshape", _wrong4_transposed, "数值不对")],
        right=[Case("NumPy einsum 再变回 nd.array、np.True_", _right4_einsum, ""),
               Case("nd.dot 之后 expand_dims", _right4_expand, "")]),
    Exercise(
        "07", 5, "反向传播的代价", ("mults_grad_X", "mults_grad_K", "ratio_5"), judge5,
        hint_text="前向时每个 (输出元素, 权重) 对做一次乘法。反向传播时，同一对在对输入的梯度里乘一次"
                  "（输出梯度 × 权重），在对卷积核的梯度里也乘一次（输出梯度 × 输入）。",
        solution_text="""
            mults_grad_X, mults_grad_K, ratio_5 = 73728, 73728, 3
            对输入的梯度是“输出梯度与翻转的卷积核”的（填充后的）互相关，对卷积核的梯度是“输入与输出梯度”的互相关，
            乘法次数都与前向相同。所以训练一步（前向 + 反向）约是推断的 3 倍；这也是训练比推断慢得多的主要原因。
        """,
        reference=lambda: (73728, 73728, 3),
        wrong=[Case("以为反向只算一个梯度", lambda: (73728, 73728, 2), "1 + 2 = 3"),
               Case("卷积核梯度只算一个位置", lambda: (73728, 4608, 3), "4 × 4 个输出位置"),
               Case("以为反向是免费的", lambda: (73728, 73728, 1), "不是免费的")],
        right=[Case("NumPy 整数和比值算式", lambda: (onp.int64(73728), onp.int64(73728), (73728 * 3) / 73728), ""),
               Case("比值约为 3 的小数", lambda: (73728.0, 73728.0, 3.0), "")]),
])

module_api(LESSON, globals())
