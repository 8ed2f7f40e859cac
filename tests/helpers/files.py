"""Reading and writing a volume's bytes at an offset, in place."""


def write_at(path, offset, data):
    with open(path, 'r+b') as f:
        f.seek(offset)
        f.write(data)


def read_at(path, offset, length):
    with open(path, 'rb') as f:
        f.seek(offset)
        return f.read(length)
