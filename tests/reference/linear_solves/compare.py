"""Largest difference of each column of two trace CSVs (gradmod's traces.csv, NEURON's)."""
import csv, sys
def load(p):
    r = list(csv.reader(open(p)))
    return r[0], [[float(x) for x in row] for row in r[1:]]
ha, a = load(sys.argv[1]); hb, b = load(sys.argv[2])
assert ha == hb, (ha, hb)
n = min(len(a), len(b))
for j, name in enumerate(ha[1:], 1):
    scale = max(max(abs(r[j]) for r in b[:n]), 1e-300)
    dev = max(abs(a[i][j] - b[i][j]) for i in range(n))
    print(f"{name}: max |diff| {dev:.3g} (scale {scale:.3g}), rows {len(a)} vs {len(b)}")
