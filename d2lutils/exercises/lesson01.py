"""第 1 课《二维互相关运算》的练习与检查。"""

from __future__ import annotations

import numpy as onp

from . import (Case, Exercise, Lesson, Wrong, call, expect_array, expect_float, expect_function,
               expect_number, expect_shape, fixed_rng, module_api, to_numpy)


def _corr(X, K):
    """NumPy float64 的参考互相关运算（与被检查的代码无关）。"""
    X, K = onp.asarray(X, dtype=onp.float64), onp.asarray(K, dtype=onp.float64)
    kh, kw = K.shape
    oh, ow = X.shape[0] - kh + 1, X.shape[1] - kw + 1
    return sum(K[a, b] * X[a:a + oh, b:b + ow] for a in range(kh) for b in range(kw))


def _edge_image():
    X = onp.ones((6, 8))
    X[:, 2:6] = 0
    return X


def _nd(a):
    from mxnet import nd
    return nd.array(a)


def _int_half():
    from mxnet import nd
    return nd.array([[-1, 0, 1]], dtype="int32") / 2   # 整数除法：[[0, 0, 0]]


# ---- 练习 1
EYE_OUT = _corr(onp.eye(6), [[1, -1]])


def judge1(eye_shape, eye_output):
    expect_shape(eye_shape, (6, 5), "输出形状", known={
        (6, 6): "输出形状不对：卷积核宽 2，输出比输入窄 2 - 1 = 1 列，应为 6 × (6-2+1)。",
        (5, 5): "输出形状不对：卷积核只有 1 行，输出的行数不变（6 - 1 + 1 = 6）。",
        (5, 6): "输出形状不对：卷积核是 1 × 2（1 行 2 列），少的是列，不是行。"})
    expect_array(eye_output, EYE_OUT, "输出", known=[
        (-EYE_OUT, "1 和 -1 对调了：卷积核 [1, -1] 计算“左边减右边”，对角线上的 1 在窗口左边时得 1。")])


# ---- 练习 2
def judge2(num_mults):
    expect_number(num_mults, 84, "乘法次数", known={
        96: "你用了输入的元素个数 6 × 8：只有输出的每个元素才需要计算，输出是 6 × 7。",
        42: "这是输出的元素个数：每个输出元素还要做 k_h × k_w = 2 次乘法。",
        48: "这是输入的元素个数：应为 (输出元素个数) × (卷积核元素个数)。"})


# ---- 练习 3
def judge3(K_neg):
    K = to_numpy(K_neg, "卷积核 K_neg")
    if K.ndim != 2:
        raise Wrong(f"卷积核 K_neg 应该是二维的，你的形状是 {K.shape}。")
    if K.shape == (2, 1):
        raise Wrong("K_neg 是 2 × 1 的：它比较上下相邻的像素，而 X 的边缘是垂直的，要比较左右相邻的像素。")
    X = _edge_image()
    Y = _corr(X, [[1, -1]])
    if K.shape[0] > 6 or K.shape[1] > 8:
        raise Wrong(f"卷积核 K_neg 的形状 {K.shape} 比输入 (6, 8) 还大。")
    if onp.allclose(K, [[1, -1]]) if K.shape == (1, 2) else False:
        raise Wrong("这是原来的卷积核 [1, -1]：它的输出是 Y 本身，不是 -Y。")
    expect_array(_corr(X, K), -Y, "用 K_neg 得到的输出（应为 -Y）")


# ---- 练习 4
def judge4(conv2d_by_flip):
    f = expect_function(conv2d_by_flip, "conv2d_by_flip")
    from scipy.signal import convolve2d

    rng = fixed_rng(1)
    for shape_x, shape_k in [((5, 6), (3, 2)), ((4, 4), (2, 3)), ((3, 5), (1, 1))]:
        A = rng.integers(-5, 5, size=shape_x).astype(float)
        B = rng.integers(-5, 5, size=shape_k).astype(float)
        got = to_numpy(call(f, _nd(A), _nd(B), what="conv2d_by_flip"), "conv2d_by_flip 的结果")
        want = convolve2d(A, B, mode="valid")
        if got.shape == want.shape and onp.allclose(got, _corr(A, B)) and not onp.allclose(got, want):
            raise Wrong("你的结果等于不翻转卷积核的互相关运算：先把卷积核上下、左右都翻转。")
        for axis, name in [(0, "上下"), (1, "左右")]:
            if got.shape == want.shape and onp.allclose(got, _corr(A, onp.flip(B, axis))) \
                    and not onp.allclose(got, want):
                raise Wrong(f"你只把卷积核{name}翻转了：卷积运算要上下、左右都翻转（nd.flip 两次）。")
        expect_array(got, want, f"输入 {shape_x}、卷积核 {shape_k} 时的结果")


def _ref4():
    def conv2d_by_flip(X, K):
        from mxnet import nd
        import d2lutils
        return d2lutils.corr2d(X, nd.flip(nd.flip(K, axis=0), axis=1))
    return (conv2d_by_flip,)


def _flipped(flip, fn="corr2d"):
    """练习 4 的一种答案：conv2d_by_flip(X, K) 把 flip(K) 交给 d2lutils.<fn> 做互相关。"""
    def conv2d_by_flip(X, K):
        import d2lutils
        return getattr(d2lutils, fn)(X, flip(K))
    return lambda: (conv2d_by_flip,)


def _nd_flip(axis):
    def flip(K):
        from mxnet import nd
        return nd.flip(K, axis=axis)
    return flip


def _wrong4_full():
    def conv2d_by_flip(X, K):
        from mxnet import nd
        import d2lutils
        k_h, k_w = K.shape
        return d2lutils.corr2d_fast(X, nd.flip(K, axis=(0, 1)), padding=(k_h - 1, k_w - 1))
    return (conv2d_by_flip,)


# ---- 练习 5：角点（混合二阶差分）
def _square():
    S = onp.zeros((8, 8))
    S[2:6, 2:6] = 1
    return S


CORNERS = _corr(_square(), [[1, -1], [-1, 1]])   # 只在正方形的四个角上不为 0


def judge5(K_corner):
    K = to_numpy(K_corner, "卷积核 K_corner")
    if K.shape != (2, 2):
        raise Wrong(f"题目要求 2 × 2 的卷积核，你的形状是 {K.shape}。")
    if abs(K.sum()) > 1e-6:
        raise Wrong(f"在全是同一个值的区域，输出应为 0：卷积核的元素之和应为 0，你的是 {K.sum():g}。")
    X = _edge_image()
    if onp.abs(_corr(X, K)).max() > 1e-6:
        raise Wrong("K_corner 对垂直边缘（本课的 X）也有响应：左右两列的差在上下两行里要相互抵消。")
    if onp.abs(_corr(X.T, K)).max() > 1e-6:
        raise Wrong("K_corner 对水平边缘（X.T）也有响应：上下两行的差在左右两列里要相互抵消。")
    out = _corr(_square(), K)
    if onp.abs(out).max() < 1e-6:
        raise Wrong("K_corner 对正方形的角也没有响应：全为 0 的卷积核什么都检测不到。")
    lit = sorted(zip(*onp.nonzero(onp.abs(out) > 1e-6)))
    want = sorted(zip(*onp.nonzero(CORNERS)))
    if lit != want:
        raise Wrong(f"K_corner 在正方形上的响应不只在四个角：不为 0 的位置有 {len(lit)} 个。")


# ---- 练习 6：一阶、二阶导数
RAMP = onp.arange(8.0)[None, :]          # f(j) = j
SQUARE = (onp.arange(8.0) ** 2)[None, :]  # f(j) = j^2


def judge6(K_d1, K_d2):
    K1 = to_numpy(K_d1, "一阶导数的卷积核 K_d1")
    if K1.shape != (1, 3):
        raise Wrong(f"K_d1 应为 1 × 3（1 行 3 列），你的形状是 {K1.shape}。")
    expect_float(K_d1, "K_d1", [[-0.5, 0, 0.5]])   # 只在 [[-0.5, 0, 0.5]] 被截成整数时说数据类型
    d1 = 2 * onp.arange(1.0, 7.0)[None, :]  # f'(j) = 2j，在窗口中心 j = 1..6
    expect_array(_corr(SQUARE, K1), d1, "K_d1 对 f(j)=j² 的输出（应为 2j）", known=[
        (2 * d1, "K_d1 的输出是导数的 2 倍：左右两个点相距 2，差要除以 2。"),
        (onp.ones((1, 6)) * 0, "K_d1 对 j² 的输出全为 0：中间元素之外，两边的权重要一正一负。")])
    K2 = to_numpy(K_d2, "二阶导数的卷积核 K_d2")
    if K2.shape != (1, 3):
        raise Wrong(f"K_d2 应为 1 × 3，你的形状是 {K2.shape}。")
    if onp.abs(_corr(RAMP, K2)).max() > 1e-6:
        raise Wrong("K_d2 对线性函数 f(j)=j 的输出不为 0：直线的二阶导数是 0。")
    expect_array(_corr(SQUARE, K2), 2 * onp.ones((1, 6)), "K_d2 对 f(j)=j² 的输出（应处处为 2）")


LESSON = Lesson("01", [
    Exercise(
        "01", 1, "单位矩阵的互相关", ("eye_shape", "eye_output"), judge1,
        hint_text="输出形状是 (n_h-k_h+1, n_w-k_w+1)。单位矩阵只有对角线上是 1；"
                  "[1, -1] 的窗口盖住 (i, j) 和 (i, j+1)，算左减右。",
        solution_text="""
            eye_shape = (6, 5)
            eye_output = corr2d(nd.eye(6), K)   # 对角线 (i, i) 上是 1，(i+1, i) 上是 -1，其余为 0
        """,
        reference=lambda: ((6, 5), _nd(EYE_OUT)),
        wrong=[Case("形状少算一列", lambda: ((6, 6), _nd(EYE_OUT)), "输出比输入窄"),
               Case("1 和 -1 对调", lambda: ((6, 5), _nd(-EYE_OUT)), "1 和 -1 对调了"),
               Case("输出转置", lambda: ((6, 5), _nd(EYE_OUT.T)), "转置了"),
               Case("形状写成小数 (6.7, 5.2)", lambda: ((6.7, 5.2), _nd(EYE_OUT)), "都应该是整数"),
               Case("形状的两维对调", lambda: ((5, 6), _nd(EYE_OUT)), "少的是列"),
               Case("输出左右翻转", lambda: ((6, 5), _nd(EYE_OUT[:, ::-1].copy())), "左右翻转")],
        right=[Case("列表形状、NumPy 数组", lambda: ([6, 5], EYE_OUT.copy()), ""),
               Case("onp.shape 得到的形状、嵌套列表", lambda: (onp.shape(EYE_OUT), EYE_OUT.tolist()), ""),
               Case("NumPy 整数的形状、float64 的 nd.array",
                    lambda: ((onp.int64(6), onp.int64(5)), _nd(EYE_OUT).astype("float64")), "")]),
    Exercise(
        "01", 2, "乘法次数", ("num_mults",), judge2,
        hint_text="每个输出元素要做 k_h × k_w 次乘法；输出有 (n_h-k_h+1) × (n_w-k_w+1) 个元素。",
        solution_text="""
            一共 (n_h-k_h+1)(n_w-k_w+1) k_h k_w 次乘法。6 × 8 的 X、1 × 2 的 K：输出 6 × 7 = 42 个元素，
            每个 2 次乘法，共 84 次。
            num_mults = Y.size * K.size   # 84
        """,
        reference=lambda: (84,),
        wrong=[Case("用输入的元素个数", lambda: (96,), "用了输入的元素个数"),
               Case("只数输出元素", lambda: (42,), "还要做 k_h × k_w"),
               Case("少数一次", lambda: (83,), "偏小了")],
        right=[Case("NumPy 整数（Y.size * K.size 的结果）", lambda: (onp.int64(84),), ""),
               Case("浮点数 84.0", lambda: (84.0,), ""),
               Case("一个元素的 nd 数组", lambda: (_nd([84]),), "")]),
    Exercise(
        "01", 3, "输出取相反数的卷积核", ("K_neg",), judge3,
        hint_text="互相关对卷积核是线性的：卷积核整体乘以 -1，输出也乘以 -1。",
        solution_text="""
            K_neg = nd.array([[-1, 1]])   # = -K
            corr2d(X, K_neg) 与 -Y 完全相同。
        """,
        reference=lambda: (_nd([[-1, 1]]),),
        wrong=[Case("原来的卷积核", lambda: (_nd([[1, -1]]),), "原来的卷积核"),
               Case("转置的卷积核", lambda: (_nd([[-1], [1]]),), "比较上下相邻"),
               Case("放大了一倍", lambda: (_nd([[-2, 2]]),), "数值不对"),
               Case("1 × 1 的 -1", lambda: (_nd([[-1]]),), "形状应为")],
        right=[Case("NumPy 数组", lambda: (onp.array([[-1.0, 1.0]]),), ""),
               Case("嵌套列表", lambda: ([[-1, 1]],), ""),
               Case("-K（float32 的 nd.array 取负）", lambda: (-_nd([[1, -1]]),), "")]),
    Exercise(
        "01", 4, "用互相关算卷积", ("conv2d_by_flip",), judge4,
        hint_text="卷积运算 = 把卷积核上下、左右都翻转后做互相关：nd.flip(nd.flip(K, axis=0), axis=1)。",
        solution_text="""
            def conv2d_by_flip(X, K):
                return d2lutils.corr2d(X, nd.flip(nd.flip(K, axis=0), axis=1))
            检查会用几组固定的整数矩阵（不同形状）和 SciPy 的 convolve2d(..., mode='valid') 比较。
        """,
        reference=_ref4,
        wrong=[Case("没有翻转", _flipped(lambda K: K), "不翻转卷积核"),
               Case("只左右翻转", _flipped(_nd_flip(1)), "只把卷积核左右翻转"),
               Case("只上下翻转", _flipped(_nd_flip(0)), "只把卷积核上下翻转"),
               Case("算成了 full 卷积（四周多填充了 k - 1）", _wrong4_full, "形状应为")],
        right=[Case("nd.flip 一次翻转两个轴", _flipped(_nd_flip((0, 1))), ""),
               Case("用切片步长 -1 翻转、corr2d_fast", _flipped(lambda K: K[::-1, ::-1], "corr2d_fast"), "")]),
    Exercise(
        "01", 5, "角点检测器", ("K_corner",), judge5,
        hint_text="[1, -1] 求左右之差；再对这个差求上下之差。垂直边缘在上下两行里一样、水平边缘在左右两列里一样，"
                  "都会被抵消；只有左右和上下同时变化的地方（角）留下来。",
        solution_text="""
            K_corner = nd.array([[1, -1], [-1, 1]])
            它是“先左右求差、再上下求差”，即混合二阶差分 ∂²f/∂x∂y：垂直边缘在上下两行里一样，水平边缘在左右两列里一样，
            都被抵消；在正方形上它只在四个角各有一个输出不为 0（左上、右下为 1，右上、左下为 -1）。
            在 0/1 棋盘格上它处处输出 ±2（0/1 图像上的最大值），所以它是角点（棋盘格）检测器，而不是“对角线边缘”
            检测器：像素图像上的斜边是一级一级的台阶，每一级都是一个角，所以斜边上也有响应（下三角图像上是 1、-1 交替）。
            [[1, 0], [0, -1]] 比较对角线两端的像素，但它对垂直和水平边缘都有响应。
        """,
        reference=lambda: (_nd([[1, -1], [-1, 1]]),),
        wrong=[Case("只比较对角线两端", lambda: (_nd([[1, 0], [0, -1]]),), "对垂直边缘"),
               Case("元素和不为 0", lambda: (_nd([[1, 1], [1, 1]]),), "元素之和应为 0"),
               Case("1 × 2 的卷积核", lambda: (_nd([[1, -1]]),), "2 × 2"),
               Case("全为 0", lambda: (_nd([[0, 0], [0, 0]]),), "什么都检测不到")],
        right=[Case("符号相反也是角点检测器", lambda: (_nd([[-1, 1], [1, -1]]),), ""),
               Case("放大 2 倍的嵌套列表", lambda: ([[2, -2], [-2, 2]],), ""),
               Case("NumPy 数组", lambda: (onp.array([[1.0, -1.0], [-1.0, 1.0]]),), "")]),
    Exercise(
        "01", 6, "一阶导数和二阶导数", ("K_d1", "K_d2"), judge6,
        hint_text="中心差分 f'(j) ≈ (f(j+1) - f(j-1)) / 2；二阶差分 f''(j) ≈ f(j+1) - 2 f(j) + f(j-1)。"
                  "互相关的卷积核按从左到右的顺序写权重。",
        solution_text="""
            K_d1 = nd.array([[-0.5, 0, 0.5]])   # 中心差分：对二次函数恰好等于导数
            K_d2 = nd.array([[1, -2, 1]])       # 二阶差分：直线上为 0，j² 上处处为 2
            [1, -1] 是一阶差分“左减右”，等于 -f'；把它转置就得到上下方向的导数。拉普拉斯卷积核是水平和竖直
            两个二阶差分之和：先把 K_d2 和它的转置都放进 3 × 3 的数组（一个放在中间一行，一个放在中间一列），再相加：
            L = nd.zeros((3, 3)); L[1, :] = K_d2[0]; L[:, 1] += K_d2[0]   # [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
            它对任何方向的边缘都有响应。直接写 K_d2 + K_d2.T 不对：(1, 3) 与 (3, 1) 广播成
            [[2, -1, 2], [-1, -4, -1], [2, -1, 2]]。
        """,
        reference=lambda: (_nd([[-0.5, 0, 0.5]]), _nd([[1, -2, 1]])),
        wrong=[Case("一阶差分没有除以 2", lambda: (_nd([[-1, 0, 1]]), _nd([[1, -2, 1]])), "差要除以 2"),
               Case("一阶导数符号反了", lambda: (_nd([[0.5, 0, -0.5]]), _nd([[1, -2, 1]])), "符号反了"),
               Case("二阶导数符号反了", lambda: (_nd([[-0.5, 0, 0.5]]), _nd([[-1, 2, -1]])), "符号反了"),
               Case("二阶导数对直线不为 0", lambda: (_nd([[-0.5, 0, 0.5]]), _nd([[1, -1, 1]])),
                    "线性函数"),
               Case("整数数组（int32）除以 2", lambda: (_int_half(), _nd([[1, -2, 1]])), "数据类型是 int32"),
               Case("整数数组（int32）忘了除以 2", lambda: (_nd([[-1, 0, 1]]).astype("int32"), _nd([[1, -2, 1]])),
                    "差要除以 2"),
               Case("K_d2 写成了 3 × 1", lambda: (_nd([[-0.5, 0, 0.5]]), _nd([[1, -2, 1]]).T), "1 × 3")],
        right=[Case("嵌套列表", lambda: ([[-0.5, 0, 0.5]], [[1, -2, 1]]), ""),
               Case("NumPy 数组；K_d2 是整数数组（不含小数，不必是浮点）",
                    lambda: (onp.array([[-0.5, 0.0, 0.5]]), onp.array([[1, -2, 1]])), ""),
               Case("浮点数组除以 2", lambda: (_nd([[-1, 0, 1]]) / 2, _nd([[1, -2, 1]])), "")]),
])

module_api(LESSON, globals())
