x = 0
def outer():
    y = 1
    def inner():
        nonlocal y
        global x
        y += 1
        x = 2
    global a, b
    return inner
def g():
    nonlocal_ = 1
    return nonlocal_
