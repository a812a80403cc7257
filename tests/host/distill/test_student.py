"""Student networks and the distillation loss."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from host.distill.config import StudentConfig
from host.distill.student import build_student, parameter_count
from host.distill.train_student import distillation_loss


@pytest.mark.parametrize("kind", ["cnn", "gru"])
def test_student_scores_every_label_for_any_batch(kind: str) -> None:
    model = build_student(StudentConfig(kind=kind)).eval()
    logits = model(torch.randn(5, 13, 600))
    assert logits.shape == (5, 9)
    # Small enough for the 100 KB bundle in fp32 with room for the manifest.
    assert parameter_count(model) * 4 < 80 * 1024


def test_unknown_student_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown student kind 'lstm'"):
        build_student(StudentConfig(kind="lstm"))  # type: ignore[arg-type]


def test_loss_without_teacher_is_cross_entropy() -> None:
    logits, labels = torch.randn(6, 9), torch.randint(0, 9, (6,))
    assert torch.allclose(
        distillation_loss(logits, labels, None, 3.0, 0.7), F.cross_entropy(logits, labels)
    )


def test_distillation_term_vanishes_when_the_student_matches_the_teacher() -> None:
    teacher = torch.softmax(torch.randn(6, 9), dim=1)
    labels = torch.randint(0, 9, (6,))
    matching = distillation_loss(torch.log(teacher), labels, teacher, 3.0, alpha=1.0)
    assert matching.item() == pytest.approx(0.0, abs=1e-5)
    other = distillation_loss(torch.randn(6, 9), labels, teacher, 3.0, alpha=1.0)
    assert other.item() > 0.01


def test_distillation_pulls_the_student_towards_the_teacher() -> None:
    teacher = torch.softmax(torch.tensor([[4.0, 1.0, 0.0]]), dim=1)
    logits = torch.zeros(1, 3, requires_grad=True)
    distillation_loss(logits, torch.tensor([1]), teacher, 2.0, alpha=1.0).backward()
    assert logits.grad is not None
    assert logits.grad[0, 0] < 0 < logits.grad[0, 2]  # raise class 0, lower class 2
