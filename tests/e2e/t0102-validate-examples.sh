#!/usr/bin/env bash
# The example manifests validate, --strict turns warnings into errors,
# --format json is a parseable document, and misuse exits 64.
. "$(dirname "$0")/test-lib.sh"

data=$AG_SRC/tests/data/manifests

test_expect_success 'validate with no path reads manifests/ and exits 0' '
	(cd "$AG_SRC" && "$AG_BIN" validate) >out 2>err &&
	tail -n 1 out >summary &&
	n=$(ls "$AG_SRC"/manifests/*.yaml | wc -l) &&
	grep -Eq "^$n manifests, 0 errors, [0-9]+ warnings?$" summary &&
	check_not_contains out ": error: " &&
	[ ! -s err ]
'

test_expect_success 'every example validates on its own' '
	for f in "$AG_SRC"/manifests/*.yaml; do
		"$AG_BIN" validate "$f" >out || { cat out; exit 1; }
		grep -q "^1 manifest, 0 errors, " out || { cat out; exit 1; }
	done
'

test_expect_success 'the Project Planton documentation example validates as written' '
	"$AG_BIN" validate "$data/good/project-planton-docs.yaml" >out &&
	check_contains out "1 manifest, 0 errors, "
'

test_expect_success 'every manifest in tests/data/manifests/good validates' '
	"$AG_BIN" validate "$data/good" >out &&
	n=$(ls "$data"/good/*.yaml | wc -l) &&
	grep -Eq "^$n manifests, 0 errors, " out
'

test_expect_success 'warnings carry a rule id, the field and a fix' '
	"$AG_BIN" validate "$AG_SRC/manifests/minimal.yaml" >out &&
	check_contains out "minimal.yaml:16:3: warning: spec.instances: 1 instance: " &&
	check_contains out "[AG101]" &&
	check_contains out "set backupRetentionPeriod to at least 7 [AG102]"
'

test_expect_success '--strict fails on warnings and passes a clean manifest' '
	check_exit 1 "$AG_BIN" validate --strict "$AG_SRC/manifests/minimal.yaml" >out &&
	check_contains out ": error: spec.instances: " &&
	"$AG_BIN" validate --strict "$AG_SRC/manifests/production.yaml" >out &&
	check_contains out "1 manifest, 0 errors, 0 warnings"
'

test_expect_success 'diagnostics are sorted by file and line' '
	check_exit 1 "$AG_BIN" validate "$data/bad/unknown-field.yaml" "$AG_SRC/manifests/minimal.yaml" >out &&
	grep -n "" out | grep -E ": (error|warning): " | cut -d: -f2- >lines &&
	sort -t: -k1,1 -k2,2n -s lines >sorted &&
	cmp lines sorted
'

test_expect_success '--format json is a document with every diagnostic' '
	"$AG_BIN" validate --format json "$AG_SRC/manifests" >out.json &&
	python3 -m json.tool out.json >/dev/null &&
	python3 - out.json "$AG_SRC/manifests" <<-\PY
	import glob, json, sys
	d = json.load(open(sys.argv[1]))
	assert d["manifests"] == len(glob.glob(sys.argv[2] + "/*.yaml")), d
	assert d["errors"] == 0, d
	assert d["warnings"] == len(d["diagnostics"]) > 0, d
	for x in d["diagnostics"]:
	    assert set(x) == {"file", "line", "column", "severity", "rule", "field", "message"}, x
	    assert x["severity"] == "warning" and x["rule"].startswith("AG1"), x
	    assert x["field"].startswith("spec."), x
	    assert x["line"] > 0 and x["column"] > 0, x
	PY
'

test_expect_success '--format json reports errors with a null rule' '
	check_exit 1 "$AG_BIN" validate --format=json "$data/bad/port-range.yaml" >out.json &&
	python3 - out.json <<-\PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["errors"] == 1, d
	e = [x for x in d["diagnostics"] if x["severity"] == "error"][0]
	assert e["rule"] is None and e["field"] == "spec.port", e
	assert e["message"] == "spec.port: 70000 is out of range (0..65535)", e
	assert (e["line"], e["column"]) == (11, 9), e
	PY
'

test_expect_success 'the same cluster in two files is an error naming both' '
	mkdir -p dup &&
	cp "$AG_SRC/manifests/production.yaml" dup/a.yaml &&
	cp "$AG_SRC/manifests/production.yaml" dup/b.yaml &&
	check_exit 1 "$AG_BIN" validate dup >out &&
	check_contains out "dup/b.yaml:8:3: error: cluster '"'"'orders-db'"'"' is also defined at dup/a.yaml:8:3"
'

test_expect_success 'a directory is searched recursively; other files are ignored' '
	mkdir -p tree/a/b &&
	cp "$AG_SRC/manifests/production.yaml" tree/a/b/prod.yml &&
	echo "not yaml" >tree/README &&
	"$AG_BIN" validate tree >out &&
	check_contains out "1 manifest, 0 errors, 0 warnings"
'

test_expect_success 'a missing path is an error' '
	check_exit 1 "$AG_BIN" validate does-not-exist >out 2>err &&
	check_contains err "does-not-exist"
'

test_expect_success 'misuse exits 64' '
	check_exit 64 "$AG_BIN" validate --bogus 2>err &&
	check_contains err "unknown option '"'"'--bogus'"'"'" &&
	check_exit 64 "$AG_BIN" validate --format xml 2>err &&
	check_contains err "unknown format '"'"'xml'"'"'" &&
	check_exit 64 "$AG_BIN" validate --format 2>err &&
	check_contains err "usage: aurora-gitops validate"
'

test_done
