"""The commands of examples/ci/wa-webhooks.yml (GitHub Actions), run here against the emulator.

The workflow file itself cannot run here. This test reads it and runs, in a checkout copy of
the root project's `prod` stack on the shared S3 backend (moto), every `run:` step of the
deploy, preview and drift jobs exactly as written (`${{ matrix.stack }}` = prod), with the
workflow's environment filled from stand-in CI secrets. Two things differ from a real runner,
both because this machine has no network: `pulumi install` (which creates the project's
virtualenv from requirements.txt) is skipped, the copy using the test venv instead, and
`WA_WEBHOOK_ENDPOINT` points the provider at the emulator.
"""

from __future__ import annotations

import re
import subprocess
from typing import Dict, List

import yaml
from harness import REPO, Result, Stack

WORKFLOW = REPO / "examples" / "ci" / "wa-webhooks.yml"
KEY = "ci-prod-key-5e0c1b"  # only in the CI secret store: the prod stack has no apiKey
PASSPHRASE = "ci-prod-passphrase"
SUPPORT, SALES = "972500000301", "972500000302"
SECRET = re.compile(r"\$\{\{\s*secrets\.(\w+)\s*\}\}")


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def job_commands(job: str, stack: str) -> List[str]:
    """The job's `run:` steps for one matrix stack, minus `pulumi install`."""
    steps = workflow()["jobs"][job]["steps"]
    runs = [step["run"].replace("${{ matrix.stack }}", stack) for step in steps if "run" in step]
    assert runs[0] == "pulumi install"
    return runs[1:]


def ci_env(secrets: Dict[str, str]) -> Dict[str, str]:
    """The workflow's top-level `env:` with `${{ secrets.X }}` taken from `secrets`."""
    env = {}
    for name, value in workflow()["env"].items():
        match = SECRET.fullmatch(str(value))
        env[name] = secrets[match.group(1)] if match else str(value)
    return env


def run_job(stack: Stack, job: str, env: Dict[str, str]) -> Result:
    """Every command of `job` in the checkout, as the runner's shell would; the last result."""
    result = None
    for command in job_commands(job, stack.name):
        proc = subprocess.run(["bash", "-c", command], cwd=stack.root, env=dict(stack.env, **env),
                              capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL)
        result = Result([job, command], proc.returncode, proc.stdout, proc.stderr)
        stack.transcript.append(result)
        if proc.returncode != 0:
            break
    assert result is not None
    return result


def test_workflow_shape_previews_on_pull_requests_and_checks_drift_nightly():
    flow = workflow()
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true
    assert {"pull_request", "push", "schedule"} <= set(triggers)
    assert "pull_request" in flow["jobs"]["preview"]["if"]
    assert "schedule" in flow["jobs"]["drift"]["if"]
    assert job_commands("drift", "prod") == [
        "pulumi preview --stack prod --refresh --expect-no-changes --diff --non-interactive"]
    # The API key comes from the CI secret store, never from the file.
    assert flow["env"]["WA_WEBHOOK_API_KEY"] == "${{ secrets.WA_WEBHOOK_API_KEY }}"


def test_ci_deploy_preview_and_drift_commands_against_the_emulator(machine, emulator,
                                                                   s3_backend):
    for number in (SUPPORT, SALES):
        emulator.add_account(number, KEY)
    server, bucket = s3_backend
    stack = machine("ci-runner", stack="prod", passphrase=PASSPHRASE)  # once: `stack init prod`
    env = dict(ci_env({"PULUMI_BACKEND_URL": server.backend_url(bucket),
                       "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
                       "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "WA_WEBHOOK_API_KEY": KEY}),
               WA_WEBHOOK_ENDPOINT=emulator.base_url)

    deployed = run_job(stack, "deploy", env)
    assert deployed.code == 0, deployed.output
    assert emulator.account(SUPPORT)["url"] == "https://hooks.example.com/whatsapp/support"

    emulator.clear_requests()
    previewed = run_job(stack, "preview", env)
    assert previewed.code == 0, previewed.output
    assert emulator.requests() == []  # a preview reads nothing and writes nothing
    clean = run_job(stack, "drift", env)
    assert clean.code == 0, clean.output
    assert emulator.count("getWebhook") == 2 and emulator.count("setWebhook") == 0

    emulator.set_account(SALES, url="https://attacker.example.net/hook", retry=0)
    drift = run_job(stack, "drift", env)
    assert drift.code != 0
    out = drift.output
    assert "error: no changes were expected for preview but changes were proposed" in out
    # Which stack, which account, which settings, old => new (first as refresh found them,
    # then as the next `up` would put them back); the key only as [secret].
    assert "Previewing update (prod)" in out
    assert "[id=972500000302]" in out and "[id=972500000301]" not in out
    assert re.search(r'~ url +: "https://hooks.example.com/whatsapp/sales" => '
                     r'"https://attacker.example.net/hook"', out), out
    # retry was switched off: refresh shows it leaving the state (which holds no setting at
    # its default), and the update that would put it back adds it (the refreshed inputs have
    # the shape check gives them: no setting at its default); no other setting is marked.
    assert re.search(r"- retry +: true", out) and re.search(r"\+ retry +: true", out), out
    marked = re.findall(r"^\s*[-+~] ([a-z_]+)\s+:", out, flags=re.M)
    assert sorted(marked) == ["retry", "retry", "url", "url"], out
    # (The key from the environment is kept once, in the outputs: the update shows no api_key
    # line, and wherever one shows, its value is [secret].)
    assert all(shown == "[secret]" for shown in re.findall(r"api_key +: (\S+)", out)), out
    assert "1 to update" in out
    assert emulator.count("setWebhook") == 0  # the check never repairs
    # The key came from the environment: still only encrypted in the state, never printed.
    assert KEY not in stack.all_output()
    for name, content in server.objects(bucket).items():
        assert KEY.encode() not in content, f"API key in clear in {name}"
    [hook] = [r for r in stack.export()["deployment"]["resources"]
              if r["outputs"].get("from_number") == SUPPORT]
    assert hook["outputs"]["api_key"]["4dabf18193072939515e22adb298388d"] == (
        "1b47061264138c4ac30d75fd1eb44270")  # Pulumi's secret signature
