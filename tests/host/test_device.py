"""Device, precision and worker choice: what each --device means on machines with and
without GPUs (posed through an injected GPU count), and the refusals."""

from __future__ import annotations

import pytest
import torch

from host.device import Compute, DeviceError, process_group_backend, resolve_device


def gpus(count: int) -> object:
    return lambda: count


def test_auto_is_the_cpu_without_gpus_and_the_first_gpu_with_them() -> None:
    assert resolve_device("auto", cuda_count=gpus(0)) == torch.device("cpu")
    assert resolve_device("auto", cuda_count=gpus(2)) == torch.device("cuda", 0)
    assert resolve_device("cpu", cuda_count=gpus(2)) == torch.device("cpu")


def test_under_torchrun_each_process_takes_its_local_rank_gpu() -> None:
    assert resolve_device("auto", local_rank=3, cuda_count=gpus(4)) == torch.device("cuda", 3)
    assert resolve_device("cuda", local_rank=1, cuda_count=gpus(4)) == torch.device("cuda", 1)
    assert resolve_device("cuda:2", local_rank=1, cuda_count=gpus(4)) == torch.device("cuda", 2)


@pytest.mark.parametrize(
    ("spec", "count", "message"),
    [
        ("cuda", 0, "no CUDA device"),
        ("cuda:1", 0, "no CUDA device"),
        ("cuda:2", 2, "numbered 0 to 1"),
        ("gpu", 1, "expected auto, cpu, cuda or cuda:N"),
        ("cpu:0", 1, "expected auto, cpu, cuda or cuda:N"),
        ("cuda:x", 1, "expected auto, cpu, cuda or cuda:N"),
    ],
)
def test_unusable_devices_are_refused_naming_the_option(
    spec: str, count: int, message: str
) -> None:
    with pytest.raises(DeviceError, match=message) as caught:
        resolve_device(spec, cuda_count=gpus(count))
    assert "--device" in str(caught.value)


def test_bf16_is_refused_on_the_cpu_and_workers_must_not_be_negative() -> None:
    with pytest.raises(DeviceError, match="CUDA only"):
        Compute.choose("cpu", "bf16")
    with pytest.raises(DeviceError, match="--precision 'fp16'"):
        Compute.choose("cpu", "fp16")
    with pytest.raises(DeviceError, match="--workers -1"):
        Compute.choose("cpu", workers=-1)


def test_the_cpu_choice_pins_nothing_and_casts_nothing() -> None:
    compute = Compute.choose("cpu", workers=2)
    assert not compute.pin_memory and compute.workers == 2
    with compute.autocast():
        product = torch.ones(2, 2) @ torch.ones(2, 2)
    assert product.dtype == torch.float32
    batch = {"imu": torch.ones(3)}
    assert compute.put(batch)["imu"] is batch["imu"]
    assert compute.describe() == {
        "device": "cpu",
        "device_name": "cpu",
        "precision": "fp32",
        "workers": 2,
    }


def test_processes_with_gpus_use_nccl_and_cpu_processes_gloo() -> None:
    assert process_group_backend(torch.device("cpu")) == "gloo"
    expected = "nccl" if torch.distributed.is_nccl_available() else "gloo"
    assert process_group_backend(torch.device("cuda", 0)) == expected


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (none here)")
def test_on_a_gpu_bf16_autocast_runs_the_forward_pass_in_bf16() -> None:
    compute = Compute.choose("cuda", "bf16")
    assert compute.pin_memory and compute.device.type == "cuda"
    with compute.autocast():
        product = torch.ones(2, 2, device=compute.device) @ torch.ones(2, 2, device=compute.device)
    assert product.dtype == torch.bfloat16
