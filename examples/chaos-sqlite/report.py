"""Summarise the chaos-sqlite runs into results.json and results.md."""
import collections
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from machine import machine  # noqa: E402

work, out, rate, fault_modes, pl_modes = sys.argv[1:6]


def decisions(d):
    rows = [json.loads(x) for x in open(f"{d}/decisions.jsonl") if x.strip()]
    # t differs between runs; what must repeat is which call got which decision.
    return sorted((r["layer"], r["op"], r["path"], r["n"], r["decision"], str(r.get("value")))
                  for r in rows if "op" in r)


def injected_calls(d):
    """The injected errors in call order, as the outermost record layer saw them."""
    rows = (json.loads(x) for x in open(f"{d}/record.jsonl") if x.strip())
    return [(r["op"], r["path"], r["res"]) for r in rows if r.get("inj")]


def acks(d):
    rows = [json.loads(x) for x in open(f"{d}/acks.jsonl") if x.strip()]
    return [r for r in rows if "id" in r]


def load(d):
    return json.load(open(f"{d}/check.json"))


result = {"fault": [], "powerloss": []}
for mode in fault_modes.split():
    a, b, rp = (f"{work}/fault-{mode}-{s}" for s in ("a", "b", "replay"))
    da, db_ = decisions(a), decisions(b)
    ia, ib, ir = injected_calls(a), injected_calls(b), injected_calls(rp)
    failed = {k: [r["id"] for r in acks(k) if not r["ok"]] for k in (a, b, rp)}
    errors = collections.Counter(r["error"].split(":")[1].strip() for r in acks(a) if not r["ok"])
    injected = collections.Counter(f"{x[1]} {x[5]}" for x in da)
    result["fault"].append({
        "mode": mode, "check": load(a), "check_replay": load(rp), "injected": dict(injected),
        "errors": dict(errors), "decisions": len(da),
        "injected_calls": len(ia), "same_decisions_seed": da == db_ and ia == ib,
        "same_decisions_replay": ia == ir,
        "same_failed_txns_seed": failed[a] == failed[b],
        "same_failed_txns_replay": failed[a] == failed[rp]})
for mode in pl_modes.split():
    d = f"{work}/powerloss-{mode}"
    unsynced = json.load(open(f"{d}/unsynced.json"))
    result["powerloss"].append({"mode": mode, "check": load(d), "unsynced_at_loss": unsynced})

yes = {True: "yes", False: "**no**"}
md = [f"Fault runs: `fault` at {rate}% on write and fsync of `/db/**`, errnos EIO and ENOSPC, "
      f"seed 42, one transaction (a 2 KB row) per commit. {machine()}", "",
      "| journal mode | txns failed (detected) | errors the app saw | injected (op errno: count) "
      "| after restart: integrity, acked rows lost, failed rows present | same seed: same "
      "decisions, same failed txns | replay (seed 7 + log): same injected calls, same failed "
      "txns |", "|---|---|---|---|---|---|---|"]
for f in result["fault"]:
    c = f["check"]
    inj = ", ".join(f"{k}: {v}" for k, v in sorted(f["injected"].items()))
    err = ", ".join(f"{k} ({v})" for k, v in sorted(f["errors"].items()))
    md.append(f"| {f['mode']} | {c['failed']} of {c['acked'] + c['failed']} | {err} | {inj} | "
              f"{c['integrity']}, {c['lost']}, {c['failed_but_present']} | "
              f"{yes[f['same_decisions_seed']]}, {yes[f['same_failed_txns_seed']]} | "
              f"{yes[f['same_decisions_replay']]}, {yes[f['same_failed_txns_replay']]} |")
md += ["", "Powerloss runs: `--layers powerloss`; the writer commits every transaction, is killed "
       "with SIGKILL while its connection is open, `ctl powerloss drop` discards un-fsynced data, "
       "then the database is reopened through the mount (SQLite's recovery runs there).", "",
       "| mode | acked commits | rows after restart | acked rows silently lost | integrity_check | "
       "note |", "|---|---|---|---|---|---|"]
for p in result["powerloss"]:
    c = p["check"]
    md.append(f"| {p['mode']} | {c['acked']} | {c['present']} | {c['lost']} | {c['integrity']} | "
              f"{c.get('note', '')} |")
os.makedirs(out, exist_ok=True)
with open(f"{out}/results.md", "w") as fh:
    fh.write("\n".join(md) + "\n")
with open(f"{out}/results.json", "w") as fh:
    json.dump(result, fh, indent=1)
print("\n".join(md))
