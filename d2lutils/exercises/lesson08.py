"""第 8 课《汇聚层》的练习与检查。"""

from __future__ import annotations

import numpy as onp

import d2lutils

from . import (Case, Exercise, answer, Lesson, Wrong, as_int, call, expect_array, expect_choice, expect_float,
               expect_function, expect_number, expect_shape, fixed_rng, module_api, run_counted, to_numpy)


def _nd(a):
    from mxnet import nd
    return nd.array(a)


def _windows(X, k, s):
    """NumPy：(输出高, 输出宽, k*k) 的窗口（无填充）。"""
    X = onp.asarray(X, float)
    oh, ow = (X.shape[0] - k) // s + 1, (X.shape[1] - k) // s + 1
    return onp.stack([X[a:a + s * (oh - 1) + 1:s, b:b + s * (ow - 1) + 1:s]
                      for a in range(k) for b in range(k)], axis=-1)


def _softmax_pool(X, k, s, beta):
    W = _windows(X, k, s)
    w = onp.exp(beta * (W - W.max(axis=-1, keepdims=True)))
    w /= w.sum(axis=-1, keepdims=True)
    return (w * W).sum(axis=-1)


def _int_quarter():
    from mxnet import nd
    return nd.ones((2, 2), dtype="int32") / 4   # 整数除法：全为 0


X_TEST = fixed_rng(8).standard_normal((6, 6))


def judge1(K_avg, stride_avg):
    import d2lutils
    K = to_numpy(K_avg, "卷积核 K_avg")
    stride_avg = as_int(stride_avg, "步幅 stride_avg")
    if K.shape != (2, 2):
        raise Wrong(f"2 × 2 的平均汇聚对应 2 × 2 的卷积核，你的形状是 {K.shape}。")
    expect_float(K_avg, "卷积核 K_avg", onp.full((2, 2), 0.25))   # 只在 1/4 被截成 0 时说数据类型
    got = d2lutils.corr2d_fast(_nd(X_TEST), _nd(K), stride=stride_avg)
    want = _windows(X_TEST, 2, 2).mean(axis=-1)
    if stride_avg != 2:
        raise Wrong(f"步幅 {stride_avg} 时输出是 {got.shape}，2 × 2、步幅 2 的平均汇聚输出是 {want.shape}："
                    "步幅要等于窗口大小。")
    expect_array(got, want, "用 K_avg 得到的输出", known=[
        (want * 4, "结果是平均值的 4 倍：卷积核的每个元素要除以窗口的元素个数 4。")])


def _grows(f, make_args, what):
    """在两种大小的输入上运行 f，返回 (小输入的算子次数, 大输入的算子次数)（含数组下标读写）。"""
    counts = []
    for n in (6, 12):
        _, counter = run_counted(f, *make_args(n), what=what)
        counts.append(counter.total + counter.indexing)
    return counts


def judge2(min_pool):
    f = expect_function(min_pool, "min_pool")
    for X, k, s in [(X_TEST, 2, 2), (fixed_rng(9).standard_normal((5, 7)), 3, 1)]:
        got = to_numpy(call(f, _nd(X), k, s, what="min_pool"), "min_pool 的结果")
        want = _windows(X, k, s).min(axis=-1)
        expect_array(got, want, f"{X.shape} 的输入、{k} × {k} 窗口、步幅 {s} 时的输出", known=[
            (-_windows(X, k, s).max(axis=-1), "你先做最大汇聚再取负：应该对 -X 做最大汇聚，结果再取负。")])
    small, big = _grows(f, lambda n: (_nd(onp.ones((n, n))), 2, 2), "min_pool")
    if big > small:
        raise Wrong(f"结果对了，但算子调用的次数随输入变大而增长（6 × 6 时 {small} 次，12 × 12 时 {big} 次）："
                    "你在逐个窗口循环。题目要你用 d2lutils.pool2d 一次算完：min(x) = -max(-x)。")


def _ref2():
    def min_pool(X, pool_size, stride):
        import d2lutils
        return -d2lutils.pool2d(-X, pool_size, stride=stride)
    return (min_pool,)


def _wrong2_maxneg():
    def min_pool(X, pool_size, stride):
        import d2lutils
        return -d2lutils.pool2d(X, pool_size, stride=stride)
    return (min_pool,)


def _wrong2_loop():
    def min_pool(X, pool_size, stride):  # 逐个窗口取最小值
        from mxnet import nd
        o_h, o_w = (X.shape[0] - pool_size) // stride + 1, (X.shape[1] - pool_size) // stride + 1
        return nd.stack(*[X[i * stride:i * stride + pool_size, j * stride:j * stride + pool_size].min()
                          for i in range(o_h) for j in range(o_w)]).reshape((o_h, o_w))
    return (min_pool,)


def _right2_mul():
    def min_pool(X, pool_size, stride):
        import d2lutils
        return d2lutils.pool2d(X * -1, pool_size, stride=stride) * -1
    return (min_pool,)


def _right2_pooling():
    def min_pool(X, pool_size, stride):  # 直接用 MXNet 的 Pooling 算子（要 4 维的输入）
        from mxnet import nd
        Y = nd.Pooling(-X.reshape((1, 1) + X.shape), kernel=(pool_size, pool_size), stride=(stride, stride),
                       pool_type="max")
        return -Y[0, 0]
    return (min_pool,)


def _wrong2_noneg():
    def min_pool(X, pool_size, stride):
        import d2lutils
        return d2lutils.pool2d(-X, pool_size, stride=stride)
    return (min_pool,)


def judge3(shape_k2, shape_k3):
    expect_shape(shape_k2, (14, 14), "2 × 2 窗口的输出形状")
    expect_shape(shape_k3, (13, 13), "3 × 3 窗口的输出形状", known={
        (14, 14): "(28 - 3) // 2 + 1 = 13：不能整除时，最后一列（行）凑不满一个窗口，不参与计算。",
        (26, 26): "步幅是 2，不是 1。"})


def judge4(n_params_pool):
    expect_number(n_params_pool, 0, "参数个数", known={
        4: "汇聚层没有卷积核：它只取窗口里的最大值，没有要学习的权重。",
        1: "汇聚层也没有偏置。"})


def judge5(max_as_conv, A5, B5):
    expect_choice(max_as_conv, False, "max_as_conv", (True, False), known={
        True: "互相关是线性运算：corr(A + B) = corr(A) + corr(B)；最大汇聚不满足这个等式，所以没有这样的卷积核。"})
    A, B = to_numpy(A5, "A5"), to_numpy(B5, "B5")
    for M, name in [(A, "A5"), (B, "B5")]:
        if M.shape != (2, 2):
            raise Wrong(f"{name} 应为 2 × 2 的数组（正好一个窗口），你的形状是 {M.shape}。")
    if abs((A + B).max() - (A.max() + B.max())) < 1e-9:
        raise Wrong(f"对这两个输入两边相等（都是 {(A + B).max():g}）：选两个最大值在不同位置的 A5 和 B5。")


def judge6(max_pool_im2col):
    import d2lutils
    f = expect_function(max_pool_im2col, "max_pool_im2col")
    for X, k, s in [(X_TEST, 2, 2), (fixed_rng(10).standard_normal((5, 7)), 3, 1)]:
        got, counter = run_counted(f, _nd(X), k, s, library=("pool2d",), what="max_pool_im2col")
        want = d2lutils.pool2d(_nd(X), k, stride=s).asnumpy()
        expect_array(got, want, f"{X.shape} 的输入、{k} × {k} 窗口、步幅 {s} 时的输出")
        if counter.library_calls:
            raise Wrong("这样能得到结果，但题目要你自己写出用 im2col 的最大汇聚：你直接调用了 d2lutils.pool2d，计算是它替你做的。")
    small, big = _grows(f, lambda n: (_nd(onp.ones((n, n))), 2, 2), "max_pool_im2col")
    if big > small or not counter.ops["im2col"]:
        raise Wrong("结果对了，但你没有用一次 im2col 展开所有窗口"
                    + (f"：算子调用的次数随输入变大而增长（6 × 6 时 {small} 次，12 × 12 时 {big} 次），你在逐个窗口循环"
                       if big > small else "") + "。一次 im2col 展开所有窗口，再沿窗口的维度求一次 max。")


def _ref6():
    def max_pool_im2col(X, k, stride):
        import d2lutils
        o_h, o_w = (X.shape[0] - k) // stride + 1, (X.shape[1] - k) // stride + 1
        return d2lutils.im2col(X, (k, k), stride=stride).max(axis=0).reshape((o_h, o_w))
    return (max_pool_im2col,)


def _wrong6_axis():
    def max_pool_im2col(X, k, stride):
        import d2lutils
        return d2lutils.im2col(X, (k, k), stride=stride).max(axis=1)
    return (max_pool_im2col,)


def _right6_listcomp():
    def max_pool_im2col(X, k, stride):  # 输出形状用列表推导式，nd.max 函数
        from mxnet import nd
        import d2lutils
        o_h, o_w = [(n - k) // stride + 1 for n in X.shape]
        return nd.max(d2lutils.im2col(X, (k, k), stride=stride), axis=0).reshape((o_h, o_w))
    return (max_pool_im2col,)


def _right6_mx():
    def max_pool_im2col(X, k, stride):  # 直接用 MXNet 的 im2col 算子（4 维输入）
        import mxnet as mx
        o_h, o_w = (X.shape[0] - k) // stride + 1, (X.shape[1] - k) // stride + 1
        cols = mx.nd.im2col(X.reshape((1, 1) + X.shape), kernel=(k, k), stride=(stride, stride))
        return cols[0].max(axis=0).reshape((o_h, o_w))
    return (max_pool_im2col,)


def _wrong6_loop():
    def max_pool_im2col(X, k, stride):
        from mxnet import nd
        o_h, o_w = (X.shape[0] - k) // stride + 1, (X.shape[1] - k) // stride + 1
        return nd.stack(*[X[i * stride:i * stride + k, j * stride:j * stride + k].max()
                          for i in range(o_h) for j in range(o_w)]).reshape((o_h, o_w))
    return (max_pool_im2col,)


LIMITS = ("最大汇聚", "平均汇聚", "最小汇聚")


def judge7(softmax_pool, limit_large_beta):
    f = expect_function(softmax_pool, "softmax_pool")
    got0 = to_numpy(call(f, _nd(X_TEST), 2, 2, 0.0, what="softmax_pool"), "β = 0 时的输出")
    expect_array(got0, _windows(X_TEST, 2, 2).mean(axis=-1), "β = 0 时的输出（应等于平均汇聚）", known=[
        (_softmax_pool(X_TEST, 2, 2, 1.0), "β = 0 时的结果与 β = 1 的相同：权重里忘了乘以 β。"),
        (onp.ones((3, 3)), "输出全是 1：你返回了权重之和，忘了用权重乘以窗口里的值再相加。")])
    for beta in (1.0, 5.0):
        got = call(f, _nd(X_TEST), 2, 2, beta, what="softmax_pool")
        expect_array(got, _softmax_pool(X_TEST, 2, 2, beta), f"β = {beta:g} 时的输出", atol=1e-4, known=[
            (onp.ones((3, 3)), "输出全是 1：你返回了权重之和，忘了用权重乘以窗口里的值再相加。")])
    expect_choice(limit_large_beta, "最大汇聚", "limit_large_beta", LIMITS, known={
        "平均汇聚": "β 越大，最大值的权重越接近 1、其他权重越接近 0：趋于最大汇聚。β = 0 时才是平均汇聚。",
        "最小汇聚": "β 为正时最大值的权重最大；β → -∞ 才趋于最小汇聚。"})


def _ref7():
    def softmax_pool(X, k, stride, beta):
        import d2lutils
        from mxnet import nd
        o_h, o_w = (X.shape[0] - k) // stride + 1, (X.shape[1] - k) // stride + 1
        cols = d2lutils.im2col(X, (k, k), stride=stride)
        w = nd.softmax(beta * cols, axis=0)
        return (w * cols).sum(axis=0).reshape((o_h, o_w))
    return softmax_pool, "最大汇聚"


def _wrong7_weights():
    def softmax_pool(X, k, stride, beta):
        import d2lutils
        from mxnet import nd
        o_h, o_w = (X.shape[0] - k) // stride + 1, (X.shape[1] - k) // stride + 1
        return nd.softmax(beta * d2lutils.im2col(X, (k, k), stride=stride), axis=0).sum(axis=0).reshape((o_h, o_w))
    return softmax_pool, "最大汇聚"


def _right7_exp():
    def softmax_pool(X, k, stride, beta):  # 自己写 softmax：先减去每列的最大值再取指数
        import d2lutils
        o_h, o_w = (X.shape[0] - k) // stride + 1, (X.shape[1] - k) // stride + 1
        cols = d2lutils.im2col(X, (k, k), stride=stride)
        e = (beta * (cols - cols.max(axis=0, keepdims=True))).exp()
        return ((e * cols).sum(axis=0) / e.sum(axis=0)).reshape((o_h, o_w))
    return softmax_pool, " 最大汇聚 "


def _right7_numpy():
    def softmax_pool(X, k, stride, beta):  # NumPy 里算，返回 NumPy 数组
        import d2lutils
        cols = d2lutils.im2col(X, (k, k), stride=stride).asnumpy()
        w = onp.exp(beta * (cols - cols.max(axis=0)))
        o_h, o_w = (X.shape[0] - k) // stride + 1, (X.shape[1] - k) // stride + 1
        return ((w * cols).sum(axis=0) / w.sum(axis=0)).reshape((o_h, o_w))
    return softmax_pool, "最大汇聚"


def _wrong7_nobeta():
    def softmax_pool(X, k, stride, beta):
        import d2lutils
        from mxnet import nd
        o_h, o_w = (X.shape[0] - k) // stride + 1, (X.shape[1] - k) // stride + 1
        cols = d2lutils.im2col(X, (k, k), stride=stride)
        return (nd.softmax(cols, axis=0) * cols).sum(axis=0).reshape((o_h, o_w))
    return softmax_pool, "最大汇聚"


LESSON = Lesson("08", [
    Exercise(
        "08", 1, "平均汇聚写成互相关", ("K_avg", "stride_avg"), judge1,
        hint_text="窗口里每个元素的权重相同，加起来等于 1；窗口不重叠。",
        solution_text="""
            K_avg, stride_avg = nd.ones((2, 2)) / 4, 2
            平均汇聚是线性的：它就是所有元素为 1/(k_h k_w) 的卷积核、步幅等于窗口大小的互相关。
        """,
        reference=lambda: (_nd(onp.ones((2, 2)) / 4), 2),
        wrong=[Case("没有除以 4", lambda: (_nd(onp.ones((2, 2))), 2), "4 倍"),
               Case("步幅 1", lambda: (_nd(onp.ones((2, 2)) / 4), 1), "步幅要等于窗口大小"),
               Case("整数数组（int32）除以 4", lambda: (_int_quarter(), 2), "数据类型是 int32"),
               Case("整数数组（int32）没有除以 4", lambda: (_nd(onp.ones((2, 2))).astype("int32"), 2), "4 倍"),
               Case("步幅写成小数", lambda: (_nd(onp.ones((2, 2)) / 4), 2.0), "应该是一个整数")],
        right=[Case("NumPy 数组和 np.int64", lambda: (onp.full((2, 2), 0.25), onp.int64(2)), ""),
               Case("嵌套列表", lambda: ([[0.25, 0.25], [0.25, 0.25]], 2), "")]),
    Exercise(
        "08", 2, "用最大汇聚实现最小汇聚", ("min_pool",), judge2,
        hint_text="min(x) = -max(-x)。",
        solution_text="""
            def min_pool(X, pool_size, stride):
                return -d2lutils.pool2d(-X, pool_size, stride=stride)
        """,
        reference=_ref2,
        wrong=[Case("先最大汇聚再取负", _wrong2_maxneg, "先做最大汇聚再取负"),
               Case("最后忘了取负", _wrong2_noneg, "符号反了"),
               Case("逐个窗口循环（值对但没有向量化）", _wrong2_loop, "逐个窗口循环")],
        right=[Case("乘以 -1", _right2_mul, ""),
               Case("MXNet 的 nd.Pooling 算子", _right2_pooling, "")]),
    Exercise(
        "08", 3, "汇聚后的形状", ("shape_k2", "shape_k3"), judge3,
        hint_text="汇聚层的输出形状公式与卷积层相同：(n + 2p - k) // s + 1。",
        solution_text="""
            shape_k2, shape_k3 = (14, 14), (13, 13)
            for k in (2, 3):
                print(nn.MaxPool2D(k, strides=2)(nd.zeros((1, 1, 28, 28))).shape[2:])
        """,
        reference=lambda: ((14, 14), (13, 13)),
        wrong=[Case("3 × 3 窗口也以为减半", lambda: ((14, 14), (14, 14)), "不能整除时"),
               Case("步幅当成 1", lambda: ((14, 14), (26, 26)), "步幅是 2"),
               Case("2 × 2 窗口少算", lambda: ((13, 13), (13, 13)), "不对")],
        right=[Case("列表", lambda: ([14, 14], [13, 13]), ""),
               Case("输出的 .shape[2:]", lambda: (onp.zeros((1, 1, 14, 14)).shape[2:],
                                                 onp.zeros((1, 1, 13, 13)).shape[2:]), "")]),
    Exercise(
        "08", 4, "汇聚层的参数", ("n_params_pool",), judge4,
        hint_text="汇聚层的输出只由窗口里的输入决定吗？有没有要学习的数？",
        solution_text="""
            n_params_pool = 0
            print(len(list(nn.MaxPool2D(2).collect_params().keys())))   # 0
        """,
        reference=lambda: (0,),
        wrong=[Case("以为有 2 × 2 个权重", lambda: (4,), "没有卷积核"),
               Case("以为有一个偏置", lambda: (1,), "也没有偏置")],
        right=[Case("NumPy 整数", lambda: (onp.int64(0),), ""),
               Case("len(...) 的结果 0.0", lambda: (0.0,), "")]),
    Exercise(
        "08", 5, "最大汇聚不能写成卷积", ("max_as_conv", "A5", "B5"), judge5,
        hint_text="互相关对输入是线性的：corr(A + B) = corr(A) + corr(B)。找两个 2 × 2 的输入，"
                  "让 max(A + B) 与 max(A) + max(B) 不相等。",
        solution_text="""
            max_as_conv = False
            A5 = nd.array([[1, 0], [0, 0]]); B5 = nd.array([[0, 0], [0, 1]])
            max(A5 + B5) = 1，而 max(A5) + max(B5) = 2。任何卷积核 K 都满足 corr(A + B, K) = corr(A, K) + corr(B, K)，
            所以最大汇聚不是任何卷积。它可以写成“im2col + 沿窗口取 max”（下一题）：im2col 是线性的，max 不是。
        """,
        reference=lambda: (False, _nd([[1, 0], [0, 0]]), _nd([[0, 0], [0, 1]])),
        wrong=[Case("以为可以", lambda: (True, _nd([[1, 0], [0, 0]]), _nd([[0, 0], [0, 1]])), "线性运算"),
               Case("反例里两个输入相同", lambda: (False, _nd([[1, 0], [0, 0]]), _nd([[1, 0], [0, 0]])), "两边相等"),
               Case("反例不是 2 × 2", lambda: (False, _nd([[1, 0]]), _nd([[0, 1]])), "2 × 2")],
        right=[Case("np.False_ 和 NumPy 数组", lambda: (onp.False_, onp.array([[3.0, 0], [0, 0]]),
                                                     onp.array([[0, 0], [1.0, 0]])), ""),
               Case("嵌套列表、含负数的反例", lambda: (False, [[1, -1], [0, 0]], [[-1, 1], [0, 0]]), "")]),
    Exercise(
        "08", 6, "用 im2col 写最大汇聚", ("max_pool_im2col",), judge6,
        hint_text="d2lutils.im2col(X, (k, k), stride=stride) 的每一列是一个窗口：沿 axis=0 求 max，"
                  "再 reshape 成输出的高和宽。",
        solution_text="""
            def max_pool_im2col(X, k, stride):
                o_h, o_w = (X.shape[0] - k) // stride + 1, (X.shape[1] - k) // stride + 1
                return d2lutils.im2col(X, (k, k), stride=stride).max(axis=0).reshape((o_h, o_w))
            这正是 d2lutils.pool2d 的做法：展开是线性的，取 max 在展开之后。
        """,
        reference=_ref6,
        wrong=[Case("沿 axis=1 取最大", _wrong6_axis, "形状应为"),
               Case("逐个窗口循环（值对但没有向量化）", _wrong6_loop, "逐个窗口循环"),
               Case("只调用了 d2lutils.pool2d",
                    answer(lambda X, k, stride: d2lutils.pool2d(X, k, stride=stride)), "这样能得到结果，但题目要你自己写出")],
        right=[Case("输出形状用列表推导式、nd.max", _right6_listcomp, ""),
               Case("直接用 mx.nd.im2col 算子", _right6_mx, "")]),
    Exercise(
        "08", 7, "softmax 汇聚", ("softmax_pool", "limit_large_beta"), judge7,
        hint_text="对每个窗口（im2col 的一列）x：权重 w = softmax(β x)（nd.softmax(..., axis=0)），输出 Σ w x。"
                  "β = 0 时权重都相等。",
        solution_text="""
            def softmax_pool(X, k, stride, beta):
                o_h, o_w = (X.shape[0] - k) // stride + 1, (X.shape[1] - k) // stride + 1
                cols = d2lutils.im2col(X, (k, k), stride=stride)
                w = nd.softmax(beta * cols, axis=0)
                return (w * cols).sum(axis=0).reshape((o_h, o_w))
            limit_large_beta = '最大汇聚'
            β = 0 是平均汇聚，β → +∞ 趋于最大汇聚，β → -∞ 趋于最小汇聚。与最大汇聚不同，它对窗口里的每个元素都可微
            （梯度不只流向最大值），β 也可以当作参数学习。
        """,
        reference=_ref7,
        wrong=[Case("返回了权重之和", _wrong7_weights, "忘了用权重乘以"),
               Case("忘了乘以 β", _wrong7_nobeta, "忘了乘以 β"),
               Case("以为趋于平均汇聚", lambda: (_ref7()[0], "平均汇聚"), "趋于最大汇聚"),
               Case("以为趋于最小汇聚", lambda: (_ref7()[0], "最小汇聚"), "β → -∞")],
        right=[Case("自己写 softmax（减去最大值）、选项带空格", _right7_exp, ""),
               Case("在 NumPy 里计算", _right7_numpy, "")]),
])

module_api(LESSON, globals())
