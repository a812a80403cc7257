"""Datasets: the directory format, its loader and writer, checks, and imports of club data."""
