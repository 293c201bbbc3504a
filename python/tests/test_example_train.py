"""examples/train_gpt.py stays runnable: a few CPU steps of the tiny model,
with flashtile.attention, SDPA and the math-kernel noise run agreeing."""
import os
import re
import subprocess
import sys

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "train_gpt.py")


def test_train_gpt_small_cpu():
    out = subprocess.run([sys.executable, EXAMPLE, "--device", "cpu", "--small", "--steps", "3",
                          "--log-every", "1"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    diffs = re.findall(r"^(\S+) vs sdpa: largest loss difference ([0-9.]+)", out.stdout, re.M)
    assert [name for name, _ in diffs] == ["flashtile", "sdpa-math"], out.stdout
    # Three steps of a 0.1 M-parameter model: bf16 rounding moves the loss by
    # about 1e-3 at most; a wrong attention output moves it by much more.
    for name, diff in diffs:
        assert float(diff) < 0.01, (name, out.stdout)
    assert "tokens/s: flashtile" in out.stdout
