"""Investigative analyses over plate reads (convoy, multiple places, likely locations).

Each analysis is a module with one service, run like a search: a time window, a purpose statement, the caller's
search scope (own agency plus MOUs with search scope), ranked and explained results, and one access-log row
written through `reads.access_log.access_log_write` once it has run. Bad input is refused before anything is
read or logged. Shared rules live in `common`.
"""
