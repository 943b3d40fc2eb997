"""`make mutation`: run mutmut over the core modules with the fast tests, print a score table.

    python tools/mutation.py                 # clean run of every module (what `make mutation` does)
    python tools/mutation.py --keep model    # one module, reusing earlier results (iterating)
    python tools/mutation.py --report        # only print the table of the last run

The modules and the test command are in pyproject.toml ([tool.mutmut]); mutmut runs for each
mutant only the tests that call the mutated function. Mutants that cannot change behaviour
(equivalent mutants) are listed, one line with its reason each, in tools/mutation-equivalents.txt
and left out of the score. The last line is `mutation: score=S killed=K total=T`; the exit
status is 1 when the score is under TARGET or a module is under MODULE_TARGET.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

REPO = Path(__file__).resolve().parent.parent
MUTANTS = REPO / "mutants"
EQUIVALENTS = REPO / "tools" / "mutation-equivalents.txt"
TARGET = 0.95
MODULE_TARGET = 0.85
#: mutmut's exit codes (mutmut.stats.status_by_exit_code) that count as a caught mutant.
KILLED = {1: "killed", 3: "killed", 36: "timeout", 24: "timeout", -24: "timeout",
          152: "timeout", 255: "timeout", 37: "type check"}
SKIPPED = {34}  # skipped by mutmut itself: neither killed nor counted


def module_of(mutant: str) -> str:
    """`pulumi_wa_webhook.emulator.backend.x_f__mutmut_3` -> `emulator.backend`."""
    dotted = mutant.split(".x", 1)[0] if ".x" in mutant else mutant.rsplit(".", 1)[0]
    return dotted.removeprefix("pulumi_wa_webhook.")


def equivalents() -> Dict[str, str]:
    """Excluded mutant names and their one-line reasons."""
    if not EQUIVALENTS.exists():
        return {}
    found: Dict[str, str] = {}
    for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        if not reason.strip():
            sys.exit(f"{EQUIVALENTS.name}: {name} has no reason; every exclusion needs one")
        found[name] = reason.strip()
    return found


def results() -> Dict[str, Dict[str, object]]:
    """mutant name -> exit code, from mutmut's per-file .meta files."""
    found: Dict[str, Dict[str, object]] = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data.get("exit_code_by_key", {}).items():
            found.setdefault(module_of(name), {})[name] = code
    return found


def report() -> int:
    excluded = equivalents()
    by_module = results()
    if not by_module:
        print("no mutation results: run `make mutation` first")
        return 1
    rows: List[Tuple[str, int, int, int, int, int]] = []
    survivors: List[str] = []
    unused = set(excluded)
    for module in sorted(by_module):
        counts: Counter[str] = Counter()
        for name, code in sorted(by_module[module].items()):
            if name in excluded:
                unused.discard(name)
                counts["equivalent"] += 1
            elif code in KILLED or (isinstance(code, int) and code < 0):
                # a negative code: the mutant's tests died of that signal (e.g. a mutant that
                # sends SIGHUP instead of signal 0 to a process): caught as surely as a failure
                counts["killed"] += 1
            elif code in SKIPPED:
                counts["skipped"] += 1
            elif code is None:
                counts["not run"] += 1
            else:
                counts["survived"] += 1
                survivors.append(f"{name} ({'no tests' if code in (5, 33) else code})")
        total = counts["killed"] + counts["survived"]
        rows.append((module, counts["killed"], counts["survived"], counts["equivalent"],
                     counts["not run"], total))
    print(f"{'module':<20} {'killed':>7} {'survived':>9} {'equiv.':>7} {'not run':>8} "
          f"{'total':>6} {'score':>6}")
    failing = False
    for module, killed, survived, equivalent, not_run, total in rows:
        score = killed / total if total else 1.0
        failing |= bool(total) and score < MODULE_TARGET
        print(f"{module:<20} {killed:>7} {survived:>9} {equivalent:>7} {not_run:>8} "
              f"{total:>6} {score:>6.2f}")
    (MUTANTS / "survivors.txt").write_text("\n".join(survivors) + "\n", encoding="utf-8")
    print(f"survivors: {len(survivors)} (listed in mutants/survivors.txt; "
          "`mutmut show NAME` shows one)")
    if unused:
        print(f"note: {len(unused)} listed equivalent mutants no longer exist: "
              + ", ".join(sorted(unused)))
    killed = sum(r[1] for r in rows)
    total = sum(r[5] for r in rows)
    score = killed / total if total else 0.0
    print(f"mutation: score={score:.2f} killed={killed} total={total}")
    return 1 if failing or score < TARGET else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="e.g. model emulator.backend (default: all)")
    parser.add_argument("--keep", action="store_true", help="reuse results of earlier runs")
    parser.add_argument("--report", action="store_true", help="only print the last results")
    parser.add_argument("--max-children", type=int, default=2)
    args = parser.parse_args()
    if not args.report:
        if not args.keep:
            shutil.rmtree(MUTANTS, ignore_errors=True)
        patterns = [f"pulumi_wa_webhook.{m}.*" for m in args.modules]
        mutmut = Path(sys.executable).parent / "mutmut"
        MUTANTS.mkdir(exist_ok=True)
        log = MUTANTS / "mutmut-run.log"  # mutmut's progress spinner is one long line
        with open(log, "w", encoding="utf-8") as out:
            run = subprocess.run(
                [str(mutmut), "run", "--max-children", str(args.max_children), *patterns],
                cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
            )
        if run.returncode != 0:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            print(f"{tail}\nmutmut run failed (exit {run.returncode}); see {log}",
                  file=sys.stderr)
            return run.returncode
    return report()


if __name__ == "__main__":
    sys.exit(main())
