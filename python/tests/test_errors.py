"""Argument errors raise Python exceptions before anything runs."""
import pytest
import torch

import flashtile
from flashtile import ArgumentError


def qkv(dtype=torch.float32, D=16, H=4, HKV=2):
    return (torch.randn(1, H, 8, D, dtype=dtype), torch.randn(1, HKV, 8, D, dtype=dtype),
            torch.randn(1, HKV, 8, D, dtype=dtype))


def test_argument_error_is_a_value_error():
    assert issubclass(ArgumentError, ValueError)


@pytest.mark.parametrize("case,match", [
    ("rank", "4 dimensions"),
    ("dtype_mix", "one dtype"),
    ("dtype_f64", "not supported"),
    ("dtype_int", "not supported"),
    ("head_dim", "head dimension 48"),
    ("gqa", "multiple"),
    ("kv_shape", "one shape"),
    ("batch", "do not match"),
    ("last_stride", "contiguous in its last dimension"),
    ("device", "not supported"),
    ("scale_nan", "finite"),
    ("scale_zero", "positive"),
    ("scale_negative", "positive"),
])
def test_attention_argument_errors(case, match):
    q, k, v = qkv()
    kw = {}
    if case == "rank":
        q = q[0]
    elif case == "dtype_mix":
        k = k.half()
    elif case == "dtype_f64":
        q, k, v = (x.double() for x in (q, k, v))
    elif case == "dtype_int":
        q, k, v = (x.int() for x in (q, k, v))
    elif case == "head_dim":
        q, k, v = qkv(D=48)
    elif case == "gqa":
        q, k, v = qkv(H=3, HKV=2)
    elif case == "kv_shape":
        v = v[:, :, :5]
    elif case == "batch":
        k, v = (torch.cat([x, x]) for x in (k, v))
    elif case == "last_stride":
        q = torch.randn(1, 4, 16, 8).transpose(2, 3)
    elif case == "device":
        q, k, v = (x.to("meta") for x in (q, k, v))
    elif case == "scale_nan":
        kw["scale"] = float("nan")
    elif case == "scale_zero":
        kw["scale"] = 0.0
    elif case == "scale_negative":
        kw["scale"] = -0.125
    with pytest.raises(ArgumentError, match=match):
        flashtile.attention(q, k, v, **kw)


def test_non_tensor_and_bad_scale_type():
    q, k, v = qkv()
    with pytest.raises(TypeError, match="torch.Tensor"):
        flashtile.attention(q.tolist(), k, v)
    with pytest.raises(TypeError, match="scale"):
        flashtile.attention(q, k, v, scale=torch.tensor(0.5))


def test_devices_must_agree():
    q, k, v = qkv()
    with pytest.raises(ArgumentError, match="one device"):
        flashtile.attention(q, k.to("meta"), v)


def test_errors_leave_outputs_untouched_and_process_alive():
    # A failing call raises; the next good call still works.
    q, k, v = qkv()
    with pytest.raises(ArgumentError):
        flashtile.attention(q, k[:, :1, :3], v)
    assert flashtile.attention(q, k, v).shape == q.shape
