"""d2lutils.dist.dist_train.compare 的判断：损失或参数只要有一项超出容差、或形状不同，就返回 1（不启动训练）。"""

import numpy as onp
import pytest

from d2lutils.dist import dist_train

LOSS = [0.9, 0.3, 0.1]
PARAMS = [onp.arange(6.0).reshape(2, 3), onp.ones(4)]


def save(path, loss=LOSS, params=PARAMS):
    """写一个与 dist_train.run(out=...) 格式相同的单进程结果目录（rank0.npz）。"""
    path.mkdir()
    n = 100
    onp.savez(path / "rank0.npz", rank=0, num_workers=1, steps=12, n_train=n,
              loss_sum=onp.array(loss) * n, correct=onp.full(len(loss), 90.0), test_acc=onp.full(len(loss), 0.9),
              step_time=0.01, compute_time=0.01, comm_time=0.0, bytes_push=0.0, bytes_pull=0.0,
              **{f"param_{i:02d}": p for i, p in enumerate(params)})
    return path


def verdict(tmp_path, capsys, **b):
    tmp_path.mkdir(exist_ok=True)
    rc = dist_train.compare(save(tmp_path / "a"), save(tmp_path / "b", **b), tol=1e-9)
    return rc, capsys.readouterr().out


def test_identical_results_agree(tmp_path, capsys):
    rc, out = verdict(tmp_path, capsys)
    assert rc == 0
    assert "损失的最大差别 0.0e+00，参数的最大差别 0.0e+00：在容差 1e-9 内一致" in out


def test_only_the_parameters_differ(tmp_path, capsys):
    params = [PARAMS[0], PARAMS[1] + onp.array([0, 0, 2e-9, 0])]
    rc, out = verdict(tmp_path, capsys, params=params)
    assert rc == 1
    assert "损失的最大差别 0.0e+00，参数的最大差别 2.0e-09：超出容差 1e-9，结果不同" in out


def test_only_the_losses_differ(tmp_path, capsys):
    rc, out = verdict(tmp_path, capsys, loss=[0.9, 0.3 + 1e-6, 0.1])
    assert rc == 1
    assert "损失的最大差别 1.0e-06，参数的最大差别 0.0e+00：超出容差 1e-9，结果不同" in out


def test_gap_just_below_the_tolerance_agrees(tmp_path, capsys):
    rc, out = verdict(tmp_path, capsys, loss=[0.9 + 5e-10, 0.3, 0.1],
                      params=[PARAMS[0] - 5e-10, PARAMS[1]])
    assert rc == 0 and "在容差 1e-9 内一致" in out


def test_nan_is_never_within_the_tolerance(tmp_path, capsys):
    """发散的训练（nan）不能算一致：nan 排在别的差别后面时也不行。"""
    rc, out = verdict(tmp_path, capsys, params=[PARAMS[0], onp.array([1.0, onp.nan, 1.0, 1.0])])
    assert rc == 1 and "参数的最大差别 nan：超出容差" in out
    rc, out = verdict(tmp_path / "loss", capsys, loss=[0.9, 0.3, onp.nan])
    assert rc == 1 and "损失的最大差别 nan" in out


@pytest.mark.parametrize("params, shapes", [
    ([PARAMS[0].T, PARAMS[1]], "[(2, 3), (4,)] 和 [(3, 2), (4,)]"),                 # 转置：相减会报错
    ([PARAMS[0], onp.ones((1, 4))], "[(2, 3), (4,)] 和 [(2, 3), (1, 4)]"),          # 能广播、数值也相同
    ([PARAMS[0]], "[(2, 3), (4,)] 和 [(2, 3)]"),                                     # 少一个参数
])
def test_parameter_shapes_differ(tmp_path, capsys, params, shapes):
    rc, out = verdict(tmp_path, capsys, params=params)
    assert rc == 1
    assert f"两次训练的迭代周期数（3 和 3）或参数的形状（{shapes}）不同，无法比较。" in out


def test_number_of_epochs_differs(tmp_path, capsys):
    rc, out = verdict(tmp_path, capsys, loss=LOSS[:2])
    assert rc == 1 and "迭代周期数（3 和 2）" in out and "无法比较" in out
