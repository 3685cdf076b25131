i = b'\x7's'f'
