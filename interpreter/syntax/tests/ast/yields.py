def g():
    x = yield 1
    y = yield
    z = yield from h()
    w = (yield)
    v = [(yield)]
    print((yield 2))
    yield a, b
    yield *a, b
    await_ = 1
    return x
