# One full gc.collect() over 1,000,000 unreachable lists in 2-cycles
# (a = [b], b = [a]). Automatic collection is off while building.
# Prints the collection's CPU time and what it found.
import gc
import time

gc.disable()


def build(pairs):
    for i in range(pairs):
        a = []
        b = [a]
        a.append(b)


build(500000)  # BENCH_N
start = time.process_time()
found = gc.collect()
took = time.process_time() - start
print("unreachable", found)
print("collect_ms", round(took * 1000, 3))
