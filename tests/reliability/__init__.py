"""Reliability: crashes, faults and hostile input, with nothing lost."""
