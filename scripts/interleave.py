#!/usr/bin/env python3
"""Times commands in turn, one run of each per round, and prints each one's median and
fastest wall time and its median CPU time (user + system, children included).

    interleave.py ROUNDS NAME=COMMAND [NAME=COMMAND ...]

Each COMMAND is split as a shell would split it and run directly, not through a shell (a
shell's start would add a millisecond or more to every run, a large share of a small call);
`<FILE` at its end is its stdin. Stdout and stderr are discarded. On a shared machine
whose speed drifts from one minute to the next, runs taken in turn see the same drift, so
their ratio holds where back-to-back series (hyperfine's) can differ by the drift alone.
The first command's median is the base of the ratios printed.
"""
import resource
import shlex
import statistics
import subprocess
import sys
import time


def parse(command):
    """The argv and the stdin file of `command`."""
    words = shlex.split(command)
    stdin = None
    if words and words[-1].startswith("<") and len(words[-1]) > 1:
        stdin = words.pop()[1:]
    elif len(words) > 1 and words[-2] == "<":
        stdin = words.pop()
        words.pop()
    return words, stdin


def run(command):
    argv, stdin = parse(command)
    with open(stdin or "/dev/null", "rb") as source:
        subprocess.run(argv, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    rounds = int(sys.argv[1])
    commands = [arg.split("=", 1) for arg in sys.argv[2:]]
    wall = {name: [] for name, _ in commands}
    cpu = {name: [] for name, _ in commands}
    for name, command in commands:  # one warm-up run each: page cache, module cache
        run(command)
    for _ in range(rounds):
        for name, command in commands:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            run(command)
            wall[name].append((time.perf_counter() - start) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(
                (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
            )
    base = statistics.median(wall[commands[0][0]])
    for name, _ in commands:
        median = statistics.median(wall[name])
        print(
            f"{name:40} wall median {median:8.1f} ms  fastest {min(wall[name]):8.1f} ms  "
            f"CPU median {statistics.median(cpu[name]):8.1f} ms  ratio {median / base:4.2f}"
        )


if __name__ == "__main__":
    main()
