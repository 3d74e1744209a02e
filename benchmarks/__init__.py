"""Benchmarks of riskmodel: `python -m benchmarks` (or `make bench`) runs them all and writes results.md."""
