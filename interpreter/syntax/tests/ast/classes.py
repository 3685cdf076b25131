class A:
    pass

class B(A):
    x = 1
    def __init__(self, v):
        self.v = v

class C(A, B, metaclass=type):
    """Doc string."""
    def m(self) -> int:
        return self.v

class D(*bases, **kw):
    pass

class E():
    pass
