"""One torch thread per test process: the build hosts are small and shared."""

import torch

torch.set_num_threads(1)
