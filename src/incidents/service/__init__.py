"""Use cases: one transaction each, plain inputs in, plain data out."""
