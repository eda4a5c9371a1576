"""The gradient-diffusion paper's first figure: model A (the HH axon), its membrane potential at
the soma and at the axon's end, and the exact gradients dV/dθ with respect to gnabar, gkbar, gl
and the clamp's amplitude, from one simulation. Writes fig1_model_a.png.

    python python/examples/fig1_model_a.py
"""

import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import gradmod  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]

model = gradmod.Model.load(ROOT / "models" / "A_hh_axon.toml")
r = model.run()

fig, axes = plt.subplots(1 + len(r.parameters), 1, figsize=(7, 10), sharex=True)
for p, name in enumerate(r.probes):
    axes[0].plot(r.t, r.traces[:, p], label=name)
axes[0].set_ylabel("V (mV)")
axes[0].legend()
for k, param in enumerate(r.parameters):
    for p, name in enumerate(r.probes):
        axes[k + 1].plot(r.t, r.tangents[:, p, k], label=name)
    axes[k + 1].set_ylabel(f"dV/d({param})")
axes[-1].set_xlabel("t (ms)")
fig.suptitle("Model A: voltage and exact gradients (gradmod)")
fig.tight_layout()
out = pathlib.Path("fig1_model_a.png")
fig.savefig(out, dpi=120)
print(f"wrote {out}")
