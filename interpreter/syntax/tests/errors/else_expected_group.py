z = (lambda: a) if b e, None
