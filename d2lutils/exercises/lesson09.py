"""第 09 课《卷积神经网络（LeNet）》的练习与检查。"""

from __future__ import annotations

import functools

import numpy as onp

from . import (Case, Exercise, Lesson, Wrong, call, expect_array, expect_function, expect_number,
               expect_shape, module_api)


# ---- 练习 1：32 × 32 的输入
def judge1(s4_shape, fc_in):
    expect_shape(s4_shape, (16, 6, 6), "S4 输出的形状", known={
        (16, 5, 5): "C1 的填充 2 还在：32 + 2 × 2 − 5 + 1 = 32，不是 28；之后 16 → 12 → 6。",
        (16, 12, 12): "S4 还要把 C3 的 12 × 12 减半：6 × 6。",
        (6, 6, 6): "通道数由 C3 决定：16 个输出通道。"})
    expect_number(fc_in, 576, "C5 的输入维数", known={
        400: "这是 28 × 28 输入时的 16 × 5 × 5；32 × 32 输入时 S4 输出 16 × 6 × 6。",
        36: "全连接层把所有通道一起展平：16 × 6 × 6。"})


def _shape_of_zeros():
    from mxnet import nd

    return tuple(nd.zeros((1, 16, 6, 6)).shape[1:]), 16 * 6 * 6


# ---- 练习 2：C3 的参数个数
def _expect_c3_params(value, c_in, what, known):
    """C3（16 个 5 × 5 卷积核）在 c_in 个输入通道时的参数个数；忘了偏置的答案总有同一句提示。"""
    weights = 16 * c_in * 5 * 5
    expect_number(value, weights + 16, what, known={
        weights: f"还有 16 个偏置：16 × {c_in} × 5 × 5 + 16。", **known})


def judge2(params_c3, params_c3_12):
    _expect_c3_params(params_c3, 6, "C3 的参数个数", {
        1516: "这是论文里 C3 只连接部分通道时的数；本课的 C3 连接 S2 的全部 6 个通道：16 × 6 × 5 × 5 + 16。",
        416: "C3 的每个卷积核有 6 个输入通道：16 × 6 × 5 × 5 + 16。"})
    _expect_c3_params(params_c3_12, 12, "C1 有 12 个通道时 C3 的参数个数", {
        2416: "C1 的输出通道数就是 C3 的输入通道数：16 × 12 × 5 × 5 + 16。",
        4832: "偏置的个数等于 C3 的输出通道数 16，与输入通道数无关。"})


# ---- 练习 3：感受野
def judge3(rf_c3, rf_s4):
    expect_number(rf_c3, 14, "C3 的一个元素在输入上的感受野（边长）", known={
        10: "S2 的步幅是 2：C3 的卷积核在 S2 上相邻的两个元素，在 C1 上相距 2 个像素。"
            "所以 6 + (5 − 1) × 2 = 14，不是 6 + 4 = 10。",
        5: "这是 C3 在 S2 上看到的 5 × 5；题目问的是在输入图像上：每经过一层都要换算一次。",
        9: "C1、C3 的 5 × 5 不是直接相加：中间的 S2 又扩大了范围、让步子变成 2。"})
    expect_number(rf_s4, 16, "S4 的一个元素在输入上的感受野（边长）", known={
        28: "S4 的 2 × 2 窗口只比 C3 的感受野多出 (2 − 1) × 2 = 2 个像素：14 + 2 = 16，不是 14 × 2。",
        11: "S2 的步幅是 2：C3 的感受野是 14，S4 再加 (2 − 1) × 2 = 2。",
        15: "S4 的两个相邻输入（C3 的元素）在输入图像上相距 2 个像素，不是 1：14 + (2 − 1) × 2 = 16。"})


# ---- 练习 4：混淆矩阵
def _confusion(net, data) -> onp.ndarray:
    from mxnet import nd

    params = list(net.collect_params().values())
    ctx = params[0].list_ctx()[0] if params else None
    pred = net(nd.array(data.X_test, ctx=ctx, dtype=data.X_test.dtype)).argmax(axis=1).asnumpy().astype(int)
    truth = onp.zeros((10, 10), dtype=int)
    onp.add.at(truth, (data.y_test, pred), 1)
    return truth


def judge4(confusion, net=None, data=None):
    if net is None or data is None:
        raise Wrong("检查要用本课训练好的 net 和 data：请先从头运行本课的单元格。")
    truth = _confusion(net, data)
    known = []
    if not onp.array_equal(truth, truth.T):
        known.append((truth.T, "行应是真实的数字、列是预测的数字：你的矩阵转置了。"))
    errors = truth - onp.diag(onp.diag(truth))
    if onp.diag(truth).any():
        known.append((errors, "对角线上是分对的张数，也要算进去：confusion[d, d] 是数字 d 被认对的次数。"))
    expect_array(confusion, truth, "混淆矩阵", known=known)


@functools.lru_cache(maxsize=1)
def _test_context_cached():
    """表格测试用：一个固定种子、未训练的 LeNet-5（分错的多，混淆矩阵不对称）。"""
    import mxnet as mx
    from mxnet import init
    from mxnet.gluon import nn

    import d2lutils

    data = d2lutils.load_mnist_sample(num_train=1, num_test=500)
    mx.random.seed(0)
    net = nn.HybridSequential()
    net.add(nn.Conv2D(6, kernel_size=5, padding=2, activation="relu"), nn.MaxPool2D(2, 2),
            nn.Conv2D(16, kernel_size=5, activation="relu"), nn.MaxPool2D(2, 2),
            nn.Dense(120, activation="relu"), nn.Dense(84, activation="relu"), nn.Dense(10))
    net.initialize(init.Xavier())
    return {"net": net, "data": data}


def _test_context():
    return dict(_test_context_cached())


def _ref4():
    c = _test_context()
    return (_confusion(c["net"], c["data"]),)


def _right4_loop():
    """逐张图像累加、得到嵌套列表（Python 循环的写法）。"""
    c = _test_context()
    from mxnet import nd

    pred = c["net"](nd.array(c["data"].X_test)).argmax(axis=1).asnumpy()
    table = [[0] * 10 for _ in range(10)]
    for t, p in zip(c["data"].y_test, pred):
        table[int(t)][int(p)] += 1
    return (table,)


def _right4_mxnet():
    """用 MXNet 数组：onp.bincount(10 * 真实 + 预测)，再转成 nd.array（float32）。"""
    from mxnet import nd

    c = _test_context()
    pred = c["net"](nd.array(c["data"].X_test)).argmax(axis=1).asnumpy().astype(int)
    return (nd.array(onp.bincount(10 * c["data"].y_test + pred, minlength=100).reshape(10, 10)),)


def _wrong4_transposed():
    return (_ref4()[0].T,)


def _wrong4_errors_only():
    m = _ref4()[0].copy()
    onp.fill_diagonal(m, 0)
    return (m,)


# ---- 练习 5：用步幅代替汇聚
POOL_NAMES = ("MaxPool2D", "AvgPool2D", "GlobalMaxPool2D", "GlobalAvgPool2D", "MaxPool1D", "AvgPool1D")


def _blocks(block):
    """block 和它的全部子块（深度优先）。"""
    yield block
    for child in block._children.values():
        yield from _blocks(child)


def judge5(lenet_strided, params_5):
    import mxnet as mx
    from mxnet import gluon, init, nd
    from mxnet.gluon import nn

    f = expect_function(lenet_strided, "lenet_strided")
    net = call(f, what="lenet_strided()")
    if not isinstance(net, gluon.Block):
        raise Wrong(f"lenet_strided() 应返回一个 Gluon 网络（如 nn.HybridSequential），你的返回了 {type(net).__name__}。")
    blocks = list(_blocks(net))
    pools = [type(b).__name__ for b in blocks if type(b).__name__ in POOL_NAMES]
    if pools:
        raise Wrong(f"网络里还有汇聚层（{'、'.join(pools)}）：题目要求去掉 S2、S4，改用步幅 2 的卷积。")
    convs = [b for b in blocks if isinstance(b, nn.Conv2D)]
    if len(convs) != 2:
        raise Wrong(f"网络应有 2 个卷积层（C1、C3），你的有 {len(convs)} 个。")
    shapes = []
    hooks = [c.register_forward_hook(lambda blk, inp, out: shapes.append(tuple(out.shape[1:]))) for c in convs]
    if isinstance(net, gluon.HybridBlock):
        net.hybridize(active=False)  # 编译后的网络不调用子块的钩子
    mx.random.seed(0)
    net.initialize(init.Xavier(), ctx=mx.cpu(), force_reinit=True)
    X = nd.array(onp.random.default_rng(0).random((2, 1, 28, 28)))
    Y = net(X)
    for h in hooks:
        h.detach()
    expect_shape(shapes[0], (6, 14, 14), "C1 的输出形状", known={
        (6, 12, 12): "C1 要保留填充 2：(28 + 2 × 2 − 5) // 2 + 1 = 14；不填充时是 (28 − 5) // 2 + 1 = 12。",
        (6, 28, 28): "C1 的步幅应为 2：(28 + 4 − 5) // 2 + 1 = 14。",
        (6, 13, 13): "C1 的填充应为 2（不是 1）：(28 + 2 × 2 − 5) // 2 + 1 = 14。"})
    expect_shape(shapes[1], (16, 5, 5), "C3 的输出形状", known={
        (16, 10, 10): "C3 的步幅也应为 2：(14 − 5) // 2 + 1 = 5。",
        (16, 6, 6): "C3 不填充：(14 − 5) // 2 + 1 = 5。"})
    if tuple(Y.shape) != (2, 10):
        raise Wrong(f"网络对 (2, 1, 28, 28) 的输入应输出 (2, 10)，你的输出形状是 {tuple(Y.shape)}。")
    # 激活函数：没有激活函数的网络是仿射的，f(a + b) − f(a) − f(b) + f(0) 处处为 0
    a, b = X[:1], X[1:]
    gap = (net(a + b) - net(a) - net(b) + net(nd.zeros_like(a))).abs().max().asscalar()
    if gap < 1e-5 * (1 + net(a).abs().max().asscalar()):
        raise Wrong("网络里没有激活函数：几层卷积和全连接叠起来仍是一个线性（仿射）变换。给卷积层和前两个全连接层加上 "
                    "activation='relu'。")
    count = sum(p.data().size for p in net.collect_params().values())
    if count != 61706:
        raise Wrong(f"你的网络有 {count} 个参数，LeNet-5 有 61706 个：检查通道数（6、16）和全连接层（120、84、10）。")
    expect_number(params_5, 61706, "lenet_strided() 的参数个数", known={
        2572: "还有三个全连接层的参数：400 × 120 + 120、120 × 84 + 84 和 84 × 10 + 10。",
        61706 - 156 - 2416: "C1、C3 的参数也要算上：156 + 2416 个。"})


def _strided(layers, params_5=61706, container="HybridSequential", prepared=False):
    """练习 5 的一种答案：lenet_strided() 把 layers(nn) 给出的各层装进 nn.<container>（prepared 时再初始化、
    编译），params_5 是答出的参数个数。"""
    def lenet_strided():
        from mxnet.gluon import nn
        net = getattr(nn, container)()
        net.add(*layers(nn))
        if prepared:
            net.initialize()
            net.hybridize()
        return net
    return lambda: (lenet_strided, params_5)


_ref5 = _strided(lambda nn: [
    nn.Conv2D(6, kernel_size=5, padding=2, strides=2, activation="relu"),   # -> (6, 14, 14)
    nn.Conv2D(16, kernel_size=5, strides=2, activation="relu"),             # -> (16, 5, 5)
    nn.Dense(120, activation="relu"), nn.Dense(84, activation="relu"), nn.Dense(10)])
# nn.Sequential、单独的激活层和展平层、tanh、元组写法的超参数；参数个数是 NumPy 整数
_right5_sequential = _strided(lambda nn: [
    nn.Conv2D(channels=6, kernel_size=(5, 5), strides=(2, 2), padding=(2, 2)), nn.Activation("tanh"),
    nn.Conv2D(channels=16, kernel_size=(5, 5), strides=(2, 2)), nn.Activation("tanh"),
    nn.Flatten(), nn.Dense(120), nn.Activation("tanh"), nn.Dense(84), nn.Activation("tanh"),
    nn.Dense(10)], onp.int64(61706), container="Sequential")
# 位置参数 Conv2D(6, 5, 2, 2)（第三、四个是步幅和填充），已经初始化并编译过的网络
_right5_positional = _strided(lambda nn: [
    nn.Conv2D(6, 5, 2, 2, activation="relu"), nn.Conv2D(16, 5, 2, activation="relu"),
    nn.Dense(120, activation="relu"), nn.Dense(84, activation="relu"), nn.Dense(10)], 61706.0, prepared=True)
_wrong5_no_padding = _strided(lambda nn: [
    nn.Conv2D(6, kernel_size=5, strides=2, activation="relu"),
    nn.Conv2D(16, kernel_size=5, strides=2, activation="relu"),
    nn.Dense(120, activation="relu"), nn.Dense(84, activation="relu"), nn.Dense(10)])
_wrong5_kept_pooling = _strided(lambda nn: [
    nn.Conv2D(6, kernel_size=5, padding=2, strides=2, activation="relu"), nn.MaxPool2D(1, 1),
    nn.Conv2D(16, kernel_size=5, strides=2, activation="relu"), nn.MaxPool2D(1, 1),
    nn.Dense(120, activation="relu"), nn.Dense(84, activation="relu"), nn.Dense(10)])
_wrong5_linear = _strided(lambda nn: [
    nn.Conv2D(6, kernel_size=5, padding=2, strides=2), nn.Conv2D(16, kernel_size=5, strides=2),
    nn.Dense(120), nn.Dense(84), nn.Dense(10)])


# ---- 练习 6：动量法放大了每一步
def judge6(lr_6):
    expect_number(lr_6, 0.09, "带动量 0.9 时的学习率 lr_6", rel=1e-4, known={
        0.9: "动量把每一步放大了：梯度不变时，速度趋于 η·g·(1 + 0.9 + 0.9² + …) = η·g / (1 − 0.9) = 10·η·g。",
        9.0: "方向反了：动量把每一步放大约 10 倍，所以学习率要缩小 10 倍，不是放大。",
        0.81: "不是乘以 0.9：梯度不变时，带动量的每一步趋于 η·g / (1 − 0.9)。"})


LESSON = Lesson("09", [
    Exercise(
        "09", 1, "用公式推出形状", ("s4_shape", "fc_in"), judge1,
        hint_text="卷积：(n + 2p − k) // s + 1；汇聚：(n − k) // s + 1。32 → C1（填充 2）→ S2 → C3 → S4。",
        solution_text="""
            s4_shape, fc_in = (16, 6, 6), 576
            32 → 32（C1：32 + 4 − 5 + 1）→ 16（S2）→ 12（C3：16 − 5 + 1）→ 6（S4）；16 × 6 × 6 = 576。
            验证：X = nd.zeros((1, 1, 32, 32)); net_32 = lenet5(); net_32.initialize(); 逐层打印 X.shape。
        """,
        reference=lambda: ((16, 6, 6), 576),
        right=[Case("列表和 NumPy 整数", lambda: ([16, 6, 6], onp.int64(576)), ""),
               Case("从数组的 shape 取出", _shape_of_zeros, "")],
        wrong=[Case("以为不变", lambda: ((16, 5, 5), 400), "填充 2 还在"),
               Case("少算 S4", lambda: ((16, 12, 12), 2304), "减半"),
               Case("只展平了一个通道", lambda: ((16, 6, 6), 36), "所有通道")]),
    Exercise(
        "09", 2, "C3 的参数个数", ("params_c3", "params_c3_12"), judge2,
        hint_text="卷积层的参数 = 输出通道数 × 输入通道数 × 卷积核高 × 宽 + 输出通道数（偏置）。",
        solution_text="""
            params_c3 = 16 * 6 * 5 * 5 + 16      # 2416
            params_c3_12 = 16 * 12 * 5 * 5 + 16  # 4816
            验证：print(net[2].weight.data().size + net[2].bias.data().size)
        """,
        reference=lambda: (2416, 4816),
        right=[Case("NumPy 整数", lambda: (onp.int64(2416), onp.int64(16 * 12 * 25 + 16)), ""),
               Case("浮点数", lambda: (2416.0, 4816.0), "")],
        wrong=[Case("忘了偏置", lambda: (2400, 4800), "偏置"),
               Case("输入通道数没跟着改", lambda: (2416, 2416), "输入通道数"),
               Case("论文的部分连接", lambda: (1516, 4816), "部分通道")]),
    Exercise(
        "09", 3, "S4 的感受野", ("rf_c3", "rf_s4"), judge3,
        hint_text="从输入往后逐层算：感受野 r 和相邻两个元素在输入上的距离 j，开始时 r = j = 1；"
                  "经过窗口 k、步幅 s 的一层后，r ← r + (k − 1) × j，j ← j × s。",
        solution_text="""
            rf_c3, rf_s4 = 14, 16
            C1：r = 1 + 4 × 1 = 5，j = 1；S2：r = 5 + 1 × 1 = 6，j = 2；C3：r = 6 + 4 × 2 = 14，j = 2；
            S4：r = 14 + 1 × 2 = 16，j = 4。S4 的一个元素看到输入上 16 × 16 的一块，超过半张图像，
            所以 C5 能把整个数字的各部分组合起来。
        """,
        reference=lambda: (14, 16),
        right=[Case("NumPy 整数", lambda: (onp.int64(14), onp.int64(16)), ""),
               Case("浮点数", lambda: (14.0, 16.0), "")],
        wrong=[Case("忽略了 S2 的步幅", lambda: (10, 11), "步幅是 2"),
               Case("算成 S2 上的大小", lambda: (5, 16), "在输入图像上"),
               Case("把 S4 当成放大一倍", lambda: (14, 28), "14 × 2")]),
    Exercise(
        "09", 4, "混淆矩阵", ("confusion",), judge4,
        hint_text="本课已经算出 pred（每张测试图像的预测）：confusion[真实, 预测] += 1。"
                  "可以用 onp.add.at(confusion, (data.y_test, pred), 1)，或 onp.bincount(10 * data.y_test + pred, "
                  "minlength=100).reshape(10, 10)。",
        solution_text="""
            confusion = onp.zeros((10, 10), dtype=int)
            onp.add.at(confusion, (data.y_test, pred), 1)
            off = confusion - onp.diag(onp.diag(confusion))
            i, j = onp.unravel_index(off.argmax(), off.shape)
            print(f'最常见的错误：把 {i} 认成 {j}，{off[i, j]} 次')
            每行之和是这个数字在测试集里的张数；对角线以外的大数指出哪两个数字最容易混淆，与上面画出的分错图像对照着看。
        """,
        reference=_ref4,
        right=[Case("嵌套列表（循环累加）", _right4_loop, ""),
               Case("MXNet 数组（bincount）", _right4_mxnet, "")],
        wrong=[Case("行和列对调", _wrong4_transposed, "转置"),
               Case("只数了分错的", _wrong4_errors_only, "对角线")],
        context=("net", "data"),
        test_context=_test_context),
    Exercise(
        "09", 5, "用步幅代替汇聚", ("lenet_strided", "params_5"), judge5,
        hint_text="C1：(28 + 2 × 2 − 5) // 2 + 1 = 14；C3：(14 − 5) // 2 + 1 = 5，与 S2、S4 之后的大小相同。"
                  "汇聚层没有参数。",
        solution_text="""
            def lenet_strided():
                net = nn.HybridSequential()
                net.add(nn.Conv2D(6, kernel_size=5, padding=2, strides=2, activation='relu'),   # -> (6, 14, 14)
                        nn.Conv2D(16, kernel_size=5, strides=2, activation='relu'),             # -> (16, 5, 5)
                        nn.Dense(120, activation='relu'), nn.Dense(84, activation='relu'), nn.Dense(10))
                return net
            params_5 = 61706   # 与 LeNet-5 相同：去掉的汇聚层本来就没有参数
            形状和参数个数都不变，但 C1、C3 只在一半的行和列上计算，乘法次数约为原来的 1/4。
            可以用本课的 train_net 训练它（学习率、批量大小不变），比较测试准确率。
        """,
        reference=_ref5,
        right=[Case("Sequential、单独的激活层、tanh", _right5_sequential, ""),
               Case("位置参数、初始化并编译过", _right5_positional, "")],
        wrong=[Case("C1 忘了填充", _wrong5_no_padding, "保留填充 2"),
               Case("还留着汇聚层", _wrong5_kept_pooling, "还有汇聚层"),
               Case("没有激活函数", _wrong5_linear, "没有激活函数"),
               Case("以为参数变少了", lambda: (_ref5()[0], 2572), "三个全连接层")]),
    Exercise(
        "09", 6, "动量法放大了每一步", ("lr_6",), judge6,
        hint_text="先模拟：v = 0；重复 100 次 v = 0.9 * v - lr * g（g 固定为 1），看 v 趋于多少。"
                  "它是不带动量时每一步 −lr·g 的几倍？",
        solution_text="""
            lr_6 = 0.9 * (1 - 0.9)   # 0.09
            v = 0.0
            for _ in range(100):
                v = 0.9 * v - 0.09 * 1.0
            print(v)   # 约 -0.9：与学习率 0.9、不带动量时的一步相同
            梯度不变时，速度是 η·g·(1 + μ + μ² + …) = η·g / (1 − μ)，μ = 0.9 时放大 10 倍。
            所以本课开始时的学习率 0.04 配动量 0.9，长期的每一步约相当于不带动量时的学习率 0.4。
            真实的梯度每一步都在变，方向不一致的部分互相抵消，放大的主要是方向一致的部分。
        """,
        reference=lambda: (0.09,),
        right=[Case("写成算式", lambda: (0.9 * (1 - 0.9),), ""),
               Case("NumPy float32", lambda: (onp.float32(0.09),), "")],
        wrong=[Case("忽略动量", lambda: (0.9,), "放大了"),
               Case("方向反了", lambda: (9.0,), "方向反了"),
               Case("乘以动量", lambda: (0.81,), "不是乘以 0.9")]),
])

module_api(LESSON, globals())
