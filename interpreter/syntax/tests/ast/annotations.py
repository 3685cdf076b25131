x: int
y: list[int] = []
z: "str" = "s"
def f(a: int, b: "B" = None, *c: tuple, d: dict, **e: set) -> "R":
    v: int = 1
    return v
class K:
    attr: int = 0
    other: str
