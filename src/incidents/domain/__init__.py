"""Pure rules of the incident registry: no framework, database or network imports."""
