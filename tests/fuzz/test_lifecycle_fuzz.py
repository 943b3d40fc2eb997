"""A stateful random test of the whole lifecycle through the real Pulumi CLI and engine.

Hypothesis draws sequences of program edits (add, remove, rename with and without alias,
re-parent into a component, settings, plain and secret URLs, adopt/overwrite, dynamic <->
native), engine operations (preview, up, up --replace, refresh, destroy, pulumi import,
state move between stacks, an up killed mid-way and the documented recovery) and changes of
the world (hand edits of an account, a second stack on the same account, an endpoint change,
API faults on one account), runs each against two emulators, and after every step checks the
promises below. A broken one fails the test with the shortest sequence Hypothesis finds,
printed as a program (`state = LifecycleMachine()`, one line per step) that
`make fuzz FUZZ_REPLAY=file` runs again.

1. after a successful `up`, every account the stack manages holds exactly the program's
   settings; a failed `up` wrote nothing it did not report;
2. no account a stack (or resource) manages is cleared or overwritten by another stack's or
   resource's operation, and no stack becomes a second manager of a configured account,
   unless `adopt`, `overwrite` or `pulumi import` said so;
3. `preview` predicts the writes of the `up` right after it: no write it did not announce,
   each announced settings change written, one write per account;
4. no secret URL part (marked `sEcReT-`) and no API key in clear in any CLI output (including
   `-v=9` logs and error texts), the state, `stack output` or `stack export`;
5. a no-change `preview` after a successful `up` makes no API call and shows no change;
and the paths the docs promise succeed (an `up` over existing resources or free accounts,
`up --replace`, refresh, destroy, the recovery of a killed `up`), read-only operations write
nothing, `destroy` clears every account the stack managed.

Run with `make fuzz` (FUZZ_BUDGET seconds, FUZZ_SEED); see CONTRIBUTING.md.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple

import pytest
from harness import Result, Stack
from hypothesis import HealthCheck
from hypothesis import settings as run_settings
from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from interrupted import kill_session, start_up
from lifecycle_world import (
    ACCOUNTS,
    ALERT_PHONES,
    API_KEY,
    CLEARED,
    NATIVE_TYPE,
    STACKS,
    Claim,
    Hook,
    Key,
    Settings,
    claims,
    first_create_recovery,
    pending_creates,
    program_text,
    recovery_recipe,
    run,
    urns,
    wire_of_body,
    world,
)

# `engine` too: `-m "not engine"` (the fast tests, mutmut) must never start a fuzz run.
pytestmark = [pytest.mark.fuzz, pytest.mark.engine]

#: Every secret URL holds this in its user info, path, query and fragment; no plain value
#: does, so finding it anywhere in clear is a leak.
SECRET_MARK = "sEcReT-"
PLAIN_URLS = (
    "https://hooks.example.com/wa",
    "https://hooks.example.com/v2",
    "https://user:pw@hooks.example.com/p/x?tok=1#frag",
)
SECRET_URLS = (
    "https://u:sEcReT-pass@hooks.example.com/sEcReT-path?t=sEcReT-query#sEcReT-frag",
    "https://in.example.com/sEcReT-p2?token=sEcReT-q2",
)
HAND_URLS = ("https://dashboard.example.com/by-hand", "")
ALERT_SETS = ((), (ALERT_PHONES[0],), (ALERT_PHONES[1], ALERT_PHONES[0]), (ALERT_PHONES[2],))
SETTING_DIFFS = {"url", "system", "systemPhoneAlerts", "system_phone_alerts", "readStatus",
                 "read_status", "retry"}

BUDGET = float(os.environ.get("FUZZ_BUDGET", "600"))
STEPS = int(os.environ.get("FUZZ_STEPS", "10"))
#: Rules left out (comma-separated names), e.g. to look past a known defect.
EXCLUDED = {name for name in os.environ.get("FUZZ_EXCLUDE", "").split(",") if name}
STATS = {"sequences": 0, "long": 0, "steps": 0, "cli": 0, "violations": 0, "start": 0.0,
         "failing": 0}


def make_settings(url: Optional[str], system: bool, alerts: Tuple[str, ...],
                  read_status: bool, retry: bool) -> Settings:
    """Settings as the strategies draw them (a failure's printed steps call this)."""
    return Settings(url=url, secret=url in SECRET_URLS, system=system, alerts=alerts,
                    read_status=read_status, retry=retry)


SETTINGS = st.builds(make_settings, url=st.sampled_from((None,) + PLAIN_URLS + SECRET_URLS),
                     system=st.booleans(), alerts=st.sampled_from(ALERT_SETS),
                     read_status=st.booleans(), retry=st.booleans())
HAND_SETTINGS = st.builds(make_settings, url=st.sampled_from(HAND_URLS),
                          system=st.booleans(), alerts=st.sampled_from(ALERT_SETS[:2]),
                          read_status=st.just(False), retry=st.booleans())
STACK = st.sampled_from(STACKS)
ACCOUNT = st.sampled_from(ACCOUNTS)
FACE = st.sampled_from(("dynamic", "native"))
FAULTS = st.sampled_from(("503", "503x3", "429", "timeout", "reset"))


class Violation(AssertionError):
    """A broken promise; one subclass per invariant, so Hypothesis reports each apart."""


def _violation_class(name: str) -> type:
    return type(name, (Violation,), {})


V = {name: _violation_class(name) for name in (
    "Inv1AccountHoldsProgram", "Inv1UnreportedWrite", "Inv2OtherStackChangedAccount",
    "Inv2SecondManager", "Inv2OtherResourceChangedAccount", "Inv3PreviewPredictsWrites",
    "Inv4SecretInClear", "Inv5NoChangePreview", "ReadOnlyOperationWrote",
    "PromisedPathFailed", "DestroyLeftAccount", "TwoResourcesOneAccount")}


@dataclass
class Snapshot:
    accounts: Dict[Key, Dict[str, Any]]
    claims: Dict[str, List[Claim]]
    urns: Dict[str, List[str]]
    sizes: List[int]
    faults: bool


def _over_budget() -> bool:
    if not STATS["start"]:
        STATS["start"] = time.monotonic()
    return not STATS["failing"] and time.monotonic() - STATS["start"] > BUDGET


def _is_final() -> bool:
    try:
        return bool(current_build_context().is_final)
    except Exception:  # outside Hypothesis (a replay)
        return True


def _enabled(name: str) -> bool:
    return name not in EXCLUDED


class LifecycleMachine(RuleBasedStateMachine):
    """Two stacks (`one`, `two`) of one project on one file backend, two emulators."""

    hooks = Bundle("hooks")

    def __init__(self) -> None:
        super().__init__()
        self.world = world()
        #: Once the time budget is spent, sequences run no CLI and touch no emulator, so the
        #: remaining examples end at once. (Preconditions and bundles never depend on what
        #: the CLI answered: Hypothesis would call the draws flaky.)
        self.idle = _over_budget()
        self.steps = 0
        self.story: List[str] = []
        self.programs: Dict[str, List[Hook]] = {name: [] for name in STACKS}
        self.endpoint = {name: self.world.endpoints[0] for name in STACKS}
        self.clean = {name: False for name in STACKS}
        #: Accounts two stacks both manage because one said so (adopt, overwrite, import)
        #: or found the account cleared: changes by either are no violation.
        self.shared: Dict[Key, Set[FrozenSet[str]]] = {}
        #: Accounts changed since the stack last wrote or read them, by a hand edit or
        #: another stack: `up` does not read, so only a refresh (or a write) brings them
        #: back to the program; promise 1 holds for the others.
        self.drift: Dict[str, Set[Key]] = {name: set() for name in STACKS}
        self.counter = 0
        if not self.idle:
            self.sequence = self.world.new_sequence()
            STATS["sequences"] += 1

    # --- helpers ----------------------------------------------------------------------------

    def stack(self, name: str) -> Stack:
        return self.sequence.stacks[name]

    def other(self, name: str) -> str:
        return STACKS[1 - STACKS.index(name)]

    def new_name(self, prefix: str = "h") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def find(self, hid: str) -> Tuple[str, int]:
        for name, hooks in self.programs.items():
            for index, hook in enumerate(hooks):
                if hook.hid == hid:
                    return name, index
        raise KeyError(hid)

    def write(self, name: str) -> None:
        if self.idle:
            return
        self.stack(name).write_program(program_text(self.programs[name]))
        self.clean[name] = False

    def edit(self, hid: str, **changes: Any) -> Tuple[str, Hook, Hook]:
        name, index = self.find(hid)
        old = self.programs[name][index]
        new = old.with_(**changes)
        self.programs[name][index] = new
        self.write(name)
        return name, old, new

    def tell(self, text: str) -> None:
        if self.idle:
            return
        self.steps += 1
        STATS["steps"] += 1
        self.story.append(f"{self.steps:>3}. {text}")

    def fail(self, kind: str, message: str, results: Optional[List[Result]] = None) -> None:
        STATS["failing"] = 1
        if _is_final():
            STATS["violations"] += 1
        tail = ""
        if results:
            last = results[-1]
            tail = f"\n--- last CLI output (pulumi {' '.join(last.args)}, exit {last.code}):\n"
            tail += last.output[-3000:]
        raise V[kind](f"{kind}: {message}\n--- the sequence so far:\n" + "\n".join(self.story)
                      + tail)

    def snapshot(self) -> Snapshot:
        checkpoints = {name: self.sequence.checkpoint(name) for name in STACKS}
        return Snapshot(self.world.accounts(),
                        {name: claims(c) for name, c in checkpoints.items()},
                        {name: urns(c) for name, c in checkpoints.items()},
                        self.world.log_sizes(), self.world.faults_queued())

    def program_urns(self, name: str) -> Dict[str, Hook]:
        return {hook.urn(name): hook for hook in self.programs[name]}

    def key(self, name: str, hook: Hook) -> Key:
        return (self.endpoint[name], hook.account)

    def duplicates(self, name: str) -> bool:
        accounts = [hook.account for hook in self.programs[name]]
        return len(accounts) != len(set(accounts))

    def promised_up(self, name: str, before: Snapshot, replace_urn: str = "") -> bool:
        """Whether the docs promise this `up` succeeds: no fault queued, one resource per
        account, and each resource either exists already (same URN or an alias, same
        endpoint and account) or goes to a cleared account no other stack manages, or says
        overwrite."""
        if before.faults or self.duplicates(name):
            return False
        mine = {c.urn: c.key for c in before.claims[name]}
        for hook in self.programs[name]:
            key = self.key(name, hook)
            if mine.get(hook.urn(name)) == key or any(mine.get(a) == key for a in hook.aliases):
                continue
            taken = any(key == c.key for other in STACKS if other != name
                        for c in before.claims[other])
            held = before.accounts.get(key)
            if hook.overwrite or (held == CLEARED and not taken and not hook.adopt):
                continue
            if hook.adopt and held == hook.settings.wire() and not taken:
                continue  # adopt takes an account only if it already holds the settings
            return False
        return not replace_urn or replace_urn in mine

    # --- the checks after every engine step -------------------------------------------------

    def scan_secrets(self, results: List[Result]) -> None:
        texts = [(f"output of pulumi {' '.join(r.args)}", r.output) for r in results]
        for name in STACKS:
            path = self.sequence.backend / ".pulumi" / "stacks" / "fz" / f"{name}.json"
            if path.exists():
                texts.append((f"state of {name}", path.read_text()))
            config = self.stack(name).root / f"Pulumi.{name}.yaml"
            texts.append((f"Pulumi.{name}.yaml", config.read_text()))
        for where, text in texts:
            for secret in (API_KEY, SECRET_MARK):
                at = text.find(secret)
                if at >= 0:
                    shown = text[max(0, at - 300):at + 100]
                    self.fail("Inv4SecretInClear",
                              f"{secret!r} in clear in the {where}:\n...{shown}...", results)

    def check(self, name: str, op: str, before: Snapshot, results: List[Result],
              promised: bool = False, preview: Optional[Dict[str, Any]] = None,
              replaced: str = "") -> Snapshot:
        """Every invariant after `op` on stack `name` (results: its CLI runs, last = op;
        `replaced`: the URN of an `up --replace`)."""
        after = self.snapshot()
        # Documented limit (docs/ownership.md): the engine shows a provider nothing of a
        # `--replace` target's state, so a replace in the `up` that also moves the endpoint
        # writes the target's number on the new endpoint as its own.
        moved_by_replace = {(endpoint, number) for endpoint, number in after.accounts
                            for c in before.claims[name]
                            if c.urn == replaced and c.key[1] == number
                            and c.key[0] != endpoint}
        final = results[-1]
        ok = final.code == 0
        calls = self.world.calls_since(before.sizes)
        writes = [(endpoint, body) for endpoint, call, body in calls if call == "setWebhook"]
        written = sorted({body.get("from") for _, body in writes})
        self.story[-1] += f"  -> exit {final.code}" + (f", wrote {written}" if written else "")
        self.scan_secrets(results)
        changed = [k for k, v in after.accounts.items() if before.accounts.get(k) != v]
        for stack in STACKS:
            if stack != name:
                self.drift[stack].update(changed)
        if op in ("refresh", "recover") and ok:
            self.drift[name].clear()
        self.drift[name].difference_update((endpoint, str(body.get("from")))
                                           for endpoint, body in writes)

        if op in ("preview", "refresh", "import", "move", "inspect") and writes:
            self.fail("ReadOnlyOperationWrote", f"`{op}` of {name} wrote {written}", results)
        if op == "preview" and calls:
            self.fail("Inv5NoChangePreview", f"preview of {name} called the API: {calls}",
                      results)
        if promised and not ok:
            self.fail("PromisedPathFailed", f"`{op}` of {name} failed", results)

        # 2: new managers of an account
        for stack in STACKS:
            had = {c.key for c in before.claims[stack]}
            program = self.program_urns(stack)
            for claim in after.claims[stack]:
                if claim.key in had:
                    continue
                others = [o for o in STACKS if o != stack
                          and any(c.key == claim.key for c in before.claims[o])]
                hook = program.get(claim.urn)
                said = op in ("import", "move") or (hook is not None
                                                    and (hook.adopt or hook.overwrite)) or (
                    stack == name and claim.urn == replaced and claim.key in moved_by_replace)
                held = before.accounts.get(claim.key)
                if said or held == CLEARED:
                    for o in others:
                        self.shared.setdefault(claim.key, set()).add(frozenset((stack, o)))
                    continue
                if others:
                    self.fail("Inv2SecondManager",
                              f"{stack} now manages account {claim.key[1]} ({claim.urn}), which "
                              f"{others} manages, without adopt, overwrite or import "
                              f"(it held {held})", results)
                self.fail("Inv2SecondManager",
                          f"{stack} took over account {claim.key[1]} ({claim.urn}), which held "
                          f"a configuration made elsewhere ({held}), without adopt, overwrite "
                          "or import", results)

        # 2: changes by this operation to accounts that another stack manages
        for key in changed:
            for stack in STACKS:
                if stack == name or frozenset((stack, name)) in self.shared.get(key, set()) \
                        or key in moved_by_replace:
                    continue
                if any(c.key == key for c in before.claims[stack]) and any(
                        c.key == key for c in after.claims[stack]):
                    self.fail("Inv2OtherStackChangedAccount",
                              f"`{op}` of {name} changed account {key[1]} that {stack} manages: "
                              f"{before.accounts[key]} -> {after.accounts[key]}", results)

        if op in ("up", "replace", "recover"):
            program = self.program_urns(name)
            mine_after = {c.urn: c.key for c in after.claims[name]}
            for key in changed:
                value = after.accounts[key]
                managers = [u for u, k in mine_after.items() if k == key and u in program]
                # Two declarations of one account fail the run, but the engine may create the
                # copy before it checks the resource that manages the account: the provider
                # cannot see that resource's state yet. The copy writes when its `overwrite`
                # says so, or when the account was cleared (nothing is lost).
                copy_wrote = not ok and self.duplicates(name) and (
                    before.accounts.get(key) == CLEARED or any(
                        program[u].overwrite and program[u].settings.wire() == value
                        for u in managers))
                for urn in managers:
                    want = program[urn].settings.wire()
                    if value != want and not copy_wrote:
                        self.fail("Inv2OtherResourceChangedAccount",
                                  f"account {key[1]}, managed by {urn}, was changed by `{op}` "
                                  f"of {name} to {value}; the resource states {want}", results)
                if managers or key in mine_after.values():
                    continue
                hooks = [h for h in self.programs[name] if self.key(name, h) == key]
                reported = not ok and any(h.name in final.output or key[1] in final.output
                                          for h in hooks)
                was_mine = any(c.key == key for c in before.claims[name])
                if value == CLEARED and was_mine or reported:
                    continue
                self.fail("Inv1UnreportedWrite",
                          f"`{op}` of {name} changed account {key[1]} to {value}, but no "
                          "resource of the stack records it and the output reports no error "
                          "for it", results)
            # (with --skip-preview the resources registered before the second one are
            # written: the promise is that the run fails, and a preview writes nothing)
            if self.duplicates(name) and ok:
                self.fail("TwoResourcesOneAccount",
                          f"{name}'s program has two resources on one account, yet `{op}` "
                          "succeeded", results)
            if ok:
                for hook in self.programs[name]:
                    held = after.accounts[self.key(name, hook)]
                    drifted = self.key(name, hook) in self.drift[name]
                    if held != hook.settings.wire() and not drifted:
                        self.fail("Inv1AccountHoldsProgram",
                                  f"after a successful `{op}` of {name}, account {hook.account} "
                                  f"holds {held}, the program states {hook.settings.wire()}",
                                  results)
                if sorted(mine_after) != sorted(program):
                    self.fail("Inv1AccountHoldsProgram",
                              f"after a successful `{op}` of {name} the state holds "
                              f"{sorted(mine_after)}, the program {sorted(program)}", results)
                self.clean[name] = True
                for hooks in self.programs.values():
                    for index, hook in enumerate(hooks):
                        if hook.urn(name) in mine_after:
                            hooks[index] = hook.with_(aliases=())
            else:
                self.clean[name] = False
        if op == "destroy" and ok:
            for claim in before.claims[name]:
                if after.accounts[claim.key] != CLEARED:
                    self.fail("DestroyLeftAccount",
                              f"destroy of {name} left account {claim.key[1]} holding "
                              f"{after.accounts[claim.key]}", results)
        if preview is not None:
            self.check_prediction(name, preview, before, after, writes, results)
        for emulator in self.world.emulators:
            emulator.clear_faults()  # a fault is for the one operation after it
        return after

    def check_prediction(self, name: str, preview: Dict[str, Any], before: Snapshot,
                         after: Snapshot, writes: List[Tuple[str, Dict[str, Any]]],
                         results: List[Result]) -> None:
        """3: the writes of the `up` against what the `preview --json` before it announced."""
        program = self.program_urns(name)
        mine = {c.urn: c.key for c in before.claims[name]}
        allowed: Dict[Key, List[Dict[str, Any]]] = {}
        required: Set[Key] = set()
        for step in preview.get("steps") or []:
            op, urn = step.get("op"), step.get("urn", "")
            if op in ("create", "update", "replace", "create-replacement", "import"):
                hook = program.get(urn)
                if hook is not None:
                    key = self.key(name, hook)
                    allowed.setdefault(key, []).append(hook.settings.wire())
                    if op == "update" and SETTING_DIFFS & set(step.get("diffReasons") or []):
                        required.add(key)
            if op in ("delete", "delete-replaced", "replace", "discard") and urn in mine:
                allowed.setdefault(mine[urn], []).append(CLEARED)
        per_key: Dict[Key, int] = {}
        for endpoint, body in writes:
            key = (endpoint, str(body.get("from")))
            per_key[key] = per_key.get(key, 0) + 1
            if wire_of_body(body) not in allowed.get(key, []):
                self.fail("Inv3PreviewPredictsWrites",
                          f"`up` wrote {wire_of_body(body)} to account {key[1]}; the preview "
                          f"announced {allowed.get(key, 'no change')} for it", results)
        if results[-1].code == 0:
            for key in required - set(per_key):
                self.fail("Inv3PreviewPredictsWrites",
                          f"the preview announced a settings update of account {key[1]}, the "
                          "`up` wrote nothing", results)
        if not before.faults:
            for key, count in per_key.items():
                if count > 1:
                    self.fail("Inv3PreviewPredictsWrites",
                              f"`up` wrote account {key[1]} {count} times", results)

    # --- program edits (no CLI run) ---------------------------------------------------------

    @initialize(target=hooks, hooks=st.lists(
        st.tuples(ACCOUNT, FACE, SETTINGS), min_size=1, max_size=3,
        unique_by=lambda spec: spec[0]))
    def deployed_program(self, hooks: List[Tuple[str, str, Settings]]) -> Any:
        """Every sequence starts from stack `one` with 1-3 Webhooks, deployed."""
        made = []
        for account, face, settings in hooks:
            hid = self.new_name()
            self.programs["one"].append(Hook(hid, hid, face, account, settings))
            made.append(hid)
        self.write("one")
        if not self.idle:
            self.tell("one: program " + "; ".join(
                f"{h.face} {h.name} on {h.account} {h.settings}" for h in self.programs["one"]))
            self.up("one", False)
        return multiple(*made)

    @precondition(lambda self: _enabled("second_stack"))
    @rule(target=hooks, hook=hooks, same_settings=st.booleans(), face=FACE)
    def second_stack(self, hook: str, same_settings: bool, face: str) -> str:
        """The other stack's program gains a Webhook on the same account, with the same
        settings or others (as a colleague's copy of the project would), and that stack
        runs `pulumi up`."""
        name, index = self.find(hook)
        model = self.programs[name][index]
        settings = model.settings if same_settings else model.settings.__class__(
            url="https://other.example.com/wa", retry=True)
        hid = self.new_name()
        other = self.other(name)
        self.programs[other].append(Hook(hid, hid, face, model.account, settings))
        self.write(other)
        if not self.idle:
            self.tell(f"{other}: program adds {face} {hid} on {model.account} (the account of "
                      f"{name}'s {model.name}) with {'the same' if same_settings else 'other'} "
                      "settings")
            self.up(other, False)
        return hid

    @precondition(lambda self: _enabled("add_hook"))
    @rule(target=hooks, stack=STACK, account=ACCOUNT, face=FACE, settings=SETTINGS,
          flag=st.sampled_from(("", "adopt", "overwrite")))
    def add_hook(self, stack: str, account: str, face: str, settings: Settings,
                 flag: str) -> str:
        hid = self.new_name()
        hook = Hook(hid, hid, face, account, settings, adopt=flag == "adopt",
                    overwrite=flag == "overwrite")
        self.programs[stack].append(hook)
        self.write(stack)
        if not self.idle:
            self.tell(f"{stack}: program adds {face} {hid} on {account} {settings}"
                      + (f" {flag}=True" if flag else ""))
        return hid

    @precondition(lambda self: _enabled("remove_hook"))
    @rule(hook=consumes(hooks))
    def remove_hook(self, hook: str) -> None:
        name, index = self.find(hook)
        removed = self.programs[name].pop(index)
        self.write(name)
        self.tell(f"{name}: program removes {removed.name}")

    @precondition(lambda self: _enabled("rename_hook"))
    @rule(hook=hooks, alias=st.booleans())
    def rename_hook(self, hook: str, alias: bool) -> None:
        name, index = self.find(hook)
        old = self.programs[name][index]
        new_name = f"{old.hid}r{self.new_name('')}"
        self._move(hook, alias, name=new_name)
        self.tell(f"{name}: program renames {old.name} to {new_name}"
                  + (" with an alias" if alias else " (no alias)"))

    @precondition(lambda self: _enabled("reparent_hook"))
    @rule(hook=hooks, alias=st.booleans())
    def reparent_hook(self, hook: str, alias: bool) -> None:
        name, index = self.find(hook)
        old = self.programs[name][index]
        self._move(hook, alias, parent=not old.parent)
        where = "into the component grp" if not old.parent else "out of the component"
        self.tell(f"{name}: program moves {old.name} {where}"
                  + (" with an alias" if alias else " (no alias)"))

    def _move(self, hid: str, alias: bool, **changes: Any) -> None:
        name, index = self.find(hid)
        old = self.programs[name][index]
        new = old.with_(**changes)
        aliases = (set(old.aliases) | {old.urn(name)}) - {new.urn(name)} if alias else set()
        self.edit(hid, aliases=tuple(sorted(aliases)), **changes)

    @precondition(lambda self: _enabled("change_settings"))
    @rule(hook=hooks, settings=SETTINGS)
    def change_settings(self, hook: str, settings: Settings) -> None:
        name, old, _ = self.edit(hook, settings=settings)
        self.tell(f"{name}: program sets {old.name} to {settings}")

    @precondition(lambda self: _enabled("change_url"))
    @rule(hook=hooks, url=st.sampled_from((None,) + PLAIN_URLS + SECRET_URLS))
    def change_url(self, hook: str, url: Optional[str]) -> None:
        name, index = self.find(hook)
        old = self.programs[name][index]
        settings = old.settings.__class__(**{**old.settings.__dict__, "url": url,
                                             "secret": url in SECRET_URLS})
        self.edit(hook, settings=settings)
        self.tell(f"{name}: program sets {old.name}'s url to "
                  f"{'secret ' if url in SECRET_URLS else ''}{url!r}")

    @precondition(lambda self: _enabled("toggle_flag"))
    @rule(hook=hooks, flag=st.sampled_from(("adopt", "overwrite")))
    def toggle_flag(self, hook: str, flag: str) -> None:
        name, index = self.find(hook)
        old = self.programs[name][index]
        self.edit(hook, **{flag: not getattr(old, flag)})
        self.tell(f"{name}: program sets {old.name} {flag}={not getattr(old, flag)}")

    @precondition(lambda self: _enabled("switch_face"))
    @rule(hook=hooks)
    def switch_face(self, hook: str) -> None:
        name, index = self.find(hook)
        old = self.programs[name][index]
        face = "native" if old.face == "dynamic" else "dynamic"
        self.edit(hook, face=face, aliases=())
        self.tell(f"{name}: program swaps {old.name} from {old.face} to {face}")

    @precondition(lambda self: _enabled("change_account"))
    @rule(hook=hooks, account=ACCOUNT)
    def change_account(self, hook: str, account: str) -> None:
        name, old, _ = self.edit(hook, account=account)
        self.tell(f"{name}: program moves {old.name} from account {old.account} to {account}")

    # --- engine operations ------------------------------------------------------------------

    @precondition(lambda self: _enabled("up"))
    @rule(stack=STACK, verbose=st.sampled_from((False, False, False, True)))
    def up(self, stack: str, verbose: bool) -> None:
        if self.idle:
            return
        self.tell(f"{stack}: pulumi up" + (" -v=9" if verbose else ""))
        before = self.snapshot()
        promised = self.promised_up(stack, before)
        extra = ("-v=9", "--logtostderr") if verbose else ()
        result = self.stack(stack).up(*extra, check=False)
        self.check(stack, "up", before, [result], promised=promised)

    @precondition(lambda self: _enabled("preview_then_up"))
    @rule(stack=STACK)
    def preview_then_up(self, stack: str) -> None:
        if self.idle:
            return
        self.tell(f"{stack}: pulumi preview --json, then pulumi up")
        before = self.snapshot()
        promised = self.promised_up(stack, before)
        preview = self.stack(stack).pulumi("preview", "--json", check=False)
        after_preview = self.check(stack, "preview", before, [preview])
        try:
            plan = json.loads(preview.stdout)
        except ValueError:
            plan = {}
        if preview.code != 0:
            # A failed preview announces nothing: the user's `up` (with its own preview)
            # must then fail and write nothing.
            self.story[-1] += " (preview failed: pulumi up with its preview)"
            result = self.stack(stack).pulumi("up", "--yes", check=False)
            self.check(stack, "up", after_preview, [preview, result], preview={"steps": []})
            return
        self.story[-1] += " (preview)"
        result = self.stack(stack).up(check=False)
        self.check(stack, "up", after_preview, [preview, result], promised=promised,
                   preview=plan)

    @precondition(lambda self: _enabled("preview_no_change"))
    @rule(stack=STACK)
    def preview_no_change(self, stack: str) -> None:
        if self.idle:
            return
        if not self.clean[stack]:
            stack = self.other(stack)
        if not self.clean[stack]:
            self.tell("(preview --expect-no-changes: no stack is right after its up, skipped)")
            return
        self.tell(f"{stack}: pulumi preview --expect-no-changes (right after its up)")
        before = self.snapshot()
        result = self.stack(stack).preview("--expect-no-changes", check=False)
        self.check(stack, "preview", before, [result])
        if result.code != 0:
            self.fail("Inv5NoChangePreview", f"no-change preview of {stack} shows changes",
                      [result])

    @precondition(lambda self: _enabled("up_replace"))
    @rule(hook=hooks)
    def up_replace(self, hook: str) -> None:
        if self.idle:
            return
        name, index = self.find(hook)
        target = self.programs[name][index]
        urn = target.urn(name)
        before = self.snapshot()
        if urn not in before.urns[name]:
            self.tell(f"{name}: (pulumi up --replace {target.name}: not deployed, skipped)")
            return
        self.tell(f"{name}: pulumi up --replace {target.name}")
        promised = self.promised_up(name, before, replace_urn=urn)
        result = self.stack(name).up("--replace", urn, check=False)
        self.check(name, "replace", before, [result], promised=promised, replaced=urn)

    @precondition(lambda self: _enabled("refresh"))
    @rule(stack=STACK)
    def refresh(self, stack: str) -> None:
        if self.idle:
            return
        before = self.snapshot()
        if not before.urns[stack]:
            self.tell(f"({stack}: pulumi refresh: nothing deployed, skipped)")
            return
        self.tell(f"{stack}: pulumi refresh")
        result = self.stack(stack).refresh(check=False)
        self.check(stack, "refresh", before, [result], promised=not before.faults)
        self.clean[stack] = False

    @precondition(lambda self: _enabled("destroy"))
    @rule(stack=STACK)
    def destroy(self, stack: str) -> None:
        if self.idle:
            return
        before = self.snapshot()
        if not before.urns[stack]:
            self.tell(f"({stack}: pulumi destroy: nothing deployed, skipped)")
            return
        self.tell(f"{stack}: pulumi destroy")
        result = self.stack(stack).destroy(check=False)
        self.check(stack, "destroy", before, [result], promised=not before.faults)
        self.clean[stack] = False

    @precondition(lambda self: _enabled("import_account"))
    @rule(target=hooks, stack=STACK, account=ACCOUNT, keep=st.booleans())
    def import_account(self, stack: str, account: str, keep: bool) -> Any:
        """`pulumi import` of an account; with `keep` the program then states the resource
        with the settings the account holds (as the docs say to write it), else the next
        `up` deletes it again."""
        name = self.new_name("imp")
        if not self.idle:
            self.tell(f"{stack}: pulumi import --protect=false wa-webhook:index:Webhook {name} "
                      f"{account}"
                      + (", and the program gains it" if keep else " (the program does not)"))
            before = self.snapshot()
            # Unprotected, so an `up` of a program without it may delete it (an import is
            # protected by default; a user who does not keep it runs `state unprotect`).
            result = self.stack(stack).pulumi("import", NATIVE_TYPE, name, account, "--yes",
                                              "--skip-preview", "--generate-code=false",
                                              "--protect=false", check=False)
            self.check(stack, "import", before, [result])
            self.clean[stack] = False
        if not keep:
            return multiple()
        held = CLEARED if self.idle else self.world.accounts()[(self.endpoint[stack], account)]
        url = held["url"] or None
        settings = Settings(url=url, secret=bool(url and SECRET_MARK in url),
                            system=bool(held["system"]),
                            alerts=tuple(a for a in held["systemPhoneAlert"].split(",") if a),
                            read_status=bool(held["readStatus"]), retry=bool(held["retry"]))
        self.programs[stack].append(Hook(name, name, "native", account, settings))
        self.write(stack)
        return name

    @precondition(lambda self: _enabled("move_hook"))
    @rule(hook=hooks)
    def move_hook(self, hook: str) -> None:
        if self.idle:
            return
        source, index = self.find(hook)
        moved = self.programs[source][index]
        dest = self.other(source)
        before = self.snapshot()
        if moved.parent or moved.urn(source) not in before.urns[source]:
            self.tell(f"{source}: (state move of {moved.name}: not deployed at the root, "
                      "skipped)")
            return
        self.tell(f"pulumi state move {moved.name} ({moved.face}) from {source} to {dest}, "
                  "and the code with it")
        result = run(self.stack(source), "state", "move", "--source", source, "--dest", dest,
                     "--yes", moved.urn(source))
        self.check(source, "move", before, [result])
        if result.code == 0:
            self.programs[source].pop(index)
            self.programs[dest].append(moved.with_(aliases=()))
            self.write(source)
            self.write(dest)

    @precondition(lambda self: _enabled("kill_up_and_recover"))
    @rule(stack=STACK)
    def kill_up_and_recover(self, stack: str) -> None:
        """An `up` killed (SIGKILL, every plugin too) while a write is in flight, then the
        recovery docs/errors.md gives (today: cancel, refresh --clear-pending-creates, up)."""
        if self.idle:
            return
        recipe = "; ".join("pulumi " + " ".join(c) for c in recovery_recipe())
        self.tell(f"{stack}: pulumi up, killed while a write is in flight; then {recipe}")
        before = self.snapshot()
        promised = self.promised_up(stack, before)
        target = self.world.emulator(self.endpoint[stack])
        delay = 2.0
        target.add_fault("setWebhook", times=1, delay=delay)
        start = target.count("setWebhook")
        handle = self.stack(stack)
        process = start_up(handle)
        deadline = time.monotonic() + 120
        while target.count("setWebhook") == start and process.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        killed = process.poll() is None
        if killed:
            kill_session(process)
        stdout, stderr = process.communicate(timeout=60)
        killed_run = Result(["up (killed)" if killed else "up"], process.returncode, stdout,
                            stderr)
        handle.transcript.append(killed_run)
        target.clear_faults()
        if not killed:
            self.story[-1] += " (the up ended before any write)"
            self.check(stack, "up", before, [killed_run], promised=promised)
            return
        time.sleep(delay + 0.5)  # the write in flight lands meanwhile
        results = [killed_run]
        mid = self.snapshot()
        for command in recovery_recipe():
            if command and command[0] == "up":
                mid = self.snapshot()
            results.append(handle.pulumi(*self.recipe_step(stack, command), check=False))
        message, follow_up = first_create_recovery()
        last = results[-1]
        if last.code != 0 and message and message in " ".join(last.output.split()):
            # An interrupted first create: the docs' next step (today WA_WEBHOOK_ADOPT=1).
            mid = self.snapshot()
            for env, command in follow_up:
                results.append(handle.pulumi(*self.recipe_step(stack, command), env=env,
                                             check=False))
            self.story[-1] += "; then " + "; ".join(
                " ".join([*(f"{k}={v}" for k, v in env.items()), "pulumi", *command])
                for env, command in follow_up)
        for step in results[1:-1]:
            if step.code != 0 and step is not last:
                self.fail("PromisedPathFailed", f"recovery step `pulumi {step.args[0]}` failed",
                          results)
        # The recovery re-sends only what is missing.
        for endpoint, call, body in self.world.calls_since(mid.sizes):
            key = (endpoint, str(body.get("from")))
            hooks = [h for h in self.programs[stack] if self.key(stack, h) == key]
            # (a delete clears without reading first: clearing a cleared account is no
            # re-send of settings)
            if (call == "setWebhook" and mid.accounts.get(key) == wire_of_body(body) != CLEARED
                    and not any(h.overwrite for h in hooks)):
                self.fail("PromisedPathFailed",
                          f"the recovery `up` re-sent settings account {key[1]} already held",
                          results)
        self.check(stack, "recover", before, results, promised=promised)

    def recipe_step(self, stack: str, command: List[str]) -> List[str]:
        """One command of the documented recovery, made non-interactive; placeholders after
        `--import-pending-creates` (upper-case words, or <...>) become the pending creates'
        URN and account (the flag is dropped when there is none)."""
        args: List[str] = []
        words = iter(command)
        for word in words:
            if word == "--import-pending-creates":
                placeholders = []
                for nxt in words:
                    if nxt.isupper() or nxt.startswith("<"):
                        placeholders.append(nxt)
                        continue
                    args.append(nxt)
                    break
                pairs = pending_creates(self.sequence.checkpoint(stack))
                if pairs:
                    args.append(word)
                    for urn, number in pairs:
                        args += [urn, number]
                continue
            args.append(word)
        if args and args[0] in ("up", "refresh", "destroy") and "--yes" not in args:
            args.append("--yes")
        if args and args[0] in ("up", "refresh") and "--skip-preview" not in args:
            args.append("--skip-preview")
        return args

    @precondition(lambda self: _enabled("inspect"))
    @rule(stack=STACK)
    def inspect(self, stack: str) -> None:
        if self.idle:
            return
        self.tell(f"{stack}: pulumi stack output --json; pulumi stack export")
        before = self.snapshot()
        handle = self.stack(stack)
        output = handle.pulumi("stack", "output", "--json", "--stack", stack, check=False)
        export = handle.pulumi("stack", "export", "--stack", stack, check=False)
        self.check(stack, "inspect", before, [output, export])

    # --- the world --------------------------------------------------------------------------

    @precondition(lambda self: _enabled("hand_edit"))
    @rule(account=ACCOUNT, endpoint=st.sampled_from((0, 1)), settings=HAND_SETTINGS)
    def hand_edit(self, account: str, endpoint: int, settings: Settings) -> None:
        if self.idle:
            return
        wire = settings.wire()
        self.world.emulators[endpoint].set_account(account, **wire)
        for name in STACKS:
            self.drift[name].add((self.world.endpoints[endpoint], account))
        self.tell(f"world: account {account} on endpoint {endpoint} edited by hand to {wire}")

    @precondition(lambda self: _enabled("api_fault"))
    @rule(account=ACCOUNT, kind=FAULTS)
    def api_fault(self, account: str, kind: str) -> None:
        if self.idle:
            return
        what: Dict[str, Any] = {
            "503": {"status": 503}, "503x3": {"status": 503, "times": 3},
            "429": {"status": 429}, "timeout": {"delay": 1.6}, "reset": {"reset": True},
        }[kind]
        for emulator in self.world.emulators:
            emulator.add_fault("*", account=account, **what)
        self.tell(f"world: the next API operation on account {account} meets fault {kind}")

    @precondition(lambda self: _enabled("switch_endpoint"))
    @rule(stack=STACK)
    def switch_endpoint(self, stack: str) -> None:
        if self.idle:
            return
        endpoints = self.world.endpoints
        new = endpoints[1 - endpoints.index(self.endpoint[stack])]
        self.tell(f"{stack}: pulumi config set wa-webhook:endpoint to endpoint "
                  f"{endpoints.index(new)}")
        result = self.stack(stack).pulumi("config", "set", "wa-webhook:endpoint", new,
                                          "--stack", stack, check=False)
        if result.code == 0:
            self.endpoint[stack] = new
            self.clean[stack] = False

    def teardown(self) -> None:
        if self.idle:
            return
        if self.steps >= 8:
            STATS["long"] += 1
        for name in STACKS:
            STATS["cli"] += len(self.stack(name).transcript)
            self.stack(name).transcript.clear()
        log = os.environ.get("FUZZ_LOG")
        if log:  # every sequence's story, for a look at what the run did
            with open(log, "a") as handle:
                handle.write(f"--- sequence {STATS['sequences']}\n" + "\n".join(self.story)
                             + "\n")


def _shrink_budget() -> None:
    """FUZZ_SHRINK_SECONDS: how long Hypothesis may shrink a failure (its own limit is 300 s;
    on a busy machine one replay of a sequence takes most of a minute)."""
    seconds = os.environ.get("FUZZ_SHRINK_SECONDS")
    if seconds:
        from hypothesis.internal.conjecture import engine

        engine.MAX_SHRINKING_SECONDS = int(seconds)


def test_lifecycle_sequences() -> None:
    """Random sequences until the time budget (FUZZ_BUDGET seconds) is spent."""
    if os.environ.get("FUZZ_REPLAY"):
        pytest.skip("FUZZ_REPLAY: only the replay runs")
    if "FUZZ_BUDGET" not in os.environ:
        pytest.skip("run by `make fuzz` (set FUZZ_BUDGET, seconds)")
    _shrink_budget()
    run_state_machine_as_test(
        LifecycleMachine,
        settings=run_settings(max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "1000")),
                          stateful_step_count=STEPS, deadline=None, database=None,
                          report_multiple_bugs=False,
                          suppress_health_check=list(HealthCheck), print_blob=True),
    )


def test_replay() -> None:
    """The steps Hypothesis printed for a failure (FUZZ_REPLAY=file), run again as written."""
    path = os.environ.get("FUZZ_REPLAY")
    if not path:
        pytest.skip("set FUZZ_REPLAY to a file holding the printed steps")
    code = Path(path).read_text()
    namespace: Dict[str, Any] = {"LifecycleMachine": LifecycleMachine, "Settings": Settings,
                                 "make_settings": make_settings}
    exec(compile(code, path, "exec"), namespace)  # noqa: S102 - the developer's own file

