"""Pure rules of the incident runtime: no framework, database or network imports."""
