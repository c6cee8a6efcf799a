"""The benchmark harness: fills a database, drives `incidents serve` with wrk, compares pgbench."""
