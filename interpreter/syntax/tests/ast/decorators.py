import functools

def deco(f):
    return f

@deco
def f():
    pass

@deco
@functools.wraps(f)
def g(*args, **kwargs):
    return f(*args, **kwargs)

@deco
class C:
    @staticmethod
    def s():
        return 1

    @property
    def p(self):
        return 2

    @p.setter
    def p(self, v):
        pass

@(lambda f: f)
def h():
    pass

@deco.__call__
def i(): pass
