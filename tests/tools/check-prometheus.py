#!/usr/bin/env python3
"""Checks that a file is valid Prometheus text exposition format (0.0.4).

A strict line-by-line check always runs: every family has HELP and TYPE
before its samples, samples of one family are contiguous, names and labels
are well formed, label values are properly escaped, counters end in _total,
histogram buckets are cumulative and end with le="+Inf" equal to _count.
When prometheus_client is importable, its parser must accept the text too.

usage: check-prometheus.py FILE [REQUIRED_FAMILY...]
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(
    r"^(" + NAME + r")(\{(?:" + LABEL + r")(?:," + LABEL + r")*\})? "
    r"([-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))(?: [-+]?[0-9]+)?$")
HELP = re.compile(r"^# HELP (" + NAME + r") \S.*$")
TYPE = re.compile(r"^# TYPE (" + NAME + r") (counter|gauge|histogram|summary|untyped)$")
LABELS = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def fail(msg):
    print("check-prometheus: " + msg, file=sys.stderr)
    sys.exit(1)


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)] if name.endswith(suffix) else None
        if base and types.get(base) == "histogram":
            return base
    return name


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    if not text.endswith("\n"):
        fail("the text does not end with a newline")
    helps, types, seen, current = {}, {}, [], None
    buckets = {}
    counts = {}
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP "):
            m = HELP.match(line) or fail("line %d: bad HELP: %r" % (n, line))
            if m.group(1) in helps:
                fail("line %d: second HELP for %s" % (n, m.group(1)))
            helps[m.group(1)] = True
            continue
        if line.startswith("# TYPE "):
            m = TYPE.match(line) or fail("line %d: bad TYPE: %r" % (n, line))
            name, kind = m.groups()
            if name in types:
                fail("line %d: second TYPE for %s" % (n, name))
            if name in seen:
                fail("line %d: TYPE for %s after its samples" % (n, name))
            if kind == "counter" and not name.endswith("_total"):
                fail("line %d: counter %s does not end in _total" % (n, name))
            types[name] = kind
            continue
        if line.startswith("#") or not line.strip():
            fail("line %d: unexpected line %r" % (n, line))
        m = SAMPLE.match(line) or fail("line %d: bad sample: %r" % (n, line))
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        fam = family_of(name, types)
        if fam not in types or fam not in helps:
            fail("line %d: %s has no HELP and TYPE before it" % (n, fam))
        if fam != current:
            if fam in seen:
                fail("line %d: samples of %s are not together" % (n, fam))
            seen.append(fam)
            current = fam
        lab = dict(LABELS.findall(labels))
        if types[fam] == "histogram":
            key = tuple(sorted((k, v) for k, v in lab.items() if k != "le"))
            if name.endswith("_bucket"):
                if "le" not in lab:
                    fail("line %d: bucket without le" % n)
                le = float(lab["le"].replace("+Inf", "inf"))
                prev = buckets.setdefault(key, [])
                if prev and (le <= prev[-1][0] or float(value) < prev[-1][1]):
                    fail("line %d: buckets not increasing/cumulative" % n)
                prev.append((le, float(value)))
            elif name.endswith("_count"):
                counts[key] = float(value)
    for key, b in buckets.items():
        if not math.isinf(b[-1][0]):
            fail("histogram %s does not end with le=\"+Inf\"" % (key,))
        if counts.get(key) != b[-1][1]:
            fail("histogram %s: +Inf bucket differs from _count" % (key,))
    for want in sys.argv[2:]:
        if want not in types:
            fail("family %s missing" % want)
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        print("strict check passed (prometheus_client not installed)")
        return
    fams = list(text_string_to_metric_families(text))
    print("strict check and prometheus_client passed: %d families" % len(fams))


main()
