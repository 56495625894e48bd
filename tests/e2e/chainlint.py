#!/usr/bin/env python3
"""Chain lint for end-to-end test bodies.

A body runs under `set -e`, which stops at a failing command, except where
bash ignores errexit: every command of an `a && b` list but the last. When
such a list is not the last command of the body, a failure early in it ends
the list quietly and the body goes on:

    "$AG_BIN" sync ... >out &&        # sync fails: nothing reported,
    check_contains out created        # the check is skipped,
    python3 - <<-PY                   # and this line decides the test
    ...

bash also ignores errexit for a command negated with `!`. This lint reads
a body (on stdin) and reports each `&&` list, and each `!` command, that is
followed by another command without a handler for its failure (`|| ...` at
its end). Heredoc contents, comments and quoted text are not code and are
skipped. It prints one line per finding and exits 1 when there is any.
"""
import re
import sys

CONTINUES = ("&&", "||", "|", "\\")
OPENERS = ("then", "do", "else", "{", "(")
HEREDOC = re.compile(r"<<-?\s*\\?(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


def code_lines(body):
    """Yields (line number, code) per physical line of shell code.

    Quoted text and $(...) become a placeholder on the line where they
    start (they may span lines); comments and heredoc contents are dropped.
    """
    i, n, no = 0, len(body), 1
    out, start, pending = [], 1, []
    while i < n:
        c = body[i]
        if c == "\n":
            yield start, "".join(out).strip()
            out, no = [], no + 1
            i += 1
            # Heredoc contents opened on the line just ended.
            while pending and i < n:
                j = body.find("\n", i)
                j = n if j < 0 else j
                if body[i:j].lstrip("\t") == pending[0]:
                    pending.pop(0)
                i, no = j + 1, no + 1
            start = no
            continue
        if c == "\\" and i + 1 < n:
            if body[i + 1] == "\n":  # line continuation
                out.append(" \\")
                i += 1
            else:
                out.append("__")
                i += 2
            continue
        if c == "'":
            j = body.find("'", i + 1)
            j = n if j < 0 else j
            no += body.count("\n", i, j)
            out.append("Q")
            i = j + 1
            continue
        if c == '"' or body.startswith("$(", i):
            j, depth, quote = i + (2 if c == "$" else 1), 1, c == '"'
            while j < n and depth:
                ch = body[j]
                if ch == "\\":
                    j += 2
                    continue
                if quote and ch == '"':
                    depth = 0
                elif not quote and ch == "(":
                    depth += 1
                elif not quote and ch == ")":
                    depth -= 1
                j += 1
            no += body.count("\n", i, j)
            out.append("Q" if quote else "S")
            i = j
            continue
        if c == "#" and (not out or out[-1] in " \t;"):
            j = body.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "<" and body.startswith("<<", i) and not body.startswith("<<<", i):
            m = HEREDOC.match(body, i)
            if m:
                pending.append(m.group(2))
                out.append(m.group(0))
                i = m.end()
                continue
        out.append(c)
        i += 1
    if out:
        yield start, "".join(out).strip()


OPEN_RE = re.compile(r"(?:^|[\s;&|(])(for|while|until|if|case|\{)(?=$|[\s;])")
CLOSE_RE = re.compile(r"(?:^|[\s;&|])(done|fi|esac|\})(?=$|[\s;&|)<>])")


def depth_change(code):
    code = re.sub(r"\$\{[^}]*\}", "V", code)
    return len(OPEN_RE.findall(code)) - len(CLOSE_RE.findall(code))


def statements(body):
    """Yields (first line number, code) for each top-level command: lines
    joined while they end in a connector or a compound command (loop, if,
    case, braces) is still open."""
    cur, start, depth = [], 0, 0
    for no, code in code_lines(body):
        if not code:
            continue
        if not cur:
            start = no
        cur.append(code)
        depth += depth_change(code)
        if depth <= 0 and not code.endswith(CONTINUES) and not code.endswith(OPENERS):
            yield start, " ".join(cur)
            cur, depth = [], 0
    if cur:
        yield start, " ".join(cur)


CLOSERS = ("fi", "done", "esac", "}", ")", ";;")


def lint(body):
    stmts = list(statements(body))
    found = []
    for k, (no, code) in enumerate(stmts):
        rest = [c.split()[0] for _, c in stmts[k + 1:]]
        if all(w in CLOSERS for w in rest):
            break  # the last command of the body decides its status
        # Only the top level of this logical line: drop `{ ...; }` handlers.
        flat = re.sub(r"\{[^{}]*\}", "B", code)
        # Conditions of if/while are tested, which is their purpose.
        flat = re.sub(r"\[\[.*?\]\]", "T", flat)
        flat = re.sub(r"\b(if|elif|while|until)\b.*?;\s*(then|do)\b", "C", flat)
        parts = re.split(r"(&&|\|\|)", flat)
        ops = parts[1::2]
        last = parts[-1].strip()
        if ops and ops[-1] == "||":
            continue  # the list ends in a handler for its failure
        if last.startswith("! ") or last == "!":
            found.append((no, code, "a negated command's failure is ignored by set -e"))
        elif "&&" in ops:
            found.append((no, code, "a failure before its last command would be ignored"))
    return found


def main():
    body = sys.stdin.read()
    found = lint(body)
    for no, code, why in found:
        print("chain lint: body line %d: %s" % (no, code[:100]))
        print("  %s; chain the next line with && or end this one with || handler" % why)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
