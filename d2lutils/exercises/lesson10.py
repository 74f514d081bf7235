"""第 10 课《多设备训练》的练习与检查。"""

from __future__ import annotations

import numpy as onp

from . import Case, Exercise, Lesson, Wrong, expect_function, expect_number, module_api


def judge1(split_sizes):
    try:
        sizes = [int(v) for v in split_sizes]
    except (TypeError, ValueError):
        raise Wrong(f"split_sizes 应该是三个整数组成的列表，例如 [1, 2, 3]；你给的是 {split_sizes!r}。")
    if len(sizes) != 3:
        raise Wrong(f"三个设备各分到多少：应有 3 个数，你写了 {len(sizes)} 个。")
    if sum(sizes) != 32:
        raise Wrong(f"三个设备分到的样本加起来应为 32，你的是 {sum(sizes)}。")
    if sizes == [10, 11, 11] or sizes == [10, 10, 12] or sizes == [11, 10, 11]:
        raise Wrong("split_and_load 把多出来的样本分给前面的设备：32 = 11 + 11 + 10。")
    if sizes != [11, 11, 10]:
        raise Wrong(f"{sizes} 不对：每份约 32 / 3 个样本，多出来的给前面的设备。")


def judge2(update_ratio):
    expect_number(update_ratio, 2, "更新量的倍数", rel=1e-3, known={
        0.5: "倒过来了：梯度之和除以 16 比除以 32 大，更新量是正确值的 2 倍。",
        1: "trainer.step(n) 把汇总后的梯度除以 n：n 小一半，更新量就大一倍。"})


def _first_batch():
    import d2lutils

    data = d2lutils.load_digits_split()
    return next(d2lutils.iter_batches(data.X_train, data.y_train, batch_size=32))


def _make_net(ctx_list):
    import mxnet as mx
    from mxnet import init, nd
    import d2lutils

    mx.random.seed(0)
    net = d2lutils.lenet_digits()
    net.initialize(init.Xavier(), ctx=ctx_list)
    net(nd.zeros((1, 1, 8, 8), ctx=ctx_list[0]))
    return net


def _one_step(step_fn, ctx_list):
    import mxnet as mx
    from mxnet import gluon

    net = _make_net(ctx_list)
    w0 = net[0].weight.data(ctx_list[0]).asnumpy()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    X, y = _first_batch()
    step_fn(net, trainer, X, y, ctx_list)
    return net, w0


def _params(net):
    import mxnet as mx
    return [p.data(p.list_ctx()[0]).as_in_context(mx.cpu()).asnumpy() for p in net.collect_params().values()]


def judge3(step_on_devices):
    import mxnet as mx
    import d2lutils
    from mxnet import gluon

    f = expect_function(step_on_devices, "step_on_devices")
    three = [mx.cpu(0), mx.cpu(1), mx.cpu(2)]
    net3, w0 = _one_step(f, three)
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    net1, _ = _one_step(lambda n, t, X, y, c: d2lutils.train_step(n, loss, t, X, y, c), [mx.cpu(0)])
    copies = [p.data(c).asnumpy() for p in [net3[0].weight] for c in three]
    if any(not onp.array_equal(copies[0], c) for c in copies[1:]):
        raise Wrong("三个设备上的参数副本不一样了：梯度要由 trainer.step 汇总后，每个设备做同样的更新。")
    got, want = _params(net3), _params(net1)
    diff = max(float(onp.abs(a - b).max()) for a, b in zip(got, want))
    if diff < 1e-5:
        return
    upd_got = onp.linalg.norm(got[0] - w0)
    upd_want = onp.linalg.norm(want[0] - w0)
    if upd_got == 0:
        raise Wrong("参数没有变：前向、反向之后还要调用 trainer.step(...) 才会更新参数。")
    ratio = upd_got / upd_want
    if 2.5 < ratio < 3.3:
        raise Wrong(f"更新量是单设备的 {ratio:.2f} 倍：trainer.step 应传入整个小批量的样本数 32，"
                    "而不是每个设备上的样本数；每个设备上的损失也要求和，不要求平均。")
    raise Wrong(f"一步之后参数与单设备的结果最多差 {diff:.3g}（应小于 1e-5）。")


def _step3(batch_size):
    """练习 3 的答案形式：每个设备对损失求和反向传播，再按 batch_size(X, X_parts) 调用 trainer.step
    （batch_size 为 None 时忘了调用 step）。参考答案和两个典型错误只差在这一处。"""
    def step_on_devices(net, trainer, X, y, ctxs):
        from mxnet import autograd, gluon
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        X_parts = gluon.utils.split_and_load(X, ctxs, even_split=False)
        y_parts = gluon.utils.split_and_load(y, ctxs, even_split=False)
        with autograd.record():
            losses = [loss(net(X_i), y_i) for X_i, y_i in zip(X_parts, y_parts)]
        for l_i in losses:
            l_i.backward()
        if batch_size is not None:
            trainer.step(batch_size(X, X_parts))
    return lambda: (step_on_devices,)


_ref3 = _step3(lambda X, X_parts: X.shape[0])
_wrong3_step_per_device = _step3(lambda X, X_parts: X_parts[0].shape[0])
_wrong3_no_step = _step3(None)


def judge4(global_batch, per_gpu, step_arg):
    expect_number(global_batch, 256, "全局小批量的样本数", known={
        64: "64 是一台机器每步读的样本数：4 台机器一起，全局小批量是 4 × 64。",
        512: "每台机器每步读 64 个样本（已经包括它的 2 个 GPU）：4 × 64。"})
    expect_number(per_gpu, 32, "每个 GPU 每步处理的样本数", known={
        8: "每台机器读的 64 个样本只分给这台机器的 2 个 GPU：64 / 2。",
        64: "每台机器有 2 个 GPU，64 个样本对半分。"})
    expect_number(step_arg, 256, "trainer.step 的参数", known={
        64: "dist_sync 把所有机器的梯度加在一起：step 要传入全局小批量的样本数 256，不是本机的 64。",
        32: "step 要传入全局小批量的样本数，不是一个 GPU 上的样本数。"})


LESSON = Lesson("10", [
    Exercise(
        "10", 1, "分到三个设备", ("split_sizes",), judge1,
        hint_text="even_split=False 时每份约 n / 设备数 个样本，除不尽的余数分给前面的设备。",
        solution_text="""
            split_sizes = [11, 11, 10]
            three = [mx.cpu(0), mx.cpu(1), mx.cpu(2)]
            print([p.shape[0] for p in gluon.utils.split_and_load(nd.zeros((32, 1)), three, even_split=False)])
        """,
        reference=lambda: ([11, 11, 10],),
        wrong=[Case("余数给了后面的设备", lambda: ([10, 11, 11],), "分给前面的设备"),
               Case("加起来不是 32", lambda: ([11, 11, 11],), "加起来应为 32")],
        question="把 32 个样本用 `even_split=False` 分到三个设备上，每个设备各分到多少个样本"
                 "（`split_sizes`，按设备顺序的列表）？",
        template="split_sizes = ...   # 例如 [1, 2, 3]\n"),
    Exercise(
        "10", 2, "step 的参数传错了", ("update_ratio",), judge2,
        hint_text="trainer.step(n) 用 汇总后的梯度 / n 来更新参数。",
        solution_text="""
            update_ratio = 2
            print(update_size(16) / update_size(32))   # 2.00
        """,
        reference=lambda: (2,),
        wrong=[Case("倒数", lambda: (0.5,), "倒过来了"),
               Case("以为不变", lambda: (1,), "除以 n")],
        question="在两个设备上正确地计算梯度（每个设备对损失求和），但调用 `trainer.step(16)` 而不是 `step(32)`。"
                 "更新量是正确值的几倍（`update_ratio`）？",
        template="update_ratio = ...\n"),
    Exercise(
        "10", 3, "三个设备上的一步", ("step_on_devices",), judge3,
        hint_text="split_and_load（even_split=False）切分 X 和 y；在 autograd.record() 里各设备前向、算损失；"
                  "每个设备的损失 backward()；最后 trainer.step(整个小批量的样本数)。",
        solution_text="""
            def step_on_devices(net, trainer, X, y, ctxs):
                loss = gluon.loss.SoftmaxCrossEntropyLoss()
                X_parts = gluon.utils.split_and_load(X, ctxs, even_split=False)
                y_parts = gluon.utils.split_and_load(y, ctxs, even_split=False)
                with autograd.record():
                    losses = [loss(net(X_i), y_i) for X_i, y_i in zip(X_parts, y_parts)]
                for l_i in losses:
                    l_i.backward()
                trainer.step(X.shape[0])
            这正是 d2lutils.train_step(net, loss, trainer, X, y, ctxs) 做的事（它还处理了样本比设备少的情况）。
        """,
        reference=_ref3,
        wrong=[Case("step 传入一个设备上的样本数", _wrong3_step_per_device, "整个小批量的样本数 32"),
               Case("忘了 trainer.step", _wrong3_no_step, "参数没有变")],
        question="写出 `step_on_devices(net, trainer, X, y, ctxs)`：在 `ctxs` 的各个设备上用小批量 `X`、`y` "
                 "走一步 SGD（损失为 `SoftmaxCrossEntropyLoss`）。检查会在三个 CPU 设备 `cpu(0)`、`cpu(1)`、"
                 "`cpu(2)` 上用本节的第一个小批量（32 个样本、学习率 0.1）调用它，并与单设备的一步比较。",
        template="def step_on_devices(net, trainer, X, y, ctxs):\n"
                 "    # 切分、前向、反向、trainer.step；可以参考本节“梯度怎样汇总”\n    return ...\n"),
    Exercise(
        "10", 4, "多台机器的小批量", ("global_batch", "per_gpu", "step_arg"), judge4,
        hint_text="dist_sync 把所有机器、所有 GPU 的梯度加在一起，相当于一个设备处理了全局小批量。",
        solution_text="""
            global_batch, per_gpu, step_arg = 4 * 64, 64 // 2, 4 * 64   # 256, 32, 256
            每个工作进程读自己的数据分片；step 传入全局小批量的样本数，更新才与单机处理 256 个样本相同。
        """,
        reference=lambda: (256, 32, 256),
        wrong=[Case("step 传入本机的样本数", lambda: (256, 32, 64), "不是本机的 64"),
               Case("全局小批量只算一台机器", lambda: (64, 32, 256), "4 × 64")],
        question="4 台机器各有 2 个 GPU，每台机器每步读取 64 个样本。全局小批量有多少个样本（`global_batch`）？"
                 "每个 GPU 每步处理多少个样本（`per_gpu`）？要与单机训练等价，`trainer.step` 应传入多少（`step_arg`）？",
        template="global_batch = ...\nper_gpu = ...\nstep_arg = ...\n"),
])

module_api(LESSON, globals())
