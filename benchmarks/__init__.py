"""Scale measurements: a data generator, latency and throughput benchmarks, a load test.

`make bench` runs them (see benchmarks/bench.py); each module also runs alone
with `python -m benchmarks.<name> --help`.
"""
