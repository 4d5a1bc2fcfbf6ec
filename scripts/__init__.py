"""The repository's scripts; `tests` import the guide reader of `check_docs`."""
