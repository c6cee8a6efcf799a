"""incidents: a registry of record for operational incidents."""

__version__ = "0.1.0"
