#!/usr/bin/env bash
# The status page as a person sees it: loaded in headless Chromium, it
# lists every cluster with its state and the revision it was reconciled
# at, and a screenshot renders.
. "$(dirname "$0")/test-lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip_all "chromium is not installed (Debian package 'chromium'; contrib/deps.sh installs it)"

start_moto
export AWS_EC2_METADATA_DISABLED=true
PORT=$(free_port)

wait_for() { # FILE STRING [SECONDS]
	local i
	for i in $(seq 1 $((${3:-30} * 10))); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	say "timed out waiting for '$2' in $1:"
	cat "$1"
	return 1
}

browse() { # URL OUT: the DOM after load, as Chromium built it
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--no-first-run --user-data-dir="$TRASH/chromium" --dump-dom "$1" >"$2" 2>>"$TRASH/chromium.log"
}

test_expect_success 'setup: one cluster applied, one observed only' '
	mkdir src &&
	sed "s/name: minimal-pg/name: app-db/" "$AG_SRC/manifests/minimal.yaml" >src/app.yaml &&
	sed "s/name: minimal-pg/name: reports-db\n  annotations:\n    aurora-gitops\/mode: observe/" \
		"$AG_SRC/manifests/minimal.yaml" >src/reports.yaml &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	("$AG_BIN" run --dir m --state-dir "$TRASH/state" --interval 1h \
		--listen 127.0.0.1:$PORT >"$TRASH/run.log" 2>&1 & echo $! >"$TRASH/run.pid") &&
	wait_for run.log "cycle done" &&
	wait_for run.log "0 applying" 30
'
agent_pid=$(cat "$TRASH/run.pid" 2>/dev/null)
test_when_finished "kill $agent_pid"

test_expect_success 'Chromium shows every cluster with its state' '
	browse http://127.0.0.1:$PORT/ dom.html &&
	python3 - dom.html <<-PY
	import sys
	from html.parser import HTMLParser

	class Rows(HTMLParser):
	    """Visible text per table row, and whether any script or hidden style exists."""
	    def __init__(self):
	        super().__init__()
	        self.rows, self.cur, self.skip, self.title, self.refresh = [], None, 0, "", None
	        self.in_title = False
	    def handle_starttag(self, tag, attrs):
	        a = dict(attrs)
	        assert tag != "script", "the page must not need JavaScript"
	        if tag in ("style", "head"):
	            self.skip += 1
	        if tag == "title":
	            self.in_title = True
	        if tag == "meta" and a.get("http-equiv") == "refresh":
	            self.refresh = a.get("content")
	        if tag == "tr":
	            self.cur = []
	    def handle_endtag(self, tag):
	        if tag in ("style", "head"):
	            self.skip -= 1
	        if tag == "title":
	            self.in_title = False
	        if tag == "tr" and self.cur is not None:
	            self.rows.append(" ".join(" ".join(self.cur).split()))
	            self.cur = None
	    def handle_data(self, data):
	        if self.in_title:
	            self.title += data
	        if self.cur is not None and not self.skip:
	            self.cur.append(data)

	p = Rows()
	p.feed(open(sys.argv[1]).read())
	print("\n".join(p.rows))
	assert p.title == "aurora-gitops status", p.title
	assert p.refresh == "5", p.refresh
	assert p.rows[0].startswith("Cluster State Reconciled at Last change Error"), p.rows[0]
	app = [r for r in p.rows if r.startswith("app-db ")]
	rep = [r for r in p.rows if r.startswith("reports-db ")]
	assert len(app) == 1 and len(rep) == 1, p.rows
	assert app[0].startswith("app-db in sync dir@"), app[0]
	assert "applying -> in sync" in app[0], app[0]
	assert rep[0].startswith("reports-db drifted"), rep[0]
	assert len(p.rows) == 3, p.rows
	PY
'

test_expect_success 'the summary line counts the states' '
	python3 - dom.html <<-PY
	import re, sys
	text = re.sub(r"<[^>]+>", "", open(sys.argv[1]).read())
	assert "2 clusters: 1 in sync, 1 drifted" in text, text
	PY
'

test_expect_success 'a screenshot renders the page' '
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--no-first-run --user-data-dir="$TRASH/chromium" --window-size=1200,600 \
		--screenshot="$TRASH/page.png" http://127.0.0.1:$PORT/ >/dev/null 2>>chromium.log &&
	python3 - page.png <<-PY
	import struct, sys, zlib
	data = open(sys.argv[1], "rb").read()
	assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
	w, h = struct.unpack(">II", data[16:24])
	assert (w, h) == (1200, 600), (w, h)
	# decode the pixels: a page with text has many distinct colours (anti-aliasing)
	pos, idat = 8, b""
	while pos < len(data):
	    n, = struct.unpack(">I", data[pos:pos + 4]); kind = data[pos + 4:pos + 8]
	    if kind == b"IDAT": idat += data[pos + 8:pos + 8 + n]
	    pos += 12 + n
	raw = zlib.decompress(idat)
	colours = len(set(raw[i:i + 3] for i in range(1, min(len(raw), 400000), 3)))
	assert colours > 20, colours
	PY
'

test_done
