"""第 09 课《卷积神经网络（LeNet）》的练习与检查。"""

from __future__ import annotations

import functools
import re

import numpy as onp

from . import (Case, Exercise, Lesson, Wrong, call, expect_array, expect_function,
               expect_number, expect_shape, module_api)


def judge1(pool2_shape, fc_in):
    expect_shape(pool2_shape, (32, 2, 2), "第二个汇聚层输出的形状", known={
        (32, 4, 4): "第二个汇聚层也把高和宽减半：8 → 4（第一个汇聚层）→ 2。",
        (16, 2, 2): "通道数由第二个卷积层决定：32 个输出通道。"})
    expect_number(fc_in, 128, "第一个全连接层的输入维数", known={
        512: "是第二个汇聚层之后的 32 × 2 × 2，不是 32 × 4 × 4。",
        4: "全连接层把所有通道一起展平：32 × 2 × 2。"})


def judge2(params_conv1, params_conv2_8):
    expect_number(params_conv1, 160, "第一个卷积层的参数个数", known={
        144: "还有 16 个偏置：16 × 1 × 3 × 3 + 16。"})
    expect_number(params_conv2_8, 2336, "第一层只有 8 个通道时第二个卷积层的参数个数", known={
        4640: "这是第一层有 16 个通道时的数：第二层的输入通道数变成了 8，32 × 8 × 3 × 3 + 32。",
        2304: "还有 32 个偏置。"})


def judge3(fc_in_3):
    expect_number(fc_in_3, 32, "去掉填充后第一个全连接层的输入维数", known={
        128: "去掉填充后第一个卷积层输出 6 × 6，汇聚后 3 × 3，第二个卷积层（有填充）3 × 3，再汇聚 1 × 1。",
        288: "3 × 3 的特征映射之后还有第二个汇聚层：(3 - 2) // 2 + 1 = 1。"})


def _errors_by_digit(net, data):
    from mxnet import nd

    params = list(net.collect_params().values())
    ctx = params[0].list_ctx()[0] if params else None
    y_hat = net(nd.array(data.X_test, ctx=ctx, dtype=data.X_test.dtype))
    pred = y_hat.argmax(axis=1).asnumpy().astype(int)
    wrong = pred != data.y_test
    return onp.bincount(data.y_test[wrong], minlength=10), onp.bincount(pred[wrong], minlength=10)


def judge4(errors_per_digit, net=None, data=None):
    if net is None or data is None:
        raise Wrong("检查要用本课训练好的 net 和 data：请先从头运行本课的单元格。")
    truth, by_pred = _errors_by_digit(net, data)
    known = [] if onp.array_equal(truth, by_pred) else [
        (by_pred, "你按预测的数字统计了：题目问每个真实的数字被分错几次，用 data.y_test[wrong] 计数。")]
    expect_array(errors_per_digit, truth, "每个数字被分错的次数", known=known)


@functools.lru_cache(maxsize=1)
def _test_context_cached():
    """表格测试用：一个固定种子、未训练的网络（分错的多，按真实数字和按预测数字的计数不同）。"""
    import mxnet as mx
    from mxnet import init, nd
    import d2lutils

    data = d2lutils.load_digits_split(dtype="float64")
    mx.random.seed(0)
    net = d2lutils.lenet_digits()
    net.cast("float64")
    net.initialize(init.Xavier())
    net(nd.zeros((1, 1, 8, 8), dtype="float64"))  # 立即完成延后初始化
    return {"net": net, "data": data}


def _test_context():
    return dict(_test_context_cached())


def _ref4_from(ctx_index):
    def make():
        c = _test_context()
        return (_errors_by_digit(c["net"], c["data"])[ctx_index],)
    return make


# ---- 练习 5：用步幅代替汇聚
def reference_strided():
    """参考实现：第 09 课的 LeNet 去掉两个汇聚层，改让两个卷积层的步幅为 2（填充仍为 1）。"""
    from mxnet.gluon import nn

    net = nn.HybridSequential()
    net.add(nn.Conv2D(16, kernel_size=3, padding=1, strides=2, activation="relu"),   # (1, 8, 8) -> (16, 4, 4)
            nn.Conv2D(32, kernel_size=3, padding=1, strides=2, activation="relu"),   # -> (32, 2, 2)
            nn.Dense(64, activation="relu"), nn.Dense(10))
    return net


def _layer_text(layer) -> str:
    return re.sub(r"\s+", " ", repr(layer))


def judge5(lenet_strided, params_5):
    f = expect_function(lenet_strided, "lenet_strided")
    net = call(f, what="lenet_strided")
    want = reference_strided()
    if not hasattr(net, "__len__") or len(net) != len(want):
        raise Wrong(f"lenet_strided() 应返回 {len(want)} 层的 nn.HybridSequential（两个卷积层、两个全连接层，"
                    "没有汇聚层）。")
    for i, (a, b) in enumerate(zip(net, want)):
        if _layer_text(a) != _layer_text(b):
            raise Wrong(f"lenet_strided() 的第 {i} 层应为 {_layer_text(b)}，你的是 {_layer_text(a)}。"
                        "步幅 2、填充 1 的 3 × 3 卷积把 8 × 8 变成 (8 + 2 - 3) // 2 + 1 = 4。")
    expect_number(params_5, 13706, "lenet_strided() 的参数个数", known={
        13706 - 8192 + 32 * 64: "第二个卷积层的输出仍是 32 × 2 × 2 = 128 维，第一个全连接层还是 128 × 64 个权重。",
        160 + 4640: "还有两个全连接层的参数：128 × 64 + 64 和 64 × 10 + 10。"})


def _ref5():
    def lenet_strided():
        from mxnet.gluon import nn
        net = nn.HybridSequential()
        net.add(nn.Conv2D(16, kernel_size=3, padding=1, strides=2, activation="relu"),
                nn.Conv2D(32, kernel_size=3, padding=1, strides=2, activation="relu"),
                nn.Dense(64, activation="relu"), nn.Dense(10))
        return net
    return lenet_strided, 13706


def _wrong5_no_padding():
    def lenet_strided():
        from mxnet.gluon import nn
        net = nn.HybridSequential()
        net.add(nn.Conv2D(16, kernel_size=3, strides=2, activation="relu"),
                nn.Conv2D(32, kernel_size=3, strides=2, activation="relu"),
                nn.Dense(64, activation="relu"), nn.Dense(10))
        return net
    return lenet_strided, 13706


def _wrong5_kept_pooling():
    def lenet_strided():
        from mxnet.gluon import nn
        net = nn.HybridSequential()
        net.add(nn.Conv2D(16, kernel_size=3, padding=1, strides=2, activation="relu"), nn.MaxPool2D(2, 2),
                nn.Conv2D(32, kernel_size=3, padding=1, strides=2, activation="relu"), nn.MaxPool2D(2, 2),
                nn.Dense(64, activation="relu"), nn.Dense(10))
        return net
    return lenet_strided, 13706


# ---- 练习 6：把两处改动分开
VARIANTS = {"ReLU + 最大汇聚": ("relu", "max"), "tanh + 最大汇聚": ("tanh", "max"),
            "tanh + 平均汇聚": ("tanh", "avg")}
VARIANT_EPOCHS = 2
CHOICES_6 = ("ReLU + 最大汇聚", "tanh + 平均汇聚")


@functools.lru_cache(maxsize=1)
def _measured() -> tuple:
    import mxnet as mx
    from mxnet import gluon, init
    import d2lutils

    data = d2lutils.load_digits_split(dtype="float64")
    results = []
    for name, (act, pool) in VARIANTS.items():
        mx.random.seed(0)
        net = d2lutils.lenet_digits(activation=act, pool=pool)
        net.cast("float64")
        net.initialize(init.Xavier(), ctx=mx.cpu())
        net.hybridize()
        trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.03, "momentum": 0.9})
        hist = d2lutils.train(net, data, VARIANT_EPOCHS, 32, trainer, mx.cpu(), seed=0,
                              show_plot=False, verbose=False)
        results.append((name, round(hist["test_acc"][-1], 3)))
    return tuple(results)


def measure_variants() -> None:
    """在 CPU 上把 ReLU + 最大汇聚、tanh + 最大汇聚、tanh + 平均汇聚各训练 2 个迭代周期（第 09 课的数据、
    种子、学习率 0.03、动量 0.9、float64），打印测试准确率（约 2 秒）。第 09 课练习 6 用它。"""
    print(f"训练 {VARIANT_EPOCHS} 个迭代周期后的测试准确率（float64，CPU）：")
    for name, acc in _measured():
        print(f"  {name:14s} {acc:.3f}")


def judge6(closer_6):
    if closer_6 not in CHOICES_6:
        raise Wrong(f"closer_6 应为 {'、'.join(repr(v) for v in CHOICES_6)} 之一，你写的是 {closer_6!r}。")
    measured = dict(_measured())
    target = measured["tanh + 最大汇聚"]
    closer = min(CHOICES_6, key=lambda name: abs(measured[name] - target))
    if closer_6 != closer:
        shown = "，".join(f"{k} {v:.3f}" for k, v in measured.items())
        raise Wrong(f"实测（{VARIANT_EPOCHS} 个迭代周期）：{shown}。tanh + 最大汇聚更接近 {closer}："
                    "决定快慢的主要是汇聚方式，不是激活函数。")


LESSON = Lesson("09", [
    Exercise(
        "09", 1, "用公式推出形状", ("pool2_shape", "fc_in"), judge1,
        hint_text="卷积：(n + 2p - k) // s + 1；汇聚：(n - k) // s + 1。8 → 卷积（填充 1）→ 汇聚 → 卷积 → 汇聚。",
        solution_text="""
            pool2_shape, fc_in = (32, 2, 2), 128
            8 → 8（3 × 3 卷积，填充 1）→ 4（2 × 2 汇聚）→ 4 → 2；第二个卷积层有 32 个输出通道，32 × 2 × 2 = 128。
        """,
        reference=lambda: ((32, 2, 2), 128),
        wrong=[Case("少算一个汇聚层", lambda: ((32, 4, 4), 512), "也把高和宽减半")],
        question="不运行网络，只用卷积层和汇聚层的输出形状公式，算出第二个汇聚层输出的形状（`pool2_shape`，"
                 "不含批量维）和第一个全连接层的输入维数（`fc_in`）。",
        template="pool2_shape = ...   # (通道, 高, 宽)\nfc_in = ...\n"),
    Exercise(
        "09", 2, "卷积层的参数个数", ("params_conv1", "params_conv2_8"), judge2,
        hint_text="参数 = 输出通道数 × 输入通道数 × 3 × 3 + 输出通道数（偏置）。",
        solution_text="""
            params_conv1 = 16 * 1 * 3 * 3 + 16      # 160
            params_conv2_8 = 32 * 8 * 3 * 3 + 32    # 2336
            print(net[0].weight.data().size + net[0].bias.data().size)
        """,
        reference=lambda: (160, 2336),
        wrong=[Case("忘了偏置", lambda: (144, 2336), "还有 16 个偏置"),
               Case("输入通道数没跟着改", lambda: (160, 4640), "输入通道数变成了 8")],
        question="第一个卷积层有多少个参数（`params_conv1`）？如果把它的输出通道数从 16 改成 8，"
                 "第二个卷积层的参数（含偏置）会变成多少（`params_conv2_8`）？",
        template="params_conv1 = ...\nparams_conv2_8 = ...\n"),
    Exercise(
        "09", 3, "去掉第一层的填充", ("fc_in_3",), judge3,
        hint_text="逐层算：8 → (8 - 3) + 1 → 汇聚 → 卷积（填充 1，大小不变）→ 汇聚。",
        solution_text="""
            fc_in_3 = 32   # 8 → 6 → 3 → 3 → 1，32 × 1 × 1
            net3 = nn.HybridSequential()
            net3.add(nn.Conv2D(16, kernel_size=3, activation='relu'), nn.MaxPool2D(2, 2),
                     nn.Conv2D(32, kernel_size=3, padding=1, activation='relu'), nn.MaxPool2D(2, 2),
                     nn.Dense(64, activation='relu'), nn.Dense(10))
            net3.initialize(); X = nd.zeros((1, 1, 8, 8))
            for layer in net3:
                X = layer(X); print(layer.__class__.__name__, X.shape)
        """,
        reference=lambda: (32,),
        wrong=[Case("以为不变", lambda: (128,), "去掉填充后"),
               Case("少算第二个汇聚层", lambda: (288,), "第二个汇聚层")],
        question="把第一个卷积层的 `padding=1` 去掉，各层的输出形状会怎样变化？第一个全连接层的输入维数"
                 "（`fc_in_3`）是多少？",
        template="fc_in_3 = ...\n"),
    Exercise(
        "09", 4, "每个数字被分错几次", ("errors_per_digit",), judge4,
        hint_text="本课已经算出 pred 和 wrong（分错的样本下标）：按真实标签 data.y_test[wrong] 计数，"
                  "onp.bincount(..., minlength=10)。",
        solution_text="""
            errors_per_digit = onp.bincount(data.y_test[wrong], minlength=10)
            print('数字    ', onp.arange(10)); print('分错次数', errors_per_digit)
            分错次数最多的数字就是最容易被认错的；和上面画出的分错图像对照，看看它被认成了什么。
        """,
        reference=_ref4_from(0),
        wrong=[Case("按预测的数字统计", _ref4_from(1), "按预测的数字统计")],
        context=("net", "data"),
        test_context=_test_context,
        question="测试集中每个数字各被分错了几次？写出长度为 10 的数组 `errors_per_digit`（第 $d$ 个元素是真实数字为 "
                 "$d$ 的测试图像被分错的次数）。哪个数字最容易被认错？检查会用本课训练好的 `net` 重新计算。",
        template="errors_per_digit = ...   # 长度 10 的数组\n"),
    Exercise(
        "09", 5, "用步幅代替汇聚", ("lenet_strided", "params_5"), judge5,
        hint_text="步幅 2、填充 1 的 3 × 3 卷积：(8 + 2 - 3) // 2 + 1 = 4，再一次得到 2，与两次 2 × 2 汇聚的结果一样大。"
                  "汇聚层没有参数。",
        solution_text="""
            def lenet_strided():
                net = nn.HybridSequential()
                net.add(nn.Conv2D(16, kernel_size=3, padding=1, strides=2, activation='relu'),   # -> (16, 4, 4)
                        nn.Conv2D(32, kernel_size=3, padding=1, strides=2, activation='relu'),   # -> (32, 2, 2)
                        nn.Dense(64, activation='relu'), nn.Dense(10))
                return net
            params_5 = 13706   # 与 net 相同：去掉的汇聚层本来就没有参数
            形状和参数个数都不变，但卷积只在一半的行和列上计算，乘法次数约为原来的 1/4。
            把它按本课的设置训练一次（lr、num_epochs、batch_size 不变），比较测试准确率。
        """,
        reference=_ref5,
        wrong=[Case("忘了填充", _wrong5_no_padding, "第 0 层应为"),
               Case("还留着汇聚层", _wrong5_kept_pooling, "没有汇聚层"),
               Case("以为参数变少了", lambda: (_ref5()[0], 160 + 4640), "两个全连接层")],
        question="去掉本课 `net` 的两个汇聚层，改让两个卷积层的步幅为 2（填充仍为 1），写出 `lenet_strided()`"
                 "（返回未初始化的 `nn.HybridSequential`）。第一个全连接层的输入还是 $32 \\times 2 \\times 2$ 吗？"
                 "它一共有多少个参数（`params_5`）？",
        template="def lenet_strided():\n    # 返回未初始化的 nn.HybridSequential\n    return ...\n\nparams_5 = ...\n"),
    Exercise(
        "09", 6, "把两处改动分开", ("closer_6",), judge6,
        hint_text="正文里 tanh 的初始梯度比 ReLU 的还大，所以问题不一定出在激活函数上。",
        solution_text="""
            closer_6 = 'ReLU + 最大汇聚'
            运行 ex.measure_variants() 实测（约 2 秒，数字由那次运行打印，不是写死的），或者用正文的
            train_variant('tanh', 'max') 训练 6 个迭代周期（与正文的对比实验相同）。tanh + 最大汇聚学得不比 ReLU + 最大汇聚慢，
            比 tanh + 平均汇聚快得多：在这组设置下，慢的主要原因是平均汇聚，不是 tanh。
            这说明一次换两处的实验分不清各自的作用；每次只换一处，才能把原因分开。
        """,
        reference=lambda: ("ReLU + 最大汇聚",),
        wrong=[Case("以为激活函数是主因", lambda: ("tanh + 平均汇聚",), "主要是汇聚方式"),
               Case("写了别的变体", lambda: ("sigmoid + 平均汇聚",), "之一")],
        question="正文的对比实验把激活函数和汇聚方式一起换了：tanh + 平均汇聚比 ReLU + 最大汇聚学得慢，"
                 "是因为 tanh 还是因为平均汇聚？再训练一个只换激活函数的变体 tanh + 最大汇聚（其余设置不变）。"
                 "先预测它的测试准确率更接近哪一个（`closer_6`），再运行 `ex.measure_variants()` 实测"
                 "（三种变体各训练 2 个迭代周期，约 2 秒）。检查会实际训练一次来判定。",
        template="closer_6 = ...   # 'ReLU + 最大汇聚' 或 'tanh + 平均汇聚'\n"),
])

module_api(LESSON, globals())
