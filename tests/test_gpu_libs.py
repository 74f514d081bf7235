"""GPU 版的准备工作在没有 GPU 的机器上能检查的部分：找到并按顺序载入 CUDA 11 运行库，
以及 MXNet 没有 GPU（或 GPU 上没有可用的计算内核）时退回 CPU。"""

import subprocess
import sys

import mxnet as mx
import pytest

import d2lutils
from d2lutils.compat import gpu_libs


def fake_site(tmp_path, files):
    """在临时目录里造一个 site-packages：nvidia/<组件>/lib/<库文件>（空文件）。"""
    site = tmp_path / "site-packages"
    for rel in files:
        path = site / "nvidia" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    return site


WHEEL_LAYOUT = [  # 与 requirements-gpu.txt 中各个 nvidia-*-cu11 包的文件布局相同
    "cudnn/lib/libcudnn.so.8", "cudnn/lib/libcudnn_adv_infer.so.8", "cudnn/lib/libcudnn_adv_train.so.8",
    "cudnn/lib/libcudnn_cnn_infer.so.8", "cudnn/lib/libcudnn_cnn_train.so.8",
    "cudnn/lib/libcudnn_ops_infer.so.8", "cudnn/lib/libcudnn_ops_train.so.8",
    "cublas/lib/libcublas.so.11", "cublas/lib/libcublasLt.so.11", "cublas/lib/libnvblas.so.11",
    "cuda_runtime/lib/libcudart.so.11.0", "cuda_nvrtc/lib/libnvrtc.so.11.2",
    "cuda_nvrtc/lib/libnvrtc-builtins.so.11.7", "cufft/lib/libcufft.so.10", "cufft/lib/libcufftw.so.10",
    "curand/lib/libcurand.so.10", "cusolver/lib/libcusolver.so.11", "cusolver/lib/libcusolverMg.so.11",
    "cusparse/lib/libcusparse.so.11", "nccl/lib/libnccl.so.2",
    "cudnn/include/cudnn.h", "cuda_runtime/lib/libcudart.so.12",  # 不该被载入的文件
]


def test_preload_order_follows_dependencies(tmp_path):
    site = fake_site(tmp_path, WHEEL_LAYOUT)
    loaded = []
    libs = gpu_libs.preload_cuda_libs([str(tmp_path / "elsewhere"), str(site)], loader=loaded.append)
    names = [p.rsplit("/", 1)[1] for p in loaded]
    assert names == [
        "libcudart.so.11.0", "libcublasLt.so.11", "libcublas.so.11", "libnvrtc-builtins.so.11.7",
        "libnvrtc.so.11.2", "libcufft.so.10", "libcurand.so.10", "libcusparse.so.11", "libcusolver.so.11",
        "libcudnn_ops_infer.so.8", "libcudnn_ops_train.so.8", "libcudnn_cnn_infer.so.8",
        "libcudnn_cnn_train.so.8", "libcudnn_adv_infer.so.8", "libcudnn_adv_train.so.8",
        "libcudnn.so.8", "libnccl.so.2"]
    assert [str(p) for p in libs] == loaded
    assert all(p.startswith(str(site / "nvidia")) for p in loaded)


def test_missing_libraries_are_skipped(tmp_path):
    site = fake_site(tmp_path, ["cudnn/lib/libcudnn.so.8", "cuda_runtime/lib/libcudart.so.11.0"])
    loaded = []
    gpu_libs.preload_cuda_libs([str(site)], loader=loaded.append)
    assert [p.rsplit("/", 1)[1] for p in loaded] == ["libcudart.so.11.0", "libcudnn.so.8"]
    assert gpu_libs.find_cuda_libs([str(tmp_path / "nothing")]) == []


def test_real_loader_reports_a_broken_library_in_chinese(tmp_path):
    # 空文件不是合法的共享库：真正的 ctypes.CDLL 会失败，错误要说明是哪个库、怎么修
    site = fake_site(tmp_path, ["cuda_runtime/lib/libcudart.so.11.0"])
    with pytest.raises(OSError) as info:
        gpu_libs.preload_cuda_libs([str(site)])
    assert "libcudart.so.11.0" in str(info.value) and "requirements-gpu.txt" in str(info.value)


def test_gpu_build_is_detected_from_its_dist_info(tmp_path):
    assert gpu_libs.installed_gpu_build([str(tmp_path)]) is None
    (tmp_path / "mxnet-1.9.1.dist-info").mkdir()
    assert gpu_libs.installed_gpu_build([str(tmp_path)]) is None
    (tmp_path / "mxnet_cu117-1.9.1.dist-info").mkdir()
    assert gpu_libs.installed_gpu_build([str(tmp_path)]) == "mxnet-cu117"


def test_this_environment_has_the_cpu_build():
    assert gpu_libs.installed_gpu_build() is None
    assert not mx.runtime.Features().is_enabled("CUDA")


def test_import_preloads_only_for_a_gpu_build(tmp_path):
    # 在一个装了“GPU 版”（假的 dist-info 和假的库）的 site 目录下导入 d2lutils：
    # 它必须去载入 CUDA 库（这里是空文件，所以得到中文错误），而真正的 CPU 环境什么也不载入。
    site = fake_site(tmp_path, ["cuda_runtime/lib/libcudart.so.11.0"])
    (site / "mxnet_cu117-1.9.1.dist-info").mkdir()
    code = "import d2lutils"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(site), "PATH": ""}, timeout=60)
    assert out.returncode != 0
    assert "EnvironmentProblem" in out.stderr and "libcudart.so.11.0" in out.stderr


def test_try_gpu_falls_back_to_cpu_without_gpu_support():
    assert d2lutils.gpu_works(0) is False
    assert d2lutils.try_gpu() == mx.cpu()
    assert d2lutils.try_all_gpus() == [mx.cpu()]


def test_listed_gpu_without_kernels_falls_back(monkeypatch, capsys):
    # 模拟 H100 上的情形：MXNet 报告有 1 块 GPU，但在上面的任何运算都失败
    monkeypatch.setattr(mx.context, "num_gpus", lambda: 1)
    assert d2lutils.gpu_works(0) is False
    assert d2lutils.try_gpu() == mx.cpu()
    assert d2lutils.try_all_gpus() == [mx.cpu()]

    class CudaFeatures:
        def is_enabled(self, name):
            return name == "CUDA"

    monkeypatch.setattr(mx.runtime, "Features", CudaFeatures)
    assert d2lutils.describe_devices() == [mx.cpu()]
    out = capsys.readouterr().out
    # 整句话：只找 “sm_90” 的话，把 “sm_50 到 sm_86” 错写成 “sm_90” 也能通过
    assert out == ("GPU 0：MXNet 能看到它，却无法在上面运算。MXNet 1.9.1 的 GPU 版只带有 sm_50 到 sm_86 的计算内核，"
                   "H100、H200（sm_90）及更新的 GPU 无法使用；这块 GPU 上的计算改在 CPU 上进行。\n")


def test_describe_devices_on_the_cpu_build(capsys):
    assert d2lutils.describe_devices() == [mx.cpu()]
    assert "CPU 版 MXNet" in capsys.readouterr().out


def test_gpu_build_without_a_driver_says_so_in_chinese(tmp_path):
    # 没有 GPU 的机器上装了 GPU 版：libmxnet.so 找不到 libcuda.so.1（用一个假的 mxnet 包模拟）
    (tmp_path / "mxnet_cu117-1.9.1.dist-info").mkdir()
    (tmp_path / "mxnet").mkdir()
    (tmp_path / "mxnet" / "__init__.py").write_text(
        "raise OSError('libcuda.so.1: cannot open shared object file: No such file or directory')\n")
    out = subprocess.run([sys.executable, "-c", "import d2lutils"], capture_output=True, text=True,
                         env={"PYTHONPATH": str(tmp_path), "PATH": ""}, timeout=60)
    assert out.returncode != 0
    assert "EnvironmentProblem" in out.stderr and "显卡驱动" in out.stderr and "mxnet==1.9.1" in out.stderr


def test_requirements_gpu_supplies_every_preloaded_component():
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "requirements-gpu.txt").read_text(encoding="utf-8")
    pins = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    pins = dict(p.split("==") for p in pins if p)
    nvidia = {name for name in pins if name.startswith("nvidia-")}
    components = {f"nvidia-{component.replace('_', '-')}-cu11" for component, _ in gpu_libs.CUDA_LIBS}
    assert nvidia == components  # 每个被预载的组件都有固定版本的包，没有多余的包
    assert pins["mxnet-cu117"] == "1.9.1"
    assert pins["nvidia-cudnn-cu11"].startswith("8.")  # libmxnet.so 需要 libcudnn.so.8
    assert all(v[0].isdigit() for v in pins.values())
