"""第 2 课《自定义卷积层》的练习与检查。"""

from __future__ import annotations

import numpy as onp

import d2lutils

from . import (Case, Exercise, answer, Lesson, Wrong, expect_array, expect_choice, expect_function,
               expect_number, expect_own_code, expect_shape, fixed_rng, module_api, run_counted)

LIBRARY = ("corr2d", "corr2d_fast", "corr2d_shift", "corr2d_rows", "corr2d_multi_in")


def _corr(X, K):
    kh, kw = K.shape
    oh, ow = X.shape[0] - kh + 1, X.shape[1] - kw + 1
    return sum(K[a, b] * X[a:a + oh, b:b + ow] for a in range(kh) for b in range(kw))


def _grad_K(f, X, K, Y):
    """对 L = sum((f(X, K) - Y)^2) 求卷积核的梯度。"""
    from mxnet import autograd
    K_ = K.copy()
    K_.attach_grad()
    with autograd.record():
        loss = ((f(X, K_) - Y) ** 2).sum()
    loss.backward()
    return K_.grad.asnumpy()


def judge1(corr2d_stack, stack_grad_same):
    f = expect_function(corr2d_stack, "corr2d_stack")
    from mxnet import nd
    import d2lutils

    rng = fixed_rng(2)
    X, Y = d2lutils.edge_data()
    K = nd.array([[0.5, -0.3]])
    X2 = nd.array(rng.integers(-3, 4, size=(4, 5)))
    K2 = nd.array(rng.integers(-3, 4, size=(2, 2)))
    for A, B in [(X, K), (X2, K2)]:
        got, counter = run_counted(f, A, B, library=LIBRARY, what="corr2d_stack")
        expect_array(got, _corr(A.asnumpy(), B.asnumpy()), f"{A.shape} 的输入、{B.shape} 的卷积核时的输出")
        expect_own_code(counter, "逐元素计算、再用 nd.stack 拼起来的 corr2d_stack")
    try:
        g = _grad_K(f, X, K, Y)
    except Exception as err:
        text = str(err)
        if "nplace" in text:
            raise Wrong("在 autograd.record() 里做了原地赋值（Y[i, j] = ...）："
                        "把每个元素算出来放进列表，最后用 nd.stack 拼起来。")
        if "computational graph" in text or "differentiate" in text:
            raise Wrong("你的函数把值取成了 Python 数，梯度断了：asscalar()、asnumpy()、float(...) 得到的数"
                        "不在自动求导的记录里，nd.array(...) 再把它们变回数组也接不上。让每个元素保持为 NDArray"
                        "（(X[i:i+h, j:j+w] * K).sum() 本身就是数组），直接放进列表交给 nd.stack。")
        raise
    if not onp.abs(g).max():
        raise Wrong("你的函数把值取成了 Python 数，梯度断了：求出的卷积核梯度全为 0。")
    expect_array(g, _grad_K(d2lutils.corr2d_fast, X, K, Y), "corr2d_stack 求出的卷积核梯度")
    if not counter.ops["stack"]:
        raise Wrong("结果和梯度都对，但题目要求把逐个算出的元素放进列表，再用 nd.stack 拼起来："
                    "你的函数没有调用 nd.stack。")
    expect_choice(stack_grad_same, True, "预测 stack_grad_same", (True, False), known={
        False: "你的函数已经能求梯度，而且与 corr2d_fast 的相同：nd.stack、切片、乘法、求和都产生新数组，"
               "自动求导能记录它们；只是算子调用多、慢。"})


def _ref1():
    from mxnet import nd

    def corr2d_stack(X, K):
        h, w = K.shape
        rows = [nd.stack(*[(X[i:i + h, j:j + w] * K).sum() for j in range(X.shape[1] - w + 1)])
                for i in range(X.shape[0] - h + 1)]
        return nd.stack(*rows).reshape((X.shape[0] - h + 1, X.shape[1] - w + 1))
    return corr2d_stack, True


def _wrong1_inplace():
    from mxnet import nd

    def corr2d_stack(X, K):  # 第 1 课那样逐元素赋值
        h, w = K.shape
        Y = nd.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
        return Y
    return corr2d_stack, True


def _wrong1_asscalar():
    from mxnet import nd

    def corr2d_stack(X, K):  # 每个元素先取成 Python 数，再放进数组
        h, w = K.shape
        return nd.array([[(X[i:i + h, j:j + w] * K).sum().asscalar() for j in range(X.shape[1] - w + 1)]
                         for i in range(X.shape[0] - h + 1)])
    return corr2d_stack, True


def _right1_flat():
    from mxnet import nd

    def corr2d_stack(X, K):  # 一个扁平的列表，一次 nd.stack，再 reshape
        h, w = K.shape
        o_h, o_w = X.shape[0] - h + 1, X.shape[1] - w + 1
        items = []
        for i in range(o_h):
            for j in range(o_w):
                items.append((X[i:i + h, j:j + w] * K).sum())
        return nd.stack(*items).reshape((o_h, o_w))
    return corr2d_stack, onp.True_


def _right1_rows():
    from mxnet import nd

    def corr2d_stack(X, K):  # 每行 nd.stack 成 (o_w,)，各行沿 axis=0 拼起来
        h, w = K.shape
        rows = []
        for i in range(X.shape[0] - h + 1):
            rows.append(nd.stack(*[nd.sum(X[i:i + h, j:j + w] * K) for j in range(X.shape[1] - w + 1)],
                                 axis=1)[0])
        return nd.stack(*rows)
    return corr2d_stack, True


def judge2(n_slice, n_mul):
    expect_number(n_slice, 8, "slice 的个数", known={
        4: "slice 少算了一半：每个卷积核元素要切两次，一次取输入的平移窗口，一次取卷积核的那个元素。",
        2: "2 × 2 的卷积核有 4 个元素，每个元素要切两次。"})
    expect_number(n_mul, 4, "broadcast_mul 的个数", known={
        8: "每个卷积核元素只乘一次：窗口乘以卷积核的那个元素。"})


def judge3(shape_3x3):
    expect_shape(shape_3x3, (4, 6), "输出形状", known={
        (6, 8): "没有填充时输出比输入小：高 6 - 3 + 1，宽 8 - 3 + 1。",
        (3, 5): "是 n - k + 1，不是 n - k。"})


def judge4(weight_shape):
    expect_shape(weight_shape, (1, 1, 1, 2), "weight 的形状", known={
        (1, 0, 1, 2): "(1, 0, 1, 2) 是第一次前向计算之前的形状：没有给 in_channels 时，Gluon 还不知道输入有几个通道，"
                      "先记作 0（延后初始化，deferred initialization）。第一次把 (1, 1, 6, 8) 的数据交给层时，"
                      "它从数据推断出输入通道数 1，这时才真正创建权重。",
        (1, 2): "nn.Conv2D 的权重多两个维度：(输出通道数, 输入通道数, 高, 宽)。",
        (1, 2, 1, 1): "顺序是 (输出通道数, 输入通道数, 高, 宽)：卷积核的高和宽在最后。"})


def _weight_after_forward():
    from mxnet import nd
    from mxnet.gluon import nn
    c4 = nn.Conv2D(channels=1, kernel_size=(1, 2))
    c4.initialize()
    c4(nd.ones((1, 1, 6, 8)))
    return c4.weight.shape


LESSON = Lesson("02", [
    Exercise(
        "02", 1, "用 nd.stack 逐元素计算", ("corr2d_stack", "stack_grad_same"), judge1,
        hint_text="对每一行 i，先把这一行的各个输出元素 (X[i:i+h, j:j+w] * K).sum() 放进列表，"
                  "nd.stack 成一行；再把各行 nd.stack 起来。整个过程没有 Y[i, j] = ... 这样的赋值。",
        solution_text="""
            def corr2d_stack(X, K):
                h, w = K.shape
                rows = [nd.stack(*[(X[i:i + h, j:j + w] * K).sum() for j in range(X.shape[1] - w + 1)])
                        for i in range(X.shape[0] - h + 1)]
                return nd.stack(*rows).reshape((X.shape[0] - h + 1, X.shape[1] - w + 1))
            stack_grad_same = True
            能求梯度，而且与 corr2d_fast 的梯度相同（都是精确的导数）：nd.stack 产生新数组，没有原地操作。
            代价是算子调用次数与输出元素个数成正比，比平移相加慢得多（见第 5 课）。
        """,
        reference=_ref1,
        wrong=[Case("逐元素原地赋值（第 1 课的写法）", _wrong1_inplace, "原地赋值"),
               Case("写对了函数却预测不能求梯度", lambda: (_ref1()[0], False), "能求梯度"),
               Case("只调用了 d2lutils.corr2d_fast",
                    answer(lambda X, K: d2lutils.corr2d_fast(X, K), True), "这样能得到结果，但题目要你自己写出"),
               Case("每个元素用 asscalar() 取成 Python 数", _wrong1_asscalar, "梯度断了")],
        right=[Case("一个扁平的列表、np.True_ 的预测", _right1_flat, ""),
               Case("逐行 nd.stack(axis=1)、nd.sum", _right1_rows, "")]),
    Exercise(
        "02", 2, "计算图里的算子", ("n_slice", "n_mul"), judge2,
        hint_text="读一读 d2lutils.blocks._corr2d_shift_add：卷积核的每个元素各做几次 slice、几次 broadcast_mul？",
        solution_text="""
            n_slice, n_mul = 8, 4
            2 × 2 的卷积核有 4 个元素；每个元素 slice 两次（输入的平移窗口、卷积核的那个元素），
            broadcast_mul 一次。可以这样数：
            from collections import Counter
            h2 = d2lutils.HybridConv2D(kernel_size=(2, 2)); h2.initialize(); h2.hybridize()
            ops = [n['op'] for n in json.loads(h2(mx.sym.var('data')).tojson())['nodes'] if n['op'] != 'null']
            print(Counter(ops))
        """,
        reference=lambda: (8, 4),
        wrong=[Case("每个元素只切一次", lambda: (4, 4), "slice 少算了一半"),
               Case("乘法数成 8", lambda: (8, 8), "只乘一次"),
               Case("slice 只切两次", lambda: (2, 4), "4 个元素")],
        right=[Case("NumPy 整数（Counter 的值）", lambda: (onp.int64(8), onp.int64(4)), ""),
               Case("浮点数", lambda: (8.0, 4.0), "")]),
    Exercise(
        "02", 3, "3 × 3 卷积层的输出形状", ("shape_3x3",), judge3,
        hint_text="没有填充、步幅为 1：输出形状是 (n_h - k_h + 1, n_w - k_w + 1)。",
        solution_text="""
            shape_3x3 = (4, 6)   # (6 - 3 + 1, 8 - 3 + 1)
            c3 = d2lutils.Conv2D(kernel_size=(3, 3)); c3.initialize(); print(c3(X).shape)
        """,
        reference=lambda: ((4, 6),),
        wrong=[Case("与输入同样大", lambda: ((6, 8),), "没有填充"),
               Case("少加 1", lambda: ((3, 5),), "n - k + 1"),
               Case("高和宽对调", lambda: ((6, 4),), "顺序不对"),
               Case("写成小数", lambda: ((4.0, 6.0),), "都应该是整数")],
        right=[Case("列表", lambda: ([4, 6],), ""),
               Case("输出的 .shape", lambda: (__import__("mxnet").nd.zeros((4, 6)).shape,), ""),
               Case("NumPy 整数组成的元组", lambda: (tuple(onp.array([4, 6])),), "")]),
    Exercise(
        "02", 4, "nn.Conv2D 的权重形状", ("weight_shape",), judge4,
        hint_text="nn.Conv2D 的权重总是四维的：输出通道、输入通道、卷积核的高、宽（第 7 课细讲）。"
                  "没有给 in_channels 时，输入通道数要等第一次前向计算看到数据才知道。",
        solution_text="""
            weight_shape = (1, 1, 1, 2)
            nn.Conv2D 处理多通道的批量输入 (批量大小, 通道, 高, 宽)，权重的形状是
            (输出通道数, 输入通道数, k_h, k_w)；这里各有 1 个通道，所以多出两个长度为 1 的维度。
            c4 = nn.Conv2D(channels=1, kernel_size=(1, 2)); c4.initialize()
            print(c4.weight.shape)                       # (1, 0, 1, 2)：还不知道输入通道数
            c4(X.reshape((1, 1) + X.shape)); print(c4.weight.shape)   # (1, 1, 1, 2)
            没有给 in_channels 时，Gluon 把输入通道数先记作 0，等第一次前向计算看到数据再推断出来
            （延后初始化）；给了 in_channels=1 的层在创建时就知道完整的形状。
        """,
        reference=lambda: ((1, 1, 1, 2),),
        wrong=[Case("只写卷积核的高和宽", lambda: ((1, 2),), "多两个维度"),
               Case("高宽放在前面", lambda: ((1, 2, 1, 1),), "顺序是"),
               Case("第一次前向之前打印的形状", lambda: ((1, 0, 1, 2),), "延后初始化")],
        right=[Case("列表", lambda: ([1, 1, 1, 2],), ""),
               Case("前向之后 c4.weight.shape", lambda: (_weight_after_forward(),), "")]),
])

module_api(LESSON, globals())
