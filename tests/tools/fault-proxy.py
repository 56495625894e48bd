#!/usr/bin/env python3
"""Loopback HTTP proxy that injects AWS faults before forwarding.

    fault-proxy.py --target http://127.0.0.1:PORT --port-file FILE
                   [--throttle N] [--unavailable N] [--html500 N] [--log FILE]
                   [--mangle ACTION=MODE ...] [--pad BYTES]
                   [--tls-cert PEM --tls-key PEM]
                   [--random-faults RATE [--seed N] [--slow-ms MS]]
                   [--latency-ms MS] [--log-times]

Listens on a free 127.0.0.1 port (written to --port-file once ready).
Each request is answered, in this order, by: the first N with an RDS
"Throttling" error (HTTP 400, RDS error XML), the next N with HTTP 503
(plain text), the next N with HTTP 500 and an HTML page; every later
request is forwarded unchanged to --target. One line per request
("throttle", "503", "500", "forward") goes to --log. With --tls-cert and
--tls-key it serves HTTPS (moto behind it stays plain HTTP).

--random-faults RATE: after the counted faults above, each request is,
with probability RATE (0..1), answered by one fault drawn evenly from:
a Throttling 400 ("throttle"), a 503 ("503"), a connection closed with no
reply before the request is forwarded ("reset"), or a reply delayed by
--slow-ms (default 400) and then forwarded ("slow"). The draws come from a
random.Random(--seed) (default 1), so a run is repeatable for one request
order. A reset is a TCP RST. A slow request logs "slow" and then "forward". A reset never reaches the target: what it does is never done.

--latency-ms MS: every request, whatever answers it, is held MS
milliseconds after it is read: a network round trip to a distant endpoint
(the loopback has none). Each connection has its own thread, so requests
in flight at once are held at once, as a remote service serves them.
--log-times ends every log line with two numbers: the milliseconds (since
the proxy started, monotonic clock) at which the request arrived and at
which its reply was ready; intervals of different requests that overlap
were in flight at the same time.

--mangle ACTION=MODE (repeatable) answers every request for that Query
Action badly, as a hostile or broken endpoint would; other actions are
forwarded as above. MODE is one of:
  no-result     the reply has the right root element but no <ActionResult>
  wrong-list    the list inside the result is renamed (<DBClusters> ->
                <DBClusterList>)
  wrong-member  the list's members are renamed (<DBCluster> -> <Cluster>)
  no-id         the first member loses its identifier element
  dup           the first member is listed twice
  dup-case      the first member is listed twice, the copy's identifier in
                upper case
  upper         every identifier (*Identifier elements) in upper case
  marker-cycle  pages never end: Marker A, then B, then A again, ...
  fresh-markers pages never end: a new Marker every time, each page padded
                with --pad bytes (an XML comment)
  throttle      HTTP 400 Throttling, never forwarded
  creating      every cluster or instance in the reply is in status "creating"
                (a create AWS is still working on)
  creating:ID[,ID...]  only those clusters (and their instances, by
                DBClusterIdentifier) are in status "creating": one slow
                create in a fleet that otherwise settles
  echo-error    HTTP 400 with an RDS error whose Message echoes the request
                parameters, decoded and as sent (passwords included, as some
                proxies and 5xx pages do) followed by a newline, a forged log line, a C1 control
                (U+009B) and a carriage return
The log line is "mangle MODE" for those requests; with --log-actions every
log line ends with " ACTION" (the Query Action of the request). Standard
library only.
"""
import argparse
import copy
import http.client
import http.server
import random
import socket
import struct
import re
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

THROTTLE = (
    '<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type>'
    "<Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
    "<RequestId>fault-proxy-throttle-%d</RequestId></ErrorResponse>"
)
HTML500 = (
    "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
    "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error.</p>\n"
)

NS = "http://rds.amazonaws.com/doc/2014-10-31/"
ERROR_ECHO = (
    '<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>InvalidParameterValue</Code>'
    "<Message>%s</Message></Error><RequestId>fault-proxy-echo</RequestId></ErrorResponse>"
)


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def strip_ns(tag):
    return tag.split("}", 1)[1] if "}" in tag else tag


def result_list(root):
    """The <ActionResult> element and the list inside it (its first child
    that is not Marker)."""
    res = next((e for e in root if strip_ns(e.tag).endswith("Result")), None)
    lst = None
    if res is not None:
        lst = next((e for e in res if strip_ns(e.tag) != "Marker"), None)
    return res, lst


def id_child(member):
    for e in member:
        name = strip_ns(e.tag)
        if name.endswith("Identifier") or name.endswith("Name"):
            return e
    return None


class Mangler:
    def __init__(self, pad):
        self.pad = pad
        self.fresh = 0

    def reply(self, mode, action, params, status, body, raw=""):
        """(status, body) of the mangled reply."""
        if mode == "echo-error":
            echoed = "&".join("%s=%s" % (k, v) for k, v in params) + " body: " + raw
            # XML 1.0 forbids C0 controls but for tab, CR and LF; C1 controls
            # such as U+009B (CSI) are allowed and steer many terminals.
            msg = xml_escape(echoed) + "\n[error] forged log line \u009b31mred\r"
            return 400, ERROR_ECHO % (NS, msg)
        if mode == "no-result":
            return 200, ('<%sResponse xmlns="%s"><ResponseMetadata><RequestId>fault-proxy'
                         "</RequestId></ResponseMetadata></%sResponse>" % (action, NS, action))
        ET.register_namespace("", NS)
        root = ET.fromstring(body)
        res, lst = result_list(root)
        if res is None or lst is None:
            return status, body
        members = list(lst)
        if mode == "wrong-list":
            lst.tag = lst.tag[: -len(strip_ns(lst.tag))] + strip_ns(lst.tag)[:-1] + "List"
        elif mode == "wrong-member":
            for m in members:
                m.tag = m.tag[: -len(strip_ns(m.tag))] + strip_ns(m.tag)[2:]
        elif mode == "no-id" and members:
            e = id_child(members[0])
            if e is not None:
                members[0].remove(e)
        elif mode in ("dup", "dup-case") and members:
            c = copy.deepcopy(members[0])
            if mode == "dup-case":
                e = id_child(c)
                if e is not None and e.text:
                    e.text = e.text.upper()
            lst.append(c)
        elif mode.startswith("creating:"):
            ids = set(mode.split(":", 1)[1].split(","))
            for m in members:
                owner = [e.text for e in m if strip_ns(e.tag) == "DBClusterIdentifier"]
                if not owner or owner[0] not in ids:
                    continue
                for e in m:
                    if strip_ns(e.tag) in ("Status", "DBInstanceStatus") and e.text:
                        e.text = "creating"
        elif mode == "creating":
            for e in root.iter():
                if strip_ns(e.tag) in ("Status", "DBInstanceStatus") and e.text:
                    e.text = "creating"
        elif mode == "upper":
            for e in root.iter():
                if strip_ns(e.tag).endswith("Identifier") and e.text:
                    e.text = e.text.upper()
        elif mode in ("marker-cycle", "fresh-markers"):
            old = dict(params).get("Marker")
            if mode == "marker-cycle":
                new = "B" if old == "A" else "A"
            else:
                self.fresh += 1
                new = "page-%d" % self.fresh
            for e in [e for e in res if strip_ns(e.tag) == "Marker"]:
                res.remove(e)
            m = ET.SubElement(res, "{%s}Marker" % NS)
            m.text = new
        out = ET.tostring(root, encoding="unicode")
        if mode == "fresh-markers" and self.pad:
            out = out.replace("<ResponseMetadata>", "<!--" + "x" * self.pad + "--><ResponseMetadata>", 1)
        return status, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--throttle", type=int, default=0)
    ap.add_argument("--unavailable", type=int, default=0)
    ap.add_argument("--html500", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--log-actions", action="store_true")
    ap.add_argument("--mangle", action="append", default=[])
    ap.add_argument("--pad", type=int, default=0)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--random-faults", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--slow-ms", type=int, default=400)
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--log-times", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    target = urllib.parse.urlsplit(args.target)
    lock = threading.Lock()
    state = {"n": 0}
    mangles = dict(m.split("=", 1) for m in args.mangle)
    mangler = Mangler(args.pad)

    t_start = time.monotonic()
    local = threading.local()

    def log(what, action=""):
        if args.log:
            if args.log_actions:
                what += " " + (action or "-")
            if args.log_times:
                what += " %.3f %.3f" % (local.arrived,
                                        (time.monotonic() - t_start) * 1000.0)
            with lock:
                with open(args.log, "a") as f:
                    f.write(what + "\n")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body leave in two writes: without TCP_NODELAY the
        # second waits for the client's delayed ACK (~40 ms a reply)
        disable_nagle_algorithm = True

        def log_message(self, fmt, *a):
            pass

        def reply(self, status, ctype, body, extra=None):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self):
            local.arrived = (time.monotonic() - t_start) * 1000.0
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if args.latency_ms > 0:
                time.sleep(args.latency_ms / 1000.0)
            with lock:
                i = state["n"]
                state["n"] += 1
            if i < args.throttle:
                log("throttle")
                return self.reply(400, "text/xml", THROTTLE % i,
                                  {"x-amzn-requestid": "fault-proxy-throttle-%d" % i})
            i -= args.throttle
            if i < args.unavailable:
                log("503")
                return self.reply(503, "text/plain", "Service Unavailable")
            i -= args.unavailable
            if i < args.html500:
                log("500")
                return self.reply(500, "text/html; charset=utf-8", HTML500)
            params = urllib.parse.parse_qsl(body.decode("utf-8", "replace"))
            action = dict(params).get("Action", "")
            fault = None
            if args.random_faults > 0:
                with lock:
                    if rng.random() < args.random_faults:
                        fault = rng.choice(("throttle", "503", "reset", "slow"))
            if fault == "throttle":
                log("throttle", action)
                return self.reply(400, "text/xml", THROTTLE % i,
                                  {"x-amzn-requestid": "fault-proxy-throttle-%d" % i})
            if fault == "503":
                log("503", action)
                return self.reply(503, "text/plain", "Service Unavailable")
            if fault == "reset":
                log("reset", action)
                self.close_connection = True
                # SO_LINGER 0: the close sends a TCP RST, not a FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
                return
            if fault == "slow":
                log("slow", action)
                time.sleep(args.slow_ms / 1000.0)
            mode = mangles.get(action)
            if mode == "throttle":
                log("mangle " + mode, action)
                return self.reply(400, "text/xml", THROTTLE % i,
                                  {"x-amzn-requestid": "fault-proxy-throttle-%d" % i})
            if mode == "echo-error" or mode == "no-result":
                log("mangle " + mode, action)
                status, text = mangler.reply(mode, action, params, 200, "",
                                             body.decode("utf-8", "replace"))
                return self.reply(status, "text/xml", text)
            if mode in ("marker-cycle", "fresh-markers"):
                # The Markers are the proxy's own; the server behind it never
                # issued them and (like AWS) refuses one it does not know.
                body = urllib.parse.urlencode(
                    [(k, v) for k, v in params if k != "Marker"],
                    quote_via=urllib.parse.quote).encode()
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("connection", "content-length")}
            conn.request(self.command, self.path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            if mode and r.status == 200:
                log("mangle " + mode, action)
                conn.close()
                status, text = mangler.reply(mode, action, params, r.status, data.decode())
                return self.reply(status, "text/xml", text)
            log("forward", action)
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("connection", "content-length", "transfer-encoding"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = handle_any

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
