"""Parts of the chunked data engine; :mod:`..chunked` puts them together.

codec (compression), checksums (sha256 block lists), manifest (the stored
format and object names), pipeline (bounded native threads, callbacks),
volume (reading and writing volumes), and one module per operation:
backup_run, restore_run, verify_run.
"""
