#!/usr/bin/env python3
"""Rebuilds this corpus from a checkout of fluxcd/flagger (see PROVENANCE.md).

Usage: extract.py FLAGGER_GIT_DIR COMMIT OUT_DIR

Takes every complete flagger.app document (Canary, MetricTemplate, AlertProvider) from the YAML
code blocks and heredocs of docs/gitbook/**/*.md, the heredocs of test/**/*.sh, and the YAML
files of kustomize/ and charts/ (Helm templates excluded: they are not YAML until rendered).
Each source file becomes one YAML file under OUT_DIR with the same path, every document headed
by a comment naming its source line.
"""
import os
import re
import subprocess
import sys


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], check=True,
                          capture_output=True, text=True).stdout


def blocks_md(text):
    """(first line, text) of fenced code blocks, and of heredocs inside them."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^\s*```+\s*(\w*)", lines[i])
        if not m:
            i += 1
            continue
        start = i + 1
        j = start
        while j < len(lines) and not re.match(r"^\s*```", lines[j]):
            j += 1
        body = lines[start:j]
        yield from heredocs(body, start + 1)
        if not any("<<" in l for l in body):
            yield start + 1, "\n".join(body)
        i = j + 1


def heredocs(lines, first_line):
    i = 0
    while i < len(lines):
        m = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", lines[i])
        if not m:
            i += 1
            continue
        tag = m.group(1)
        j = i + 1
        while j < len(lines) and lines[j].strip() != tag:
            j += 1
        yield first_line + i + 1, "\n".join(lines[i + 1:j])
        i = j + 1


def documents(first_line, text):
    """Split a YAML stream on '---' lines, keeping each document's first line."""
    doc, start = [], first_line
    for n, line in enumerate(text.split("\n")):
        if re.match(r"^---\s*$", line):
            yield start, "\n".join(doc)
            doc, start = [], first_line + n + 1
        else:
            doc.append(line)
    yield start, "\n".join(doc)


def main():
    repo, commit, out = sys.argv[1:4]
    files = git(repo, "ls-tree", "-r", "--name-only", commit).split("\n")
    total = 0
    for path in files:
        md = path.startswith("docs/gitbook/") and path.endswith(".md")
        sh = path.startswith("test/") and path.endswith(".sh")
        yml = (path.startswith("kustomize/") or path.startswith("charts/")) and \
            path.endswith((".yaml", ".yml")) and "/templates/" not in path
        if not (md or sh or yml):
            continue
        text = git(repo, "show", f"{commit}:{path}")
        if "flagger.app/" not in text:
            continue
        if md:
            chunks = list(blocks_md(text))
        elif sh:
            chunks = list(heredocs(text.split("\n"), 1))
        else:
            chunks = [(1, text)]
        kept = []
        for first, chunk in chunks:
            for line, doc in documents(first, chunk):
                body = doc.strip("\n")
                if re.search(r"^apiVersion:\s*flagger\.app/", body, re.M) and \
                        re.search(r"^kind:\s*\S", body, re.M):
                    kept.append(f"# {path}:{line}\n{body}\n")
        if not kept:
            continue
        target = os.path.join(out, os.path.splitext(path)[0] + ".yaml")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as f:
            f.write(f"# Extracted from fluxcd/flagger@{commit[:12]} {path} (Apache-2.0); "
                    "see PROVENANCE.md\n")
            f.write("---\n".join(kept))
        total += len(kept)
        print(f"{len(kept):3d} {path}")
    print(f"{total} documents")


if __name__ == "__main__":
    main()
