"""Benchmarks: each figure is the project's number beside a baseline measured in the same run (`python -m bench`)."""
