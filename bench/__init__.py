"""Benchmarks of wardnews: scripts that print what they measured, goals beside figures.

Run each as a module from the repository root (see bench/README.md):

    python -m bench.delivery
    python -m bench.ingest
    python -m bench.queries
    python -m bench.memory
"""
