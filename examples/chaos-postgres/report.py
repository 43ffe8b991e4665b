"""Summarise the chaos-postgres runs into results.json and results.md."""
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from machine import machine  # noqa: E402

work, out, rate = sys.argv[1:4]


def jl(path):
    return [json.loads(x) for x in open(path) if x.strip()]


def shape(msg):
    """One error message kind: numbers, quoted names and paths removed."""
    msg = re.sub(r'"[^"]*"', '"..."', msg)
    return re.sub(r"\d+", "N", msg)[:110]


def server_log(d):
    text = open(f"{d}/pg.log", errors="replace").read()
    levels = collections.Counter(re.findall(r"\b(PANIC|FATAL|ERROR):  ", text))
    kinds = collections.Counter(shape(m) for m in re.findall(r"\b(?:PANIC|ERROR):  (.*)", text))
    return {"levels": dict(levels), "kinds": dict(kinds.most_common(6)),
            "ignored_fsync_errors": len(re.findall(r"LOG:  could not fsync file", text)),
            "crash_restarts": text.count("all server processes terminated; reinitializing"),
            "startup_failures": text.count("shutting down due to startup process failure"),
            "recoveries": text.count("redo done at")}


def fault_run(fd):
    decisions = [r for r in jl(f"{fd}/decisions.jsonl") if "op" in r]
    acks = [r for r in jl(f"{fd}/acks.jsonl") if "id" in r]
    where = collections.Counter(f"{r['op']} {r['value']} {r['path'].split('/')[2]}"
                                for r in decisions)
    errors = collections.Counter(shape(r["error"]) for r in acks if not r["ok"])
    return {"check": json.load(open(f"{fd}/check.json")), "log": server_log(fd),
            "state_after": open(f"{fd}/state-after").read().strip(),
            "injected": dict(where), "app_errors": dict(errors.most_common(5))}


def injected_calls(d):
    rows = (json.loads(x) for x in open(f"{d}/record.jsonl") if x.strip())
    return [(r["op"], r["path"], r["res"]) for r in rows if r.get("inj")]


def replay_compare(a, b):
    ia, ib = injected_calls(a), injected_calls(b)
    same_prefix = next((i for i, (x, y) in enumerate(zip(ia, ib)) if x != y), min(len(ia), len(ib)))
    fa = [r["id"] for r in jl(f"{a}/acks.jsonl") if "id" in r and not r["ok"]]
    fb = [r["id"] for r in jl(f"{b}/acks.jsonl") if "id" in r and not r["ok"]]
    # The replay re-applies decisions per (op, path, n-th call): count the calls both runs failed,
    # in any order, since several server processes interleave.
    common = sum((collections.Counter(ia) & collections.Counter(ib)).values())
    return {"injected_first_run": len(ia), "injected_replay": len(ib),
            "identical_prefix": same_prefix, "common_calls": common, "same_failed_txns": fa == fb,
            "failed_first_run": len(fa), "failed_replay": len(fb)}


def fault_md(f):
    c, log = f["check"], f["log"]
    return [
        f"PostgreSQL fault run: `fault` at {rate}% on write and fsync under `pg_wal/`, `base/` "
        "and `global/`, EIO and ENOSPC, seed 42, switched on live (`ctl set-config`) after "
        "start-up; one INSERT per transaction (one psql connection each), then a CHECKPOINT, "
        "then faults off (`ctl set-layers ''`) and a restart.", "",
        "| measure | value |", "|---|---|",
        "| injected (op errno directory: count) | "
        + ", ".join(f"{k}: {v}" for k, v in sorted(f["injected"].items())) + " |",
        f"| transactions failed (detected by the client) | {c['failed']} of "
        f"{c['acked'] + c['failed']} |",
        "| errors the client saw | "
        + "; ".join(f"{k} ({v})" for k, v in f["app_errors"].items()) + " |",
        f"| server log levels | {', '.join(f'{k} {v}' for k, v in log['levels'].items())} |",
        "| server PANIC/ERROR kinds | "
        + "; ".join(f"{k} ({v})" for k, v in log["kinds"].items()) + " |",
        f"| fsync errors logged and ignored (LOG level, data-directory sync at crash recovery) "
        f"| {log['ignored_fsync_errors']} |",
        f"| crash restarts / startup (recovery) failures / completed redo passes | "
        f"{log['crash_restarts']} / {log['startup_failures']} / {log['recoveries']} |",
        f"| server after the fault phase | {f['state_after']} |",
        f"| after restart on a healthy disk: heap/index check, acked lost, failed but present | "
        f"{c['integrity']}, {c['lost']}, {c['failed_but_present']} |"] + ([
        f"| replay of the decision log under seed 7: injected calls (first run / replay), "
        f"the same (op, file, errno) in both, identical in call order for the first, "
        f"same failed transactions | "
        f"{f['replay']['injected_first_run']} / {f['replay']['injected_replay']}, "
        f"{f['replay']['common_calls']}, {f['replay']['identical_prefix']}, "
        f"{'yes' if f['replay']['same_failed_txns'] else 'no'} "
        f"({f['replay']['failed_first_run']} / {f['replay']['failed_replay']}) |"]
        if f.get("replay") else []) + [""]


fault = fault_run(f"{work}/fault") if os.path.isdir(f"{work}/fault") else None
if fault and os.path.isdir(f"{work}/fault-replay"):
    fault["replay"] = replay_compare(f"{work}/fault", f"{work}/fault-replay")
    fault["replay"]["check"] = json.load(open(f"{work}/fault-replay/check.json"))
pd = f"{work}/powerloss"
power = {"sync": json.load(open(f"{pd}/check-sync.json")),
         "async": json.load(open(f"{pd}/check-async.json")), "log": server_log(pd),
         "unsynced_at_loss": json.load(open(f"{pd}/unsynced.json"))}

md = [machine(), ""] + (fault_md(fault) if fault else []) + [
    "PostgreSQL powerloss run: `--layers powerloss`; commits with `synchronous_commit=on`, then "
    "with `off`; SIGKILL of the postmaster and every backend, `ctl powerloss drop`, restart "
    "(crash recovery from the WAL).", "",
    "| synchronous_commit | acked | rows of the batch after restart | acked rows lost "
    "| heap/index check |", "|---|---|---|---|---|"]
for k in ("sync", "async"):
    r = power[k]
    md.append(f"| {'on' if k == 'sync' else 'off'} | {r['acked']} | {r['present']} | "
              f"{r['lost']} | {r['integrity']} |")
md.append(f"\nFiles with un-fsynced data at the power cut: {len(power['unsynced_at_loss'])}; "
          f"completed WAL redo passes after the drop: {power['log']['recoveries']}.")
os.makedirs(out, exist_ok=True)
with open(f"{out}/results.md", "w") as fh:
    fh.write("\n".join(md) + "\n")
with open(f"{out}/results.json", "w") as fh:
    json.dump({"fault": fault, "powerloss": power}, fh, indent=1)
print("\n".join(md))
