"""Drivers: backup/ (object stores behind the data engine) and volume/.

Drivers take and return plain values and never import backupd.api,
backupd.manager or backupd.db (see HACKING.rst).
"""
