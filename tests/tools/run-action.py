#!/usr/bin/env python3
"""Runs the shell steps of a composite GitHub Action the way a runner does,
for tests: `${{ inputs.* }}`, `${{ github.* }}` and `${{ steps.*.outputs.* }}`
expressions are substituted, each `run:` step gets its own GITHUB_OUTPUT file
and GITHUB_ACTION_PATH, and steps run with `bash -e -o pipefail`. `uses:`
steps (other actions) are listed and skipped.

  run-action.py ACTION.yml --github CONTEXT.json [--input NAME=VALUE]...
                [--skip STEP-NAME]...

Exit status: 1 when a step failed, else 0. Prints one line per step.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

ap = argparse.ArgumentParser()
ap.add_argument("action")
ap.add_argument("--github", required=True)
ap.add_argument("--input", action="append", default=[])
ap.add_argument("--skip", action="append", default=[])
a = ap.parse_args()

action = yaml.safe_load(open(a.action))
github = json.load(open(a.github))
inputs = {k: str(v.get("default", "")) for k, v in action.get("inputs", {}).items()}
for kv in a.input:
    k, v = kv.split("=", 1)
    if k not in inputs:
        sys.exit("run-action: the action has no input %r" % k)
    inputs[k] = v
outputs = {}
failed = False


def lookup(expr):
    expr = expr.strip()
    if expr == "github.token":
        return github.get("token", "")
    parts = expr.split(".")
    if parts[0] == "inputs":
        return inputs[parts[1]]
    if parts[0] == "github":
        cur = github
        for p in parts[1:]:
            cur = cur[p]
        return str(cur)
    if parts[0] == "steps" and parts[2] == "outputs":
        return outputs.get(parts[1], {}).get(parts[3], "")
    raise SystemExit("run-action: unsupported expression %r" % expr)


def subst(s):
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: lookup(m.group(1)), str(s))


# defaults of inputs may themselves be expressions
inputs = {k: subst(v) for k, v in inputs.items()}

for step in action["runs"]["steps"]:
    name = step.get("name", step.get("id", "?"))
    if "uses" in step:
        print("skip (uses %s): %s" % (step["uses"], name))
        continue
    if name in a.skip:
        print("skip (asked): %s" % name)
        continue
    cond = step.get("if")
    if cond not in (None, "always()"):
        raise SystemExit("run-action: unsupported if: %r" % cond)
    if failed and cond != "always()":
        print("skip (a step failed): %s" % name)
        continue
    env = dict(os.environ)
    env["GITHUB_ACTION_PATH"] = os.path.dirname(os.path.abspath(a.action))
    for k, v in (step.get("env") or {}).items():
        env[k] = subst(v)
    with tempfile.NamedTemporaryFile("r", delete=False) as out:
        env["GITHUB_OUTPUT"] = out.name
    rc = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c",
                         subst(step["run"])], env=env).returncode
    outs = {}
    for line in open(env["GITHUB_OUTPUT"]):
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            outs[k] = v
    os.unlink(env["GITHUB_OUTPUT"])
    if "id" in step:
        outputs[step["id"]] = outs
    print("%s (exit %d): %s %s" % ("ok" if rc == 0 else "FAILED", rc, name, json.dumps(outs)))
    if rc != 0:
        failed = True
sys.exit(1 if failed else 0)
