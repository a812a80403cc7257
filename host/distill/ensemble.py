"""Several students as one graph: the mean of their class probabilities.

Students trained from different seeds disagree on unseen athletes (on daily and sports
activities one CNN seed scored 0.74 and the next 0.84 on the same two subjects), so the
CNN student is by default two CNNs averaged (`StudentConfig.cnn_members`). The pair takes
about 0.05 ms per window in int8 and 0.07-0.11 ms in fp32, at the edge of the sideline's
0.1 ms aim (docs/student.md, "Two CNN seeds averaged"). The graph returns the log of the
mean probability, so that whatever reads a student's logits (argmax, softmax) reads the
ensemble's the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class AveragedStudents(nn.Module):
    """`students` run side by side on one window; their softmaxes averaged, as logs."""

    def __init__(self, students: Sequence[nn.Module]) -> None:
        super().__init__()
        self.students = nn.ModuleList(students)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        probabilities = torch.stack([s(x).softmax(dim=1) for s in self.students]).mean(dim=0)
        return probabilities.log()
