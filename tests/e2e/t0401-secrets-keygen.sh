#!/usr/bin/env bash
# keygen writes a committable public key and a private secret key file,
# never overwrites, and the secret key file is refused when others can read it.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'keygen writes NAME.pub (0644) and NAME.key (0600)' '
	mkdir keys &&
	"$AG_BIN" keygen --out keys/prod-2026 >out 2>err &&
	test "$(stat -c %a keys/prod-2026.key)" = 600 &&
	test "$(stat -c %a keys/prod-2026.pub)" = 644 &&
	test -f keys/prod-2026.key && ! test -L keys/prod-2026.key &&
	check_contains out "keys/prod-2026.pub" &&
	check_contains out "keys/prod-2026.key" &&
	check_contains out "do NOT commit keys/prod-2026.key" &&
	test ! -s err
'

test_expect_success 'the public key file has the documented format' '
	sed -n 1p keys/prod-2026.pub | grep -qx "aurora-gitops public key v1" &&
	sed -n 2p keys/prod-2026.pub | grep -qx "key-id: prod-2026" &&
	sed -n 3p keys/prod-2026.pub |
		grep -qxE "created: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z" &&
	sed -n 4p keys/prod-2026.pub | grep -qxE "public: [A-Za-z0-9_-]{43}" &&
	test "$(wc -l <keys/prod-2026.pub)" -eq 4 &&
	check_not_contains keys/prod-2026.pub "secret"
'

test_expect_success 'the secret key file holds id, public and secret key' '
	sed -n 1p keys/prod-2026.key | grep -qx "aurora-gitops secret key v1" &&
	grep -qx "key-id: prod-2026" keys/prod-2026.key &&
	grep -qxE "secret: [A-Za-z0-9_-]{43}" keys/prod-2026.key &&
	test "$(grep "^public: " keys/prod-2026.key)" = "$(grep "^public: " keys/prod-2026.pub)" &&
	test "$(grep "^secret: " keys/prod-2026.key | cut -d" " -f2)" != \
		"$(grep "^public: " keys/prod-2026.key | cut -d" " -f2)"
'

test_expect_success 'the secret key appears in no output' '
	sk=$(grep "^secret: " keys/prod-2026.key | cut -d" " -f2) &&
	check_not_contains out "$sk" && check_not_contains err "$sk"
'

test_expect_success 'keygen refuses to overwrite either file and writes nothing' '
	cp keys/prod-2026.key saved.key && cp keys/prod-2026.pub saved.pub &&
	check_exit 1 "$AG_BIN" keygen --out keys/prod-2026 >out 2>err &&
	check_contains err "already exists" &&
	cmp keys/prod-2026.key saved.key && cmp keys/prod-2026.pub saved.pub &&
	echo "mine" >keys/only-pub.pub &&
	check_exit 1 "$AG_BIN" keygen --out keys/only-pub 2>err &&
	check_contains err "keys/only-pub.pub" &&
	test ! -e keys/only-pub.key &&
	echo "mine" >keys/only-key.key && chmod 600 keys/only-key.key &&
	check_exit 1 "$AG_BIN" keygen --out keys/only-key 2>err &&
	test ! -e keys/only-key.pub &&
	test "$(cat keys/only-key.key)" = mine
'

test_expect_success 'a .pub or .key suffix on --out names the same pair' '
	"$AG_BIN" keygen --out keys/second.pub >out &&
	test -f keys/second.key && test -f keys/second.pub && test ! -e keys/second.pub.key &&
	grep -qx "key-id: second" keys/second.pub
'

test_expect_success 'the key id rule is enforced on the name' '
	check_exit 1 "$AG_BIN" keygen --out keys/Bad_Name 2>err &&
	check_contains err "invalid key id '"'"'Bad_Name'"'"'" &&
	test ! -e keys/Bad_Name.key && test ! -e keys/Bad_Name.pub &&
	check_exit 64 "$AG_BIN" keygen 2>err &&
	check_contains err "--out keys/NAME is required"
'

test_expect_success 'a secret key file readable by others is refused with the chmod to run' '
	printf "x\n" | "$AG_BIN" seal --key keys/prod-2026.pub --cluster db >sealed &&
	chmod 644 keys/prod-2026.key &&
	check_exit 1 "$AG_BIN" reseal --retire prod-2026 --key keys/second.pub \
		--key-file keys/prod-2026.key sealed 2>err &&
	check_contains err "key file '"'"'keys/prod-2026.key'"'"' is readable by others (mode 0644); run chmod 600 keys/prod-2026.key" &&
	chmod 400 keys/prod-2026.key &&
	"$AG_BIN" reseal --retire prod-2026 --key keys/second.pub \
		--key-file keys/prod-2026.key sealed >out &&
	check_contains out "re-sealed 1 value in 1 file"
'

test_expect_success 'a key directory with a loose file is refused, naming the file' '
	mkdir ring && cp -p keys/second.key ring/ && cp keys/prod-2026.key ring/p.key &&
	chmod 640 ring/p.key &&
	check_exit 1 "$AG_BIN" reseal --retire second --key keys/prod-2026.pub \
		--key-dir ring sealed 2>err &&
	check_contains err "ring/p.key" && check_contains err "mode 0640"
'

test_done
