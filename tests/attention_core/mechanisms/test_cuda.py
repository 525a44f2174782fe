"""Every mechanism gives the same result on CUDA as on the CPU (skipped without a GPU)."""
import pytest
import torch

from attention_core.mechanisms import HierarchicalAttention, SoftImageAttention, StructuredSelfAttention

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@pytest.mark.parametrize("make, args", [
    (lambda: StructuredSelfAttention(4, 5, 3), lambda: (torch.randn(2, 6, 4),)),
    (lambda: HierarchicalAttention(4), lambda: (torch.randn(2, 3, 5, 4),)),
    (lambda: SoftImageAttention(4, 3, 5), lambda: (torch.randn(2, 9, 4), torch.randn(2, 3))),
])
def test_cuda_matches_cpu(make, args):
    module, inputs = make(), args()
    cpu = module(*inputs)
    gpu = module.cuda()(*(x.cuda() for x in inputs))
    for a, b in zip(cpu, gpu):
        torch.testing.assert_close(b.cpu(), a, rtol=1e-4, atol=1e-5)
