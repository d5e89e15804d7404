"""The shell commands a markdown page shows: read by the docs test and the chart test."""


def shell_lines(path):
    """(line number, command) of the fenced shell blocks of a markdown page, continuations joined."""
    out = []
    block, pending, start = False, "", 0
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("```"):
                block = (not block) and line[3:].strip() in ("sh", "bash", "shell", "console")
                pending = ""
                continue
            if not block:
                continue
            if not pending:
                start = number
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            out.append((start, pending + line))
            pending = ""
    return out
