def f():
    global x
    x = 1
    def g():
        nonlocal_val = 2
        def h():
            nonlocal nonlocal_val
            nonlocal_val = 3
        return h
    return g
