"""Writes cpython.prof, the CPython-written profile the pstats tests load.

Run with CPython 3.11 (`python3 _make_cpython_prof.py`). The profiled code
is compiled under made-up absolute file names, and cProfile runs on an
integer clock that the code advances itself, so the file's contents are the
same on every run: recursion (a <-> b, fact), a generator, builtins, a
method of list, two functions whose names differ only by directory (merged
by strip_dirs), and calls made before profiling starts.
"""
import cProfile
import time

class Clock:
    """The profiled code moves the time forward itself (C.now += n), so
    the time lands on the function doing it and no call is added."""
    now = 0


def timer():
    return Clock.now


APP = '''
def leaf():
    C.now += 1

def a(n):
    C.now += 10
    if n:
        b(n - 1)
    leaf()

def b(n):
    C.now += 100
    if n:
        a(n - 1)

def fact(n):
    C.now += 1000
    return 1 if n <= 1 else n * fact(n - 1)

def gen(k):
    for i in range(k):
        C.now += 3
        yield i

def main():
    a(4)
    fact(3)
    items = []
    for x in gen(4):
        items.append(x)
    helper1(2)
    helper2(3)
    time.sleep(0)
    return sorted(items, key=lambda v: -v)
'''

UTIL = '''
def helper(n):
    C.now += 50 * n
    return len(str(n))
'''

space = {'C': Clock, 'time': time}
exec(compile(UTIL, '/home/user/project/util.py', 'exec'), space)
space['helper1'] = space['helper']
exec(compile(UTIL, '/home/user/other/util.py', 'exec'), space)
space['helper2'] = space['helper']
exec(compile(APP, '/home/user/project/app.py', 'exec'), space)

prof = cProfile.Profile(timer, 0.001)
prof.runcall(space['main'])
prof.dump_stats('cpython.prof')
