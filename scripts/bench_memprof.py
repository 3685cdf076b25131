"""The memory_profiler overhead table of scripts/bench (`--memprof`).

A function whose body is a loop of 100,000 iterations is timed inside the
interpreter (time.perf_counter around one call) plain and decorated with
memory_profiler's `@profile` (report written to a StringIO): mini with its
'heap' and 'rss' backends, CPython with memory_profiler 0.61 (default
'psutil' backend, which reads RSS through psutil on every line), installed
into the .regen-venv virtual environment when missing. Each cell is the
best of the runs (the machine is shared: the minimum is the least disturbed); the ratio is decorated / plain for the same interpreter.
"""

import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".regen-venv")
VERSION = "0.61.0"
N = 100_000

BODIES = {
    "total += i * 2": "total = 0\n    for i in range(N):\n        total += i * 2\n    return total",
    "out.append([i])": "out = []\n    for i in range(N):\n        out.append([i])\n    return len(out)",
}

TEMPLATE = """import io, sys, time
from memory_profiler import profile
N = {n}
def body():
    {body}
mode = sys.argv[1]
f = body if mode == 'plain' else profile(body, stream=io.StringIO(), backend=mode)
f()  # warm-up
t = time.perf_counter()
f()
print(time.perf_counter() - t)
"""


def venv_python(python):
    """CPython with memory_profiler 0.61 (installed into the venv if missing)."""
    exe = os.path.join(VENV, "bin", "python")
    check = [exe, "-c", f"import memory_profiler, sys; sys.exit(memory_profiler.__version__ != '{VERSION}')"]
    if os.path.exists(exe) and subprocess.run(check, capture_output=True).returncode == 0:
        return [exe]
    if not os.path.exists(exe):
        subprocess.run(python + ["-m", "venv", VENV], check=True)
    subprocess.run([exe, "-m", "pip", "install", "-q", f"memory_profiler=={VERSION}"], check=True)
    return [exe]


def run(cmd, path, mode, timeout):
    p = subprocess.run(cmd + [path, mode], capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "failed")
    return float(p.stdout.strip().splitlines()[-1])


def memprof_table(mini, python, runs, timeout, progress=lambda s: None):
    cpy = venv_python(python)
    configs = [("mini", mini, "plain"), ("mini", mini, "heap"), ("mini", mini, "rss"),
               ("CPython", cpy, "plain"), ("CPython", cpy, "psutil")]
    lines = [f"| @profile on a loop of {N:,} iterations | mini plain | mini `heap` | mini `rss` "
             "| CPython plain | CPython memory_profiler 0.61 |",
             "|---|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="bench-memprof-") as folder:
        for k, (label, body) in enumerate(BODIES.items()):
            path = os.path.join(folder, f"loop{k}.py")
            with open(path, "w") as f:
                f.write(TEMPLATE.format(n=N, body=body))
            times = {}
            for who, cmd, mode in configs:
                # CPython's memory_profiler takes seconds per run: fewer runs.
                n = max(1, min(runs, 3)) if (who, mode) == ("CPython", "psutil") else runs
                vals = []
                for r in range(n):
                    progress(f"  memprof {label}: {who} {mode} {r + 1}/{n}")
                    try:
                        vals.append(run(cmd, path, mode, timeout))
                    except (RuntimeError, subprocess.TimeoutExpired) as e:
                        times[(who, mode)] = f"ERROR: {e}"
                        break
                else:
                    times[(who, mode)] = min(vals)
            progress("")
            cells = []
            for who, _, mode in configs:
                v = times[(who, mode)]
                if isinstance(v, str):
                    cells.append(v)
                    continue
                base = times[(who, "plain")]
                if mode == "plain" or isinstance(base, str):
                    cells.append(f"{v * 1000:.2f} ms")
                else:
                    cells.append(f"{v * 1000:.1f} ms ({v / base:,.1f}×)")
            lines.append(f"| `{label}` | " + " | ".join(cells) + " |")
    lines += ["", "One call timed inside the interpreter after a warm-up call; best of the runs "
              "(CPython's memory_profiler: at most 3). mini's `rss` re-reads /proc/self/statm on "
              "a line event only after the live heap moved by 64 KiB or 1 ms passed."]
    return lines
