"""第 5 课《为什么要向量化》的练习与检查。"""

from __future__ import annotations

import numpy as onp

import d2lutils

from . import (Case, Exercise, answer, Lesson, Wrong, as_number, expect_array, expect_function, expect_own_code,
               expect_shape, fixed_rng, module_api, run_counted)


def _nd(a):
    from mxnet import nd
    return nd.array(a)


def _corr_multi(X, K, stride=1):
    X, K = onp.asarray(X, float), onp.asarray(K, float)
    kh, kw = K.shape[-2:]
    oh, ow = (X.shape[-2] - kh) // stride + 1, (X.shape[-1] - kw) // stride + 1
    out = onp.zeros((oh, ow))
    for a in range(kh):
        for b in range(kw):
            window = X[..., a:a + stride * (oh - 1) + 1:stride, b:b + stride * (ow - 1) + 1:stride]
            out += (K[..., a, b, None, None] * window).reshape((-1, oh, ow)).sum(axis=0)
    return out


def judge1(cols_shape):
    expect_shape(cols_shape, (6, 12), "展开矩阵的形状", known={
        (12, 6): "im2col 每一列是一个窗口：行数是窗口的元素个数 2 × 3，列数是窗口的个数。",
        (6, 42): "忘了步幅 2：填充后 7 × 9 的输入上，步幅 2 只有 3 × 4 个窗口位置。",
        (6, 6): "忘了填充 1：填充后输入是 7 × 9。"})


def judge2(corr2d_multi_in_im2col):
    f = expect_function(corr2d_multi_in_im2col, "corr2d_multi_in_im2col")
    rng = fixed_rng(3)
    counts = []
    for shape_x, shape_k in [((2, 4, 4), (2, 2, 2)), ((3, 5, 6), (3, 2, 3))]:
        A = rng.integers(-3, 4, size=shape_x)
        B = rng.integers(-3, 4, size=shape_k)
        got, counter = run_counted(f, _nd(A), _nd(B), library=("corr2d_multi_in", "corr2d_multi_in_out"),
                                   what="corr2d_multi_in_im2col")
        expect_array(got, _corr_multi(A, B), f"输入 {shape_x}、卷积核 {shape_k} 时的输出")
        expect_own_code(counter, "用一次 im2col 和一次 nd.dot 的多输入通道互相关")
        if counter.ops["im2col"] != 1:
            raise Wrong(f"结果对了，但题目要求整个计算只用一次 im2col 和一次 nd.dot（所有通道的窗口已经摞在展开矩阵的"
                        f"同一列里）：在 {shape_x[0]} 个通道的输入上，你的函数调用了 im2col {counter.ops['im2col']} 次、"
                        f"dot {counter.ops['dot']} 次。")
        counts.append((counter.total, counter.indexing))
    if counts[0] != counts[1]:
        raise Wrong(f"结果对了，但算子调用的次数随通道数和输出大小增长（2 个通道时 {counts[0][0]} 次，3 个通道时 "
                    f"{counts[1][0]} 次）：你在用 Python 循环逐个通道或逐个元素计算。一次 im2col 和一次 nd.dot 就够了。")


def _ref2():
    def corr2d_multi_in_im2col(X, K):
        from mxnet import nd
        import d2lutils
        o_h, o_w = X.shape[1] - K.shape[1] + 1, X.shape[2] - K.shape[2] + 1
        return nd.dot(K.reshape((1, -1)), d2lutils.im2col(X, K.shape[1:])).reshape((o_h, o_w))
    return (corr2d_multi_in_im2col,)


def _wrong2_loop():
    def corr2d_multi_in_im2col(X, K):
        import d2lutils
        return sum(d2lutils.corr2d(X[c], K[c]) for c in range(X.shape[0]))
    return (corr2d_multi_in_im2col,)


def _wrong2_channel_dots():
    def corr2d_multi_in_im2col(X, K):
        from mxnet import nd
        import d2lutils
        o_h, o_w = X.shape[1] - K.shape[1] + 1, X.shape[2] - K.shape[2] + 1
        return sum(nd.dot(K[c].reshape((1, -1)), d2lutils.im2col(X[c], K.shape[1:]))
                   for c in range(X.shape[0])).reshape((o_h, o_w))
    return (corr2d_multi_in_im2col,)


def _right2_listcomp():
    def corr2d_multi_in_im2col(X, K):  # 输出形状用列表推导式算：没有对数据循环
        from mxnet import nd
        import d2lutils
        o_h, o_w = [n - k + 1 for n, k in zip(X.shape[1:], K.shape[1:])]
        return nd.dot(K.reshape((1, -1)), d2lutils.im2col(X, K.shape[1:])).reshape((o_h, o_w))
    return (corr2d_multi_in_im2col,)


def _right2_genexp():
    def corr2d_multi_in_im2col(X, K):  # 输出形状用生成器表达式，K 先展平成一维
        from mxnet import nd
        import d2lutils
        out_shape = tuple(n - k + 1 for n, k in zip(X.shape[1:], K.shape[1:]))
        return nd.dot(K.reshape((-1,)), d2lutils.im2col(X, K.shape[1:])).reshape(out_shape)
    return (corr2d_multi_in_im2col,)


def _wrong2_noreshape():
    def corr2d_multi_in_im2col(X, K):
        from mxnet import nd
        import d2lutils
        return nd.dot(K.reshape((1, -1)), d2lutils.im2col(X, K.shape[1:]))
    return (corr2d_multi_in_im2col,)


N, KS = 1024, 7
O = N - KS + 1
MB_IM2COL, MB_ROWS = KS * KS * O * O * 4 / 2 ** 20, KS * N * O * 4 / 2 ** 20


def judge3(mb_im2col, mb_rows):
    for value, mib, what in [(mb_im2col, MB_IM2COL, "im2col 的展开矩阵"), (mb_rows, MB_ROWS, "按行展开的矩阵")]:
        value = as_number(value, f"{what}的大小（单位 MB）")
        if abs(value - mib) <= 0.6:
            continue
        if abs(value - mib * 2 ** 20 / 1e6) <= 0.6:
            raise Wrong(f"{what}：你按 1 MB = 10^6 字节算了，题目按 1 MB = 2^20 字节算（差约 5%）。")
        if what.startswith("im2col") and abs(value - KS * KS * N * N * 4 / 2 ** 20) <= 0.6:
            raise Wrong("你用了输入的大小 1024 × 1024：窗口只有 (1024-7+1)² 个，展开矩阵是 49 × 1018²。")
        if abs(value * 4 - mib) <= 1:
            raise Wrong(f"{what}：float32 每个元素占 4 字节，别忘了乘以 4。")
        raise Wrong(f"{what}的大小不对：你写的是 {value:g} MB（1 MB 按 2^20 字节算）。")


def judge4(corr2d_shift_stride):
    f = expect_function(corr2d_shift_stride, "corr2d_shift_stride")
    rng = fixed_rng(4)
    A = rng.integers(-3, 4, size=(7, 8))
    B = rng.integers(-3, 4, size=(3, 2))
    library = ("corr2d_shift", "corr2d_fast", "corr2d_rows")
    counters = []
    for s in (1, 2, 3):
        got, counter = run_counted(f, _nd(A), _nd(B), s, library=library, what="corr2d_shift_stride")
        expect_array(got, _corr_multi(A, B, stride=s), f"步幅 {s} 时的输出")
        counters.append(counter)
    for counter in counters:
        expect_own_code(counter, "带步幅的平移相加")
    counts = []
    for n in (20, 40):   # 同样 2 × 2 的卷积核、步幅 2：输出 10 × 10 和 20 × 20
        _, counter = run_counted(f, _nd(onp.ones((n, n))), _nd(onp.ones((2, 2))), 2, what="corr2d_shift_stride")
        counts.append(counter.total + counter.indexing)
    if counts[1] > counts[0]:
        raise Wrong(f"结果对了，但算子调用和下标读写的次数随输出变大而增长（输出 10 × 10 时 {counts[0]} 次，"
                    f"20 × 20 时 {counts[1]} 次）：你在逐个输出元素循环。平移相加只对卷积核的元素循环"
                    "（2 × 2 的卷积核只循环 4 次），每次用 nd.slice 的 step 参数取一整块隔行隔列的切片。")


def _ref4():
    def corr2d_shift_stride(X, K, stride):
        from mxnet import nd
        k_h, k_w = K.shape
        o_h, o_w = (X.shape[0] - k_h) // stride + 1, (X.shape[1] - k_w) // stride + 1
        Y = nd.zeros((o_h, o_w))
        for a in range(k_h):
            for b in range(k_w):
                Y = Y + K[a, b] * nd.slice(X, begin=(a, b), step=(stride, stride),
                                           end=(a + stride * (o_h - 1) + 1, b + stride * (o_w - 1) + 1))
        return Y
    return (corr2d_shift_stride,)


def _wrong4_elementwise():
    def corr2d_shift_stride(X, K, stride):
        from mxnet import nd
        k_h, k_w = K.shape
        Y = nd.zeros(((X.shape[0] - k_h) // stride + 1, (X.shape[1] - k_w) // stride + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (X[i * stride:i * stride + k_h, j * stride:j * stride + k_w] * K).sum()
        return Y
    return (corr2d_shift_stride,)


def _wrong4_slice_per_output():
    def corr2d_shift_stride(X, K, stride):  # 每个输出元素一次 nd.slice
        from mxnet import nd
        k_h, k_w = K.shape
        o_h, o_w = (X.shape[0] - k_h) // stride + 1, (X.shape[1] - k_w) // stride + 1
        return nd.stack(*[(nd.slice(X, begin=(i * stride, j * stride), end=(i * stride + k_h, j * stride + k_w))
                           * K).sum() for i in range(o_h) for j in range(o_w)]).reshape((o_h, o_w))
    return (corr2d_shift_stride,)


def _right4_basic_slicing():
    def corr2d_shift_stride(X, K, stride):  # 带步长的切片 X[a:...:s, b:...:s]，权重先取成 NumPy
        k_h, k_w = K.shape
        o_h, o_w = (X.shape[0] - k_h) // stride + 1, (X.shape[1] - k_w) // stride + 1
        weights = K.asnumpy()
        Y = 0
        for a in range(k_h):
            for b in range(k_w):
                Y = Y + float(weights[a, b]) * X[a:a + stride * (o_h - 1) + 1:stride,
                                                 b:b + stride * (o_w - 1) + 1:stride]
        return Y
    return (corr2d_shift_stride,)


def _right4_list_sum():
    def corr2d_shift_stride(X, K, stride):  # 先把所有平移切片放进列表，再 nd.add_n 一次相加
        from mxnet import nd
        k_h, k_w = K.shape
        o_h, o_w = (X.shape[0] - k_h) // stride + 1, (X.shape[1] - k_w) // stride + 1
        parts = [K[a, b] * nd.slice(X, begin=(a, b), end=(a + stride * (o_h - 1) + 1, b + stride * (o_w - 1) + 1),
                                    step=(stride, stride)) for a in range(k_h) for b in range(k_w)]
        return nd.add_n(*parts)
    return (corr2d_shift_stride,)


LESSON = Lesson("05", [
    Exercise(
        "05", 1, "展开矩阵的形状", ("cols_shape",), judge1,
        hint_text="先算填充后的输入形状，再用 (n - k) // s + 1 算窗口位置的个数；展开矩阵每列是一个窗口。",
        solution_text="""
            cols_shape = (6, 12)
            填充后 7 × 9；窗口位置 ((7-2)//2+1) × ((9-3)//2+1) = 3 × 4 = 12 个，每个窗口 2 × 3 = 6 个元素。
            print(d2lutils.im2col(nd.ones((5, 7)), (2, 3), padding=1, stride=2).shape)
        """,
        reference=lambda: ((6, 12),),
        wrong=[Case("行列对调", lambda: ((12, 6),), "每一列是一个窗口"),
               Case("忘了步幅", lambda: ((6, 42),), "忘了步幅"),
               Case("忘了填充", lambda: ((6, 6),), "忘了填充"),
               Case("写成小数", lambda: ((6.0, 12.0),), "都应该是整数")],
        right=[Case("列表", lambda: ([6, 12],), ""),
               Case("im2col 结果的 .shape", lambda: (__import__("mxnet").nd.zeros((6, 12)).shape,), "")]),
    Exercise(
        "05", 2, "多输入通道的 im2col", ("corr2d_multi_in_im2col",), judge2,
        hint_text="d2lutils.im2col(X, K.shape[1:]) 对 (c, h, w) 的 X 把所有通道的窗口摞在同一列；"
                  "卷积核拉平成一行 K.reshape((1, -1))，一次 nd.dot，再 reshape 成输出的高和宽。",
        solution_text="""
            def corr2d_multi_in_im2col(X, K):
                o_h, o_w = X.shape[1] - K.shape[1] + 1, X.shape[2] - K.shape[2] + 1
                return nd.dot(K.reshape((1, -1)), d2lutils.im2col(X, K.shape[1:])).reshape((o_h, o_w))
            检查与 NumPy 的逐通道互相关之和比较（两组形状），并数你的函数调用的 MXNet 算子：
            只有一次 im2col，算子的个数不随通道数增长（算输出形状用推导式没关系）。
        """,
        reference=_ref2,
        wrong=[Case("逐通道循环（值对但没有向量化）", _wrong2_loop, "只用一次 im2col"),
               Case("忘了变回 (高, 宽)", _wrong2_noreshape, "形状应为"),
               Case("逐通道 im2col 和 dot", _wrong2_channel_dots, "调用了 im2col 2 次"),
               Case("只调用了 d2lutils.corr2d_multi_in",
                    answer(lambda X, K: d2lutils.corr2d_multi_in(X, K)), "这样能得到结果，但题目要你自己写出")],
        right=[Case("输出形状用列表推导式", _right2_listcomp, ""),
               Case("输出形状用生成器表达式、K 展平成一维", _right2_genexp, "")]),
    Exercise(
        "05", 3, "展开矩阵占多少内存", ("mb_im2col", "mb_rows"), judge3,
        hint_text="im2col：k² 行 × (n-k+1)² 列；按行展开：k 行 × n × (n-k+1)。float32 每个元素 4 字节，1 MB = 2^20 字节。",
        solution_text="""
            n, k = 1024, 7; o = n - k + 1
            mb_im2col = k * k * o * o * 4 / 2**20   # 约 194 MB
            mb_rows = k * n * o * 4 / 2**20         # 约 28 MB
            按行展开只在宽方向展开，比 im2col 小 k 倍左右，所以大问题上 corr2d_fast 选它。
        """,
        reference=lambda: (MB_IM2COL, MB_ROWS),
        wrong=[Case("用了输入的大小", lambda: (KS * KS * N * N * 4 / 2 ** 20, MB_ROWS), "输入的大小"),
               Case("忘了每个元素 4 字节", lambda: (MB_IM2COL / 4, MB_ROWS), "乘以 4"),
               Case("两个大小对调", lambda: (MB_ROWS, MB_IM2COL), "大小不对"),
               Case("按 1 MB = 10^6 字节算", lambda: (MB_IM2COL * 2 ** 20 / 1e6, MB_ROWS), "10^6 字节")],
        right=[Case("NumPy 整数和 float32（四舍五入的 MB）", lambda: (onp.int64(194), onp.float32(27.8)), ""),
               Case("np.float32(193.7) 和 np.int64(28)", lambda: (onp.float32(193.7), onp.int64(28)), ""),
               Case("算式直接写在答案里", lambda: (7 * 7 * 1018 ** 2 * 4 / 2 ** 20, 7 * 1024 * 1018 * 4 / 2 ** 20), "")]),
    Exercise(
        "05", 4, "带步幅的平移相加", ("corr2d_shift_stride",), judge4,
        hint_text="输出形状 ((n_h-k_h)//s+1, (n_w-k_w)//s+1)；对卷积核的每个元素 (a, b) 取 "
                  "nd.slice(X, begin=(a, b), end=(a + s*(o_h-1) + 1, b + s*(o_w-1) + 1), step=(s, s))。",
        solution_text="""
            def corr2d_shift_stride(X, K, stride):
                k_h, k_w = K.shape
                o_h, o_w = (X.shape[0] - k_h) // stride + 1, (X.shape[1] - k_w) // stride + 1
                Y = nd.zeros((o_h, o_w))
                for a in range(k_h):
                    for b in range(k_w):
                        Y = Y + K[a, b] * nd.slice(X, begin=(a, b), step=(stride, stride),
                                                   end=(a + stride * (o_h - 1) + 1, b + stride * (o_w - 1) + 1))
                return Y
            与 d2lutils.corr2d_shift(X, K, stride=s) 相同。循环次数只等于卷积核的元素个数。
        """,
        reference=_ref4,
        wrong=[Case("逐个输出元素循环（值对但没有向量化）", _wrong4_elementwise, "逐个输出元素循环"),
               Case("忽略了 stride", answer(lambda X, K, stride: d2lutils.corr2d_shift(X, K)), "形状应为"),
               Case("每个输出元素一次 nd.slice", _wrong4_slice_per_output, "逐个输出元素循环"),
               Case("只调用了 d2lutils.corr2d_shift",
                    answer(lambda X, K, stride: d2lutils.corr2d_shift(X, K, stride=stride)), "这样能得到结果，但题目要你自己写出")],
        right=[Case("带步长的下标切片、权重取成 Python 数", _right4_basic_slicing, ""),
               Case("切片放进列表、nd.add_n 相加", _right4_list_sum, "")]),
])

module_api(LESSON, globals())
