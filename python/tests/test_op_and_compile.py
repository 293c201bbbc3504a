"""The torch.library registration and torch.compile, on CPU tensors."""
import torch

import flashtile  # noqa: F401  (registers the ops)


def inputs(requires_grad=False):
    torch.manual_seed(1)
    q = torch.randn(1, 4, 24, 16, requires_grad=requires_grad)
    k = torch.randn(1, 2, 24, 16, requires_grad=requires_grad)
    v = torch.randn(1, 2, 24, 16, requires_grad=requires_grad)
    return q, k, v


def test_ops_are_registered():
    assert hasattr(torch.ops.flashtile, "attention_fwd")
    assert hasattr(torch.ops.flashtile, "attention_bwd")
    schema = str(torch.ops.flashtile.attention_fwd.default._schema)
    assert "bool causal" in schema and "float scale" in schema


def test_opcheck_forward_and_backward():
    # Schema, fake (meta) implementation, autograd registration and
    # dispatch, as torch.library.opcheck checks them.
    q, k, v = inputs(requires_grad=True)
    torch.library.opcheck(torch.ops.flashtile.attention_fwd.default, (q, k, v, True, 0.25))
    do = torch.randn(1, 4, 24, 16)
    o, lse = torch.ops.flashtile.attention_fwd(q.detach(), k.detach(), v.detach(), False, 0.25)
    torch.library.opcheck(torch.ops.flashtile.attention_bwd.default,
                          (do, q.detach(), k.detach(), v.detach(), o, lse, None, False, 0.25))


def test_fake_tensor_shapes_and_strides():
    from torch._subclasses.fake_tensor import FakeTensorMode
    with FakeTensorMode():
        q = torch.empty(2, 16, 8, 64).transpose(1, 2)  # BNHD storage
        k = torch.empty(2, 2, 16, 64)
        o, lse = torch.ops.flashtile.attention_fwd(q, k, k, True, 0.125)
        assert o.shape == q.shape and o.stride() == q.stride()
        assert lse.shape == (2, 8, 16) and lse.dtype == torch.float32


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(16, 16)

    def forward(self, q, k, v):
        return self.proj(flashtile.attention(q, k, v, causal=True))


def test_dynamo_explain_no_graph_break():
    q, k, v = inputs()
    explanation = torch._dynamo.explain(Block())(q, k, v)
    assert explanation.graph_break_count == 0, explanation.break_reasons
    assert explanation.graph_count == 1
    # The op is in the graph, not run by Python around it.
    graph = str(explanation.graphs[0].graph)
    assert "flashtile.attention_fwd" in graph


def test_torch_compile_forward_and_backward_match_eager():
    torch._dynamo.reset()
    block = Block()
    q, k, v = inputs(requires_grad=True)
    compiled = torch.compile(block, backend="aot_eager", fullgraph=True)
    out = compiled(q, k, v)
    out.sum().backward()
    grads = [x.grad.clone() for x in (q, k, v)]
    for x in (q, k, v):
        x.grad = None
    ref = block(q, k, v)
    ref.sum().backward()
    assert torch.equal(out, ref)
    for g, x in zip(grads, (q, k, v)):
        assert torch.equal(g, x.grad)
