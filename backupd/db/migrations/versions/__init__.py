# Makes the revisions a package, so the sdist and the wheel carry them
# (alembic skips __init__.py when it reads the revisions).
