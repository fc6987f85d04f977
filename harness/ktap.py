#!/usr/bin/env python3
"""Turn KUnit KTAP output (one file per suite) into one result line per test case.

Usage: ktap.py FILE...   prints 'pass|fail|skip suite.case' lines.

A suite whose plan announces more cases than it reports (a crash mid-suite)
yields a failed line for the missing ones; a file without a suite result
line is reported as a failed suite.
"""
import re
import sys

RESULT = re.compile(r'^(?P<ind>\s*)(?P<ok>ok|not ok) (?P<num>\d+)\s*(?:- )?'
                    r'(?P<name>[^#]*?)\s*(?:#\s*(?P<dir>SKIP|TODO)\b.*)?$')
PLAN = re.compile(r'^(?P<ind>\s*)1\.\.(?P<n>\d+)\s*$')


def depth(indent):
    return len(indent.expandtabs(4)) // 4


def parse(path):
    with open(path, errors='replace') as f:
        lines = f.read().splitlines()
    results = []
    plans = {}
    for line in lines:
        m = PLAN.match(line)
        if m:
            plans.setdefault(depth(m['ind']), int(m['n']))
            continue
        m = RESULT.match(line)
        if m:
            results.append((depth(m['ind']), m['ok'] == 'ok', m['dir'],
                            m['name'].strip()))
    if not results:
        return [('fail', path, 'no KTAP results')]
    top = min(r[0] for r in results)
    suites = [r for r in results if r[0] == top]
    suite = suites[-1][3]
    out = []
    cases = [r for r in results if r[0] == top + 1]
    for _, ok, directive, name in cases:
        status = 'skip' if directive == 'SKIP' else ('pass' if ok else 'fail')
        out.append((status, f'{suite}.{name}', ''))
    planned = plans.get(top + 1)
    if planned is not None and planned > len(cases):
        out.append(('fail', f'{suite}', f'{planned - len(cases)} of {planned} cases never reported'))
    if not cases:
        _, ok, directive, _ = suites[-1]
        status = 'skip' if directive == 'SKIP' else ('pass' if ok else 'fail')
        out.append((status, suite, 'suite without cases'))
    return out


def main():
    for path in sys.argv[1:]:
        for status, name, note in parse(path):
            print(f'{status} kunit/{name} {note}'.rstrip())


if __name__ == '__main__':
    main()
