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
    try:
        net3, w0 = _one_step(f, three)
    except Exception as err:  # 两个典型错误在 MXNet 里表现为异常：给出针对它们的反馈
        text = str(err)
        if "evenly split" in text:
            raise Wrong("32 个样本不能平均分到 3 个设备上：split_and_load 要加 even_split=False"
                        "（分成 11、11、10 个）。")
        if "not been updated by backward" in text:
            raise Wrong("有的设备上的梯度没有被 backward 更新：每个设备都要用自己那份样本前向、算损失，"
                        "并对每个设备的损失调用 backward()。")
        raise
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    net1, _ = _one_step(lambda n, t, X, y, c: d2lutils.train_step(n, loss, t, X, y, c), [mx.cpu(0)])
    copies = [net3[0].weight.data(c).asnumpy() for c in three]
    if any(not onp.array_equal(copies[0], c) for c in copies[1:]):
        raise Wrong("三个设备上的参数副本不一样了：梯度要由 trainer.step 汇总后，每个设备做同样的更新。")
    got, want = _params(net3), _params(net1)
    diff = max(float(onp.abs(a - b).max()) for a, b in zip(got, want))
    if diff < 1e-5:
        return
    upd_got, upd_want = (got[0] - w0).ravel(), (want[0] - w0).ravel()
    if not upd_got.any():
        raise Wrong("参数没有变：前向、反向之后还要调用 trainer.step(...) 才会更新参数。")
    ratio = float(onp.linalg.norm(upd_got) / onp.linalg.norm(upd_want))
    cos = float(upd_got @ upd_want / (onp.linalg.norm(upd_got) * onp.linalg.norm(upd_want)))
    if cos > 1 - 1e-6:   # 方向对，只是步长不对：step 的参数不是 32
        k = 32 / ratio
        if abs(k - round(k)) < 1e-3:
            why = {11: "第一个设备上的样本数", 10: "最后一个设备上的样本数", 3: "设备数", 1: "1"}.get(round(k))
            raise Wrong(f"更新量是正确值的 {ratio:.2f} 倍，相当于调用了 trainer.step({round(k)})"
                        + (f"（{why}）" if why else "") + "：step 要传入整个小批量的样本数 32。")
        raise Wrong(f"更新的方向对，大小却是正确值的 {ratio:.2f} 倍：trainer.step 要传入整个小批量的样本数 32。")
    if 2.5 < ratio < 3.3:
        raise Wrong(f"更新量约是正确值的 {ratio:.2f} 倍，方向也略有偏差：每个设备对损失求了平均。"
                    "3 个设备的平均梯度相加约是 3 倍，而且 11、11、10 个样本的权重不同；"
                    "每个设备要对损失求和，再 trainer.step(32)。")
    if 0.07 < ratio < 0.11:
        raise Wrong(f"更新量只有正确值的 {ratio:.2f} 倍：每个设备对损失求了平均，trainer.step(32) 又除了一次 32。"
                    "每个设备要对损失求和。")
    raise Wrong(f"一步之后参数与单设备的一步最多差 {diff:.3g}（应小于 1e-5）；更新量是正确值的 {ratio:.2f} 倍，"
                f"方向的余弦相似度为 {cos:.4f}。检查三件事：每个设备对损失求和、每个设备都 backward、"
                "trainer.step 传入 32。")


def _step3(batch_size, mean=False, even_split=False, one_backward=False):
    """练习 3 的答案形式：每个设备算损失并反向传播，再按 batch_size(X, X_parts) 调用 trainer.step
    （batch_size 为 None 时忘了调用 step）；mean、even_split、one_backward 是三个典型错误的开关。"""
    def step_on_devices(net, trainer, X, y, ctxs):
        from mxnet import autograd, gluon
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        X_parts = gluon.utils.split_and_load(X, ctxs, even_split=even_split)
        y_parts = gluon.utils.split_and_load(y, ctxs, even_split=even_split)
        with autograd.record():
            losses = [loss(net(X_i), y_i) for X_i, y_i in zip(X_parts, y_parts)]
            if mean:
                losses = [l_i.mean() for l_i in losses]
        for l_i in losses[:1] if one_backward else losses:
            l_i.backward()
        if batch_size is not None:
            trainer.step(batch_size(X, X_parts))
    return lambda: (step_on_devices,)


_ref3 = _step3(lambda X, X_parts: X.shape[0])


def _right3_train_step():
    def step_on_devices(net, trainer, X, y, ctxs):
        import d2lutils
        from mxnet import gluon
        d2lutils.train_step(net, gluon.loss.SoftmaxCrossEntropyLoss(), trainer, X, y, ctxs)
    return (step_on_devices,)


def _right3_backward_list():
    def step_on_devices(net, trainer, X, y, ctxs):
        from mxnet import autograd, gluon
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        pairs = zip(gluon.utils.split_and_load(X, ctxs, even_split=False),
                    gluon.utils.split_and_load(y, ctxs, even_split=False))
        with autograd.record():
            losses = [loss(net(X_i), y_i).sum() for X_i, y_i in pairs]
        autograd.backward(losses)
        trainer.step(32)
    return (step_on_devices,)


def judge4(global_batch, per_gpu, step_arg):
    expect_number(global_batch, 256, "全局小批量的样本数", known={
        64: "64 是一台机器每步读的样本数：4 台机器一起，全局小批量是 4 × 64。",
        512: "每台机器每步读 64 个样本（已经包括它的 2 个 GPU）：4 × 64。"})
    expect_number(per_gpu, 32, "每个 GPU 每步处理的样本数", known={
        8: "每台机器读的 64 个样本只分给这台机器的 2 个 GPU：64 / 2。",
        64: "每台机器有 2 个 GPU，64 个样本对半分。",
        128: "每个 GPU 只分本机读的样本，不是全局小批量：64 / 2。"})
    expect_number(step_arg, 256, "trainer.step 的参数", known={
        64: "dist_sync 把所有机器的梯度加在一起：step 要传入全局小批量的样本数 256，不是本机的 64。",
        32: "step 要传入全局小批量的样本数，不是一个 GPU 上的样本数。"})


def judge5(ring_mb, server_mb):
    expect_number(ring_mb, 175, "环形 allreduce 中每个 GPU 每步发出的 MB 数", known={
        200: "2 × 100 MB 是设备很多时的极限；N = 8 时是 2 × (8 − 1) / 8 × 100。",
        87.5: "这只是归约-散播一半（(N − 1)/N × 100）；全收集还要再发同样多。",
        100: "每个 GPU 发出的不是整份梯度：传递 2(N − 1) 次，每次发出 100 / 8 MB。",
        800: "800 MB 是参数服务器收到的量；环形中每个 GPU 只发出 2(N − 1)/N 份。"})
    expect_number(server_mb, 800, "参数服务器每步收到的 MB 数", known={
        100: "服务器收到每个工作进程各一份梯度：8 × 100 MB。",
        175: "175 MB 是环形 allreduce 中每个 GPU 发出的量；服务器要收下 8 个工作进程各一份。",
        700: "8 个工作进程都推送梯度，服务器收到 8 份，不是 7 份。"})


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
        right=[Case("元组", lambda: ((11, 11, 10),), ""),
               Case("NumPy 整数数组", lambda: (onp.array([11, 11, 10]),), "")]),
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
        right=[Case("浮点数", lambda: (2.0,), ""),
               Case("NumPy 标量", lambda: (onp.float64(32 / 16),), "")]),
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
        wrong=[Case("step 传入一个设备上的样本数", _step3(lambda X, X_parts: X_parts[0].shape[0]),
                    "trainer.step(11)（第一个设备上的样本数）"),
               Case("忘了 trainer.step", _step3(None), "参数没有变"),
               Case("每个设备求平均再 step(1)", _step3(lambda X, X_parts: 1, mean=True), "每个设备对损失求了平均"),
               Case("每个设备求平均再 step(32)", _step3(lambda X, X_parts: 32, mean=True), "又除了一次 32"),
               Case("step 传入设备数", _step3(lambda X, X_parts: len(X_parts)), "trainer.step(3)（设备数）"),
               Case("没有 even_split=False", _step3(lambda X, X_parts: 32, even_split=True), "even_split=False"),
               Case("只对一个设备的损失 backward", _step3(lambda X, X_parts: 32, one_backward=True),
                    "每个设备的损失调用 backward")],
        right=[Case("调用 d2lutils.train_step", _right3_train_step, ""),
               Case("autograd.backward 一次反向、step(32)", _right3_backward_list, "")]),
    Exercise(
        "10", 4, "多台机器的小批量", ("global_batch", "per_gpu", "step_arg"), judge4,
        hint_text="dist_sync 把所有机器、所有 GPU 的梯度加在一起，相当于一个设备处理了全局小批量。",
        solution_text="""
            global_batch, per_gpu, step_arg = 4 * 64, 64 // 2, 4 * 64   # 256, 32, 256
            每个工作进程读自己的数据分片；step 传入全局小批量的样本数，更新才与单机处理 256 个样本相同。
        """,
        reference=lambda: (256, 32, 256),
        wrong=[Case("step 传入本机的样本数", lambda: (256, 32, 64), "不是本机的 64"),
               Case("全局小批量只算一台机器", lambda: (64, 32, 256), "4 × 64"),
               Case("每个 GPU 分到全局批量的一半", lambda: (256, 128, 256), "64 / 2")],
        right=[Case("浮点数", lambda: (256.0, 32.0, 256.0), ""),
               Case("NumPy 整数", lambda: (onp.int64(4 * 64), onp.int64(64 // 2), onp.int64(256)), "")]),
    Exercise(
        "10", 5, "环形 allreduce 的通信量", ("ring_mb", "server_mb"), judge5,
        hint_text="环形：传递 2(N − 1) 次，每次每个 GPU 发出梯度的 1/N。参数服务器：每个工作进程推送一整份梯度。",
        solution_text="""
            ring_mb = 2 * (8 - 1) / 8 * 100   # 175.0
            server_mb = 8 * 100               # 800
            设备越多，服务器收到的越多；环形中每个 GPU 发出的量不超过 2 × 100 MB。
        """,
        reference=lambda: (175, 800),
        wrong=[Case("忘了全收集", lambda: (87.5, 800), "全收集还要再发同样多"),
               Case("用了极限 2M", lambda: (200, 800), "设备很多时的极限"),
               Case("服务器只收一份", lambda: (175, 100), "8 × 100 MB")],
        right=[Case("算式", lambda: (2 * 7 / 8 * 100, 8 * 100.0), ""),
               Case("NumPy 标量", lambda: (onp.float64(175), onp.int64(800)), "")]),
])

module_api(LESSON, globals())
