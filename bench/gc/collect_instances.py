# One full gc.collect() over 1,000,000 unreachable instances in 2-cycles
# (a.other = b, b.other = a). Automatic collection is off while building.
# Prints the collection's CPU time and what it found. (mini keeps instance
# attributes in a real dict, so its heap also holds 1,000,000 dicts.)
import gc
import time

gc.disable()


class Node:
    pass


def build(pairs):
    for i in range(pairs):
        a = Node()
        b = Node()
        a.other = b
        b.other = a


build(500000)  # BENCH_N
start = time.process_time()
found = gc.collect()
took = time.process_time() - start
print("unreachable", found)
print("collect_ms", round(took * 1000, 3))
