#!/usr/bin/env python3
"""The docs against the code and the measurements (label unit, no cluster):

* the decisions benchmark's table in docs/analysis.md is the one of bench/decisions/results.md;
* the CLI reference is complete: every command `veer --help` lists has its entry in
  docs/cli.md, and every flag each command's `--help` prints is in the docs;
* every `veer` line of a shell block of README.md and docs/*.md that needs nothing of the
  reader's (validate and convert of files in this repository, demo, version) is run and must
  exit 0; those that need only the reader's files or chat webhook run by bash as written in a
  fresh folder with fixtures (FIXTURES: samples, a Flagger Canary, a webhook stand-in); the
  others are listed with the reason (docs/README.md says which check them).

    docs_test.py --veer PATH        exit 0 pass, 1 fail
"""
import argparse
import glob
import http.server
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from markdown_shell import shell_lines  # noqa: E402
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def table_after(text, heading):
    """The first markdown table after the line starting with `heading`, as its lines."""
    lines = text.splitlines()
    at = next((i for i, l in enumerate(lines) if l.startswith(heading)), None)
    if at is None:
        return []
    i = at + 1
    while i < len(lines) and not lines[i].startswith("|"):
        i += 1
    table = []
    while i < len(lines) and lines[i].startswith("|"):
        table.append(lines[i])
        i += 1
    return table


def check_decisions_table():
    measured = table_after(read("bench/decisions/results.md"), "## Decisions (runs per cell")
    check(len(measured) >= 20, "bench/decisions/results.md: the Decisions table was not found")
    documented = table_after(read("docs/analysis.md"), "The decisions table")
    check(documented == measured,
          "docs/analysis.md's decisions table differs from bench/decisions/results.md's (copy it "
          "again): first differing row: " +
          next((f"{d!r} vs {m!r}" for d, m in zip(documented, measured) if d != m),
               f"{len(documented)} rows vs {len(measured)}"))
    print(f"decisions table: {len(documented)} lines compared")


def help_of(veer, words):
    got = subprocess.run([veer] + words + ["--help"], capture_output=True, text=True, timeout=60)
    return got.stdout + got.stderr


def check_cli_reference(veer):
    overview = help_of(veer, [])
    commands = re.findall(r"^  ([a-z]+)\s{2,}", overview.split("Commands:", 1)[-1], re.M)
    check(len(commands) >= 15, f"`veer --help` lists only {commands}")
    cli = read("docs/cli.md")
    pages = read("README.md") + "".join(read(p) for p in
                                          sorted(os.path.relpath(p, ROOT) for p in
                                                 glob.glob(os.path.join(ROOT, "docs", "*.md"))))
    flags = 0
    for command in commands:
        if command == "help":
            continue
        check("`veer " + command in cli, f"docs/cli.md has no entry for `veer {command}`")
        text = help_of(veer, [command])
        # experiment and stats have subcommands: `usage: veer experiment run ...`.
        sub = re.findall(r"^  ([a-z]+)\s{2,}.*\(veer " + command + r" \1 --help\)", text, re.M)
        helps = [help_of(veer, [command, s]) for s in sub] if sub else [text]
        for h in helps:
            for flag in sorted(set(re.findall(r"^\s+(?:-[a-zA-Z], )?(--[a-z][a-z0-9-]*)", h, re.M))):
                if flag == "--help":
                    continue
                flags += 1
                check(re.search(re.escape(flag) + r"(?![a-z0-9-])", pages),
                      f"`veer {command}` flag {flag} is in no page of docs/ or README.md")
    print(f"CLI reference: {len(commands)} commands, {flags} flags documented")


RUNNABLE = ("validate", "convert", "demo", "version")


def not_runnable(words):
    """Why a doc's veer line is not run here, or None to run it."""
    if words[1] == "status" and "--watch" not in words:
        return "reads the reader's cluster (run on the API server by the e2e test e2e_chart)"
    if words[1] == "operator" and any(w.startswith("--dashboard") for w in words):
        return "runs until stopped (these dashboard flags: the e2e test dashboard/browser-operator)"
    if words[1] not in RUNNABLE:
        return "needs a cluster, a server or files of the reader's (parsed by doc_commands_test)"
    if any(w in (">", "<", "|") for w in words):
        return "a shell redirection"
    if "--in-place" in words:
        return "rewrites the reader's files"
    if words[1] == "demo" and any(w.startswith("--dashboard") for w in words):
        return "serves until Ctrl-C (run by the test dashboard/browser)"
    for w in words[2:]:
        if not w.startswith("-") and "/" in w and not os.path.exists(os.path.join(ROOT, w)):
            return f"{w} is the reader's"
        if w.endswith("...") or w.isupper():
            return f"{w} stands for a value of the reader's"
    return None


class StandIn:
    """A chat webhook stand-in on a port the kernel picks: answers every POST 200 "ok" and keeps
    the bodies (what `veer notify` sent)."""

    def __init__(self):
        bodies = self.bodies = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]


def write(directory, path, text):
    path = os.path.join(directory, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def flagger_tree(directory):
    """clusters/: a reader's GitOps folder with a Flagger Canary (examples/flagger/)."""
    write(directory, "clusters/prod/podinfo.yaml", read("examples/flagger/podinfo.yaml"))


def flagger_file(directory):
    write(directory, "flagger/podinfo.yaml", read("examples/flagger/podinfo.yaml"))
    os.makedirs(os.path.join(directory, "veer"), exist_ok=True)


def samples(directory):
    write(directory, "primary.txt", "".join("%d\n" % (100 + i % 7) for i in range(40)))
    write(directory, "canary.txt", "".join("%d\n" % (101 + i % 7) for i in range(40)))


def binomial_samples(directory):
    write(directory, "primary.txt", "".join("%d 1000\n" % (2 + i % 3) for i in range(10)))
    write(directory, "canary.txt", "".join("%d 1000\n" % (3 + i % 3) for i in range(10)))


def converted(directory, path):
    """After a convert: the file says veer.dev and validates."""
    text = open(os.path.join(directory, path)).read()
    return "veer.dev/v1beta1" in text and "flagger.app" not in text


# The doc lines run with a fixture of the reader's files, in a fresh folder, by bash exactly as
# written (veer on PATH); each: (words the line starts with, placeholder replacements, fixture,
# check of the folder after it ran or None).
EXAMPLES = "examples/istio/canary.yaml examples/kubernetes/blue-green.yaml"
FIXTURES = [
    (["veer", "validate"], {"PATH...": EXAMPLES}, None, None),
    (["veer", "stats", "compare", "--test", "mann-whitney"], {}, samples, None),
    (["veer", "stats", "compare", "--test", "sequential-binomial"], {}, binomial_samples, None),
    (["veer", "convert", "flagger/podinfo.yaml"], {}, flagger_file,
     lambda d: converted(d, "veer/podinfo.yaml")),
    (["veer", "convert", "--in-place", "clusters/"], {}, flagger_tree,
     lambda d: converted(d, "clusters/prod/podinfo.yaml")),
    # getting-started's validate follows its convert: the folder as the convert left it.
    (["veer", "validate", "--mesh-provider", "istio", "clusters/"], {},
     lambda d: (flagger_tree(d), subprocess.run(["veer", "convert", "--in-place", "clusters/"],
                                                cwd=d, env=ENV, check=True,
                                                capture_output=True)), None),
    (["veer", "notify", "--type", "slack", "--address"], {}, None, "stand-in"),
    (["veer", "notify", "--type", "msteams"], {}, None, "stand-in"),
]
ENV = dict(os.environ)


def fixture_for(words):
    for prefix, replace, setup, after in FIXTURES:
        if words[:len(prefix)] == prefix and (prefix[1] != "validate" or len(prefix) > 2 or
                                              "PATH..." in words):
            return replace, setup, after
    return None


def run_with_fixture(veer, page, number, line, fixture, stand_in):
    replace, setup, after = fixture
    for placeholder, value in replace.items():
        line = line.replace(placeholder, value)
    directory = tempfile.mkdtemp(prefix="veer-docs-reader-")
    for path in EXAMPLES.split():  # the repository's examples, as the reader has them
        write(directory, path, read(path))
    if setup:
        setup(directory)
    sent = len(stand_in.bodies)
    got = subprocess.run(["bash", "-c", line], capture_output=True, text=True, cwd=directory,
                         env=ENV, timeout=300)
    check(got.returncode == 0, f"{page}:{number}: `{line}` (with a fixture) exited "
          f"{got.returncode}: {(got.stderr or got.stdout).strip()[-800:]}")
    if after == "stand-in":
        check(len(stand_in.bodies) == sent + 1, f"{page}:{number}: `{line}` sent nothing")
    elif after:
        check(after(directory), f"{page}:{number}: `{line}` did not convert the file")


def check_doc_commands_run(veer):
    pages = ["README.md"] + sorted(os.path.relpath(p, ROOT)
                                   for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))
    stand_in = StandIn()
    ENV["PATH"] = os.path.dirname(os.path.abspath(veer)) + os.pathsep + ENV.get("PATH", "")
    ENV["SLACK_URL"] = stand_in.url + "/services/T/B/x"
    ENV["TEAMS_URL"] = stand_in.url + "/webhookb2/x"
    ran, with_fixtures, skipped = 0, 0, []
    for page in pages:
        for number, line in shell_lines(os.path.join(ROOT, page)):
            try:
                words = shlex.split(line, comments=True)
            except ValueError:
                continue
            if len(words) < 2 or words[0] != "veer":
                continue
            fixture = fixture_for(words)
            if fixture:
                run_with_fixture(veer, page, number, line, fixture, stand_in)
                with_fixtures += 1
                continue
            why = not_runnable(words)
            if why:
                skipped.append(f"{page}:{number}: {' '.join(words)}: {why}")
                continue
            got = subprocess.run([veer] + words[1:], capture_output=True, text=True, cwd=ROOT,
                                 timeout=300)
            check(got.returncode == 0, f"{page}:{number}: `{' '.join(words)}` exited "
                  f"{got.returncode}: {(got.stderr or got.stdout).strip()[-800:]}")
            ran += 1
    for s in skipped:
        print("not run: " + s)
    # getting-started's demo and validate, canary.md's and experiments.md's demos at least.
    check(ran >= 6, f"only {ran} doc commands run")
    check(with_fixtures >= 12, f"only {with_fixtures} doc commands run with fixtures")
    print(f"doc commands: {ran} run as written, {with_fixtures} run with fixtures of the "
          f"reader's files or servers, {len(skipped)} not run")


LITERAL = r'"((?:[^"\\]|\\.)*)"'


def statement_end(source, at):
    """The index of the `;` ending the statement at `at`, skipping string literals."""
    quoted = False
    i = at
    while i < len(source):
        c = source[i]
        if quoted and c == "\\":
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == ";" and not quoted:
            return i
        i += 1
    return len(source)


def message_parts(source, calls, skip_first=(), keywords=("return", "error =")):
    """The literal parts (6 characters or more, trimmed, HTML tags cut out) of the messages
    written by the given calls, or (no calls) by `return ...;` and `error = ...;` statements;
    the first literal of a call in skip_first is a page title, not a message."""
    parts = set()
    if calls:
        pattern = r"(?<![A-Za-z_])(" + "|".join(calls) + r")\("
    else:
        pattern = r"\b(?:" + "|".join(keywords) + ") "
    for m in re.finditer(pattern, source):
        statement = source[m.end():statement_end(source, m.end())]
        literals = [bytes(t, "utf-8").decode("unicode_escape") for t in re.findall(LITERAL, statement)]
        if m.lastindex and m.group(1) in skip_first and literals:
            literals = literals[1:]
        for text in literals:
            for piece in re.split(r"<[^>]*>", text):
                piece = piece.strip(" :;!(),.\"")
                if len(piece) >= 6 and (piece[0].isalpha() or piece.startswith("--")):
                    parts.add(piece)
    return parts


def check_dashboard_messages():
    """Every message the dashboard, its flags and its users file write, and every flag error of
    the parser and of `veer operator`, is explained in docs/troubleshooting.md (as decide.cpp's
    are, by controller_tests)."""
    parts = message_parts(read("operator/dashboard/dashboard.cpp"), ["html", "login_body"],
                          skip_first=("html",))
    parts |= message_parts(read("operator/cli/dashboard_flags.cpp"), [])
    parts |= message_parts(read("operator/dashboard/reviews.cpp"), [], keywords=("error =",))
    for flags in ("args.cpp", "operator_flags.cpp", "listen.cpp", "outbound_flags.cpp"):
        parts |= message_parts(read("operator/cli/" + flags), [])
    check(len(parts) >= 45, f"only {len(parts)} dashboard and flag message parts found: {sorted(parts)}")
    page = read("docs/troubleshooting.md")
    for part in sorted(parts):
        check(part in page, f"docs/troubleshooting.md does not explain the message part {part!r}")
    print(f"dashboard and flag messages: {len(parts)} parts, each in docs/troubleshooting.md")


# Every router veer has (docs/routers.md), by the provider the getting-started table names.
ROUTERS = ["istio", "linkerd", "gatewayapi:v1beta1", "gatewayapi:v1", "nginx", "kubernetes",
           "contour", "gloo", "traefik", "skipper", "apisix", "kuma", "knative"]


def validate(veer, where, text):
    path = os.path.join(tempfile.mkdtemp(prefix="veer-docs-"), "doc.yaml")
    with open(path, "w") as f:
        f.write(text)
    got = subprocess.run([veer, "validate", path], capture_output=True, text=True, timeout=60)
    check(got.returncode == 0 and " 0 problems" in got.stdout + got.stderr,
          f"{where}: veer validate exited {got.returncode}: {(got.stdout + got.stderr).strip()[-800:]}")


def check_first_canary_per_router(veer):
    """getting-started.md: a row per router, each naming an example that exists, validates with
    the built binary and whose Canary has the row's provider; and each Canary shown on the page
    validates (the Contour one also as the Gloo, Traefik and Kuma one the page says it is)."""
    page = read("docs/getting-started.md")
    rows = [r for r in page.split("## Per router", 1)[-1].split("\n\n", 2)[1].splitlines()
            if r.startswith("|") and not r.startswith("|---")][1:]
    named = set()
    examples_named = 0
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        providers = set(re.findall(r"`([^`]+)`", cells[2]))
        named |= providers
        examples = re.findall(r"`(examples/[^`]+\.yaml)`", cells[1])
        check(examples, f"getting-started.md's row {cells[0]!r} names no examples/ file")
        for example in examples:
            if check(os.path.exists(os.path.join(ROOT, example)),
                     f"getting-started.md names {example}, which does not exist"):
                examples_named += 1
                text = read(example)
                validate(veer, example, text)
                found = set(re.findall(r"^  provider: (\S+)$", text, re.M))
                check(found and found <= providers,
                      f"{example}: its Canary's provider {sorted(found)} is not the row's "
                      f"{sorted(providers)}")
    for router in ROUTERS:
        check(router in named, f"getting-started.md's per-router table has no row for {router}")
    blocks = re.findall(r"```yaml\n(.*?)```", page, re.S)
    canaries = [b for b in blocks if "kind: Canary" in b]
    # e2e/chart's dry run on a real API server takes these too and expects at least four.
    check(len(canaries) >= 4, f"getting-started.md shows only {len(canaries)} Canaries")
    for block in canaries:
        provider = re.search(r"provider: (\S+)", block).group(1)
        validate(veer, f"getting-started.md's {provider} Canary", block)
        if provider == "contour":
            for other in ("gloo", "traefik", "kuma"):
                validate(veer, f"getting-started.md's Canary as {other}",
                         block.replace("provider: contour", "provider: " + other))
    print(f"first canary: {len(rows)} routers in the table, {examples_named} examples and "
          f"{len(canaries)} Canaries on the page validated")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--veer", required=True)
    args = parser.parse_args()
    check_decisions_table()
    check_cli_reference(args.veer)
    check_dashboard_messages()
    check_first_canary_per_router(args.veer)
    check_doc_commands_run(args.veer)
    for f in failures:
        print("FAIL: " + f)
    print(f"docs: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
