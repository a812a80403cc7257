"""Honest evaluation: athlete-grouped and time-ordered splits, metrics with bootstrap
intervals, grouped cross-validation, and the evaluation of a trained run."""
