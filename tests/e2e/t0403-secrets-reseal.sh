#!/usr/bin/env bash
# reseal moves values off a retired key and changes nothing else; --list
# counts values per key id.
. "$(dirname "$0")/test-lib.sh"

SECRETS='alpha-Secret-1 bravo-Secret-2 charlie-Secret-3'

check_no_leak() { # FILE...
	local f s enc
	for f in "$@"; do
		for s in $SECRETS; do
			for enc in "$s" "$(printf %s "$s" | base64 -w0)" \
				"$(printf %s "$s" | base64 -w0 | tr '+/' '-_' | tr -d =)"; do
				check_not_contains "$f" "$enc" || return 1
			done
		done
	done
}

test_expect_success 'setup: three keys and manifests with values under two of them' '
	mkdir keys manifests manifests/sub &&
	for k in k1 k2 k3; do "$AG_BIN" keygen --out keys/$k >/dev/null || exit 1; done &&
	A=$(printf alpha-Secret-1 | "$AG_BIN" seal --key keys/k1.pub --cluster db-a) &&
	B=$(printf bravo-Secret-2 | "$AG_BIN" seal --key keys/k1.pub --cluster db-b) &&
	C=$(printf charlie-Secret-3 | "$AG_BIN" seal --key keys/k2.pub --cluster db-c) &&
	cat >manifests/db.yaml <<-YAML &&
	# Sealed values look like AGSEALED:v1:<key_id>:<data>
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: db-a   # keep this comment
	spec:
	  password: $A
	---
	metadata: {name: db-b}
	spec:
	  password: "$B"   # quoted
	---
	metadata: {name: db-c}
	spec:
	  password: '"'"'$C'"'"'
	YAML
	printf "metadata: {name: db-c}\nspec:\n  password: %s\n" "$C" >manifests/sub/other.yml &&
	printf "metadata: {name: db-d}\nspec: {engine: aurora-postgresql}\n" >manifests/plain.yaml &&
	printf "not a manifest %s\n" "$A" >manifests/notes.txt &&
	chmod 640 manifests/db.yaml &&
	cp -a manifests before
'

test_expect_success '--list counts sealed values per key id' '
	"$AG_BIN" reseal --list >out 2>err &&
	printf "k1 2\nk2 2\n" >want && cmp want out &&
	check_contains err "1 occurrence(s) of '"'"'AGSEALED:'"'"' are not valid" &&
	"$AG_BIN" reseal --list manifests/sub >out && printf "k2 1\n" >want && cmp want out
'

test_expect_success '--dry-run lists what would change and writes nothing' '
	"$AG_BIN" reseal --dry-run --retire k1 --key keys/k3.pub --key-file keys/k1.key >out 2>err &&
	check_contains out "manifests/db.yaml:7:13: would re-seal cluster '"'"'db-a'"'"' field '"'"'spec.password'"'"' from key '"'"'k1'"'"'" &&
	check_contains out "manifests/db.yaml:11:14: would re-seal cluster '"'"'db-b'"'"'" &&
	check_contains out "dry run: 2 values in 1 file would be re-sealed" &&
	check_contains err "manifests/db.yaml:1:27: '"'"'AGSEALED:'"'"' is not followed by a valid sealed value" &&
	diff -r before manifests &&
	check_no_leak out err
'

test_expect_success 'without the retired secret key nothing is written' '
	check_exit 1 "$AG_BIN" reseal --retire k1 --key keys/k3.pub --key-file keys/k2.key >out 2>err &&
	check_contains err "manifests/db.yaml:7:13: cannot open sealed value: no key '"'"'k1'"'"' in the keyring (loaded: k2)" &&
	check_contains err "nothing written" &&
	diff -r before manifests &&
	AURORA_GITOPS_KEY_FILE= AURORA_GITOPS_KEY_DIR= \
		check_exit 1 "$AG_BIN" reseal --retire k1 --key keys/k3.pub 2>err &&
	check_contains err "loaded: none; pass --key-file or --key-dir"
'

test_expect_success 'the same key for --retire and --key is refused' '
	check_exit 64 "$AG_BIN" reseal --retire k1 --key keys/k1.pub --key-file keys/k1.key 2>err &&
	check_contains err "name the same key"
'

test_expect_success 'reseal rewrites only the tokens under the retired key' '
	ino_other=$(stat -c %i manifests/sub/other.yml) &&
	ino_plain=$(stat -c %i manifests/plain.yaml) &&
	"$AG_BIN" reseal --retire k1 --key keys/k3.pub --key-dir keys >out 2>err &&
	check_contains out "manifests/db.yaml: 2 values re-sealed" &&
	check_contains out "re-sealed 2 values in 1 file from key '"'"'k1'"'"' to key '"'"'k3'"'"'" &&
	check_not_contains out "other.yml" &&
	diff before/db.yaml manifests/db.yaml >d || true &&
	grep -E "^[0-9]" d >changed &&
	printf "7c7\n11c11\n" >want && cmp want changed &&
	grep -q "^> *password: AGSEALED:v1:k3:" d &&
	grep -q "^> *password: \"AGSEALED:v1:k3:[A-Za-z0-9_-]*\"   # quoted$" d &&
	test "$(stat -c %a manifests/db.yaml)" = 640 &&
	cmp before/sub/other.yml manifests/sub/other.yml &&
	cmp before/plain.yaml manifests/plain.yaml &&
	cmp before/notes.txt manifests/notes.txt &&
	test "$(stat -c %i manifests/sub/other.yml)" = "$ino_other" &&
	test "$(stat -c %i manifests/plain.yaml)" = "$ino_plain" &&
	check_no_leak out err
'

test_expect_success 'lines other than the re-sealed ones are byte-identical' '
	sed "7d;11d" before/db.yaml >a && sed "7d;11d" manifests/db.yaml >b && cmp a b &&
	test "$(wc -c <before/db.yaml)" -eq "$(wc -c <manifests/db.yaml)"
'

test_expect_success '--list shows the move; values still open, bound to their clusters' '
	"$AG_BIN" reseal --list >out && printf "k2 2\nk3 2\n" >want && cmp want out &&
	"$AG_BIN" reseal --dry-run --retire k3 --key keys/k1.pub --key-file keys/k3.key >out &&
	check_contains out "manifests/db.yaml:7:13: would re-seal cluster '"'"'db-a'"'"'" &&
	check_contains out "manifests/db.yaml:11:14: would re-seal cluster '"'"'db-b'"'"'"
'

test_expect_success 'running it again finds nothing to do and rewrites nothing' '
	cp -a manifests after1 &&
	"$AG_BIN" reseal --retire k1 --key keys/k3.pub --key-dir keys >out &&
	check_contains out "no values sealed with key '"'"'k1'"'"' found" &&
	diff -r after1 manifests
'

test_expect_success 'the key directory can come from the environment' '
	AURORA_GITOPS_KEY_DIR=keys "$AG_BIN" reseal --retire k2 --key keys/k3.pub manifests/sub >out &&
	check_contains out "manifests/sub/other.yml: 1 value re-sealed" &&
	"$AG_BIN" reseal --list manifests/sub >out && printf "k3 1\n" >want && cmp want out
'

test_done
