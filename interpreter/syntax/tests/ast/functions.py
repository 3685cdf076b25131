def a():
    pass

def b(x, y=1, *args, z, w=2, **kwargs):
    return x

def c(x: int, y: str = "s") -> bool:
    return True

def d(a, b, /, c, *, d):
    pass

def e(*, k=1):
    pass

def f(a, /):
    pass

def g(a=1, /, b=2):
    pass

def h(*args: int, **kw: str) -> None:
    pass

def i(a,):
    pass

def j(
    a,
    b,
):
    """Docstring."""
    return a, b

def k(): return 1

def gen():
    yield
    yield 1
    yield 1, 2
    x = yield
    y = yield from gen()
    yield from range(3)
    return

async_ = 1

def star_annot(*args: *Ts):
    pass
