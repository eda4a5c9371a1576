#!/usr/bin/env python3
"""The mean and standard deviation of the intervals pyNN's gammastim.mod draws, by its own
formulas (Marsaglia and Tsang's method for alpha > 1; for alpha <= 1 one recursive call with
alpha + 1 times U^(1/alpha), with the file's use of the PARAMETER alpha, not the argument, for d),
sampled here in Python with Python's generator: 200000 intervals per shape, beta 0.1 /ms.

tests/it/gammastim.rs compares the number of events gradmod's GammaStim gives in 2990 ms with
these figures (a renewal process: count about T / mean, variance about T sd^2 / mean^3).

Usage: python3 tests/reference/gammastim_intervals.py
"""
import math
import random


def interval(alpha, b, a):
    if a > 1:
        d = alpha - 1 / 3
        c = 1 / math.sqrt(9 * d)
        while True:
            z = random.gauss(0, 1)
            u = random.random()
            v = (1 + c * z) ** 3
            # C's comparison with log of a negative V is false: Z < -1/c already holds there.
            if z < -1 / c or math.log(u) > 0.5 * z * z + d - d * v + d * math.log(v):
                continue
            return d * v / b
    return interval(alpha, b, a + 1) * random.random() ** (1 / alpha)


random.seed(1)
for alpha in (0.5, 3.0):
    xs = [interval(alpha, 0.1, alpha) for _ in range(200000)]
    mean = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / len(xs))
    print(f"alpha {alpha}: mean interval {mean:.4f} ms, sd {sd:.4f} ms")
