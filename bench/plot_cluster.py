"""Plots a bench/cluster.sh run: per balancer, tokens per second (keep-alive and new-handshake
clients) and failed requests over time, with the harness's events marked.

    python3 bench/plot_cluster.py WORK [OUT.png]

Reads WORK/events.log, WORK/<balancer>/summary.json and timeseries.csv; writes OUT.png
(default WORK/cluster.png). Needs matplotlib (bench/cluster.sh bench installs it in a venv).
"""
import csv
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

work = Path(sys.argv[1])
out = Path(sys.argv[2]) if len(sys.argv) > 2 else work / "cluster.png"
balancers = [d.name for d in sorted(work.iterdir()) if (d / "timeseries.csv").is_file()]
events = []
for line in (work / "events.log").read_text().splitlines():
    at, kind, *rest = line.split(" ", 2)
    events.append((int(at), kind, rest[0] if rest else ""))

# Which events to draw, and how.
STYLE = {
    "phase": ("black", "-", 1.2),
    "restart": ("tab:orange", "--", 0.9),
    "up": ("tab:green", ":", 0.9),
    "kill": ("tab:red", "-", 1.4),
    "down": ("tab:red", ":", 0.9),
    "rotate": ("tab:purple", "--", 0.9),
    "signs": ("tab:purple", ":", 0.9),
    "registered": ("tab:blue", ":", 0.9),
    "revoked": ("tab:brown", ":", 0.9),
}

fig, axes = plt.subplots(len(balancers), 1, figsize=(14, 4.2 * len(balancers)), squeeze=False)
for ax, balancer in zip(axes[:, 0], balancers):
    summary = json.loads((work / balancer / "summary.json").read_text())["load"]
    start = summary["started_us"]
    rows = list(csv.DictReader((work / balancer / "timeseries.csv").open()))
    t = [float(r["t_s"]) for r in rows]
    ka = [float(r["ok_keepalive_per_s"]) for r in rows]
    hs = [float(r["ok_handshake_per_s"]) for r in rows]
    failed = [int(r["failed_keepalive"]) + int(r["failed_handshake"]) for r in rows]
    ax.plot(t, ka, label="keep-alive tokens/s", color="tab:blue", linewidth=1)
    ax.plot(t, hs, label="new-handshake tokens/s", color="tab:cyan", linewidth=1)
    ax.set_ylabel("tokens/s")
    ax.set_xlabel("seconds since the load started")
    errors = ax.twinx()
    width = (t[1] - t[0]) if len(t) > 1 else 0.25
    errors.bar(t, failed, width=width, color="tab:red", alpha=0.7, label="failed requests")
    errors.set_ylabel("failed requests per bucket", color="tab:red")
    errors.set_ylim(0, max(4, max(failed) * 1.5))
    top = ax.get_ylim()[1]
    for at, kind, detail in events:
        x = (at - start) / 1e6
        if kind not in STYLE or x < 0 or x > t[-1]:
            continue
        color, style, width_ = STYLE[kind]
        ax.axvline(x, color=color, linestyle=style, linewidth=width_)
        label = detail if kind == "phase" else f"{kind} {detail}".strip()
        ax.text(x, top * (0.98 if kind == "phase" else 0.86), label, rotation=90, fontsize=7,
                va="top", ha="right", color=color)
    ok = summary["ok_keepalive"] + summary["ok_handshake"]
    bad = summary["failed_keepalive"] + summary["failed_handshake"]
    ax.set_title(f"{balancer}: {ok} tokens, {bad} failed "
                 f"({summary['failed_not_at_a_kill']} not in flight at the kill)")
    lines = ax.get_legend_handles_labels()
    bars = errors.get_legend_handles_labels()
    ax.legend(lines[0] + bars[0], lines[1] + bars[1], loc="lower left", fontsize=8)
fig.tight_layout()
fig.savefig(out, dpi=110)
print(out)
