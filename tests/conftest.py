"""Shared fixtures: the Pulumi CLI, a stack factory on a local file backend, the emulator.

Tests live by layer: `unit/` (no Pulumi CLI), `engine/` (the real CLI and engine: every test
there is marked `engine` by its folder); helpers are in `support/` (on the path, see
pyproject.toml). tests/README.md maps each behaviour to its tests.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import ssl
import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest
from harness import REPO, SECRETS_PROVIDER, Stack, base_env
from receivers import Receiver
from s3_server import AWS_ENV, MOTO_SERVER, S3Server, running_s3_server
from webhook_programs import KEY_1, webhook_program

from pulumi_wa_webhook.config import CONFIG_KEYS

ENGINE_TESTS = Path(__file__).parent / "engine"

pytest_plugins = ["pulumi_wa_webhook.emulator.testing", "sdk_programs", "plugin_fixtures",
                  "release_files"]


def tool_dir(variable: str, script: str) -> str:
    """The directory in `variable` (the make targets set it), else the last line `script`
    prints (it may build the tool once)."""
    preset = os.environ.get(variable)
    if preset:
        return preset
    result = subprocess.run(
        [str(REPO / "tools" / script)], capture_output=True, text=True, check=True
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def pulumi_dir() -> str:
    """The directory holding pulumi, pulumi-language-python and pulumi-resource-pulumi-python."""
    return tool_dir("WA_WEBHOOK_PULUMI_DIR", "pulumi-cli.sh")


@pytest.fixture(scope="session")
def yaml_dir() -> str:
    """The directory holding pulumi-language-yaml (built by tools/pulumi-yaml.sh)."""
    return tool_dir("WA_WEBHOOK_YAML_DIR", "pulumi-yaml.sh")


@pytest.fixture(scope="session")
def pulumi_env(pulumi_dir: str, tmp_path_factory: pytest.TempPathFactory,
               request: pytest.FixtureRequest) -> dict[str, str]:
    """The CLI's environment for the engine tests: local backend and plugins only, stacks
    initialised with a KMS key on the session's moto server (see harness.SECRETS_PROVIDER);
    with the passphrase where moto is not installed (the `make test-compat` venvs)."""
    env = base_env(pulumi_dir, tmp_path_factory.mktemp("pulumi-home"))
    if not MOTO_SERVER.exists():
        return env
    server: S3Server = request.getfixturevalue("s3_server")
    return dict(env, **server.kms_env(), **{SECRETS_PROVIDER: server.kms_key("wa-test")})


@pytest.fixture
def no_config_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No `WA_WEBHOOK_*` configuration variable in this process's environment (each key of
    `config.CONFIG_KEYS`): configuration comes from the test alone."""
    for key in CONFIG_KEYS:
        monkeypatch.delenv(key.env, raising=False)


StackFactory = Callable[..., Stack]


@pytest.fixture
def make_stack(tmp_path: Path, pulumi_env: dict[str, str]) -> Iterator[StackFactory]:
    """Create a project + stack from program text: make_stack(program, config={...})."""
    made: list[Stack] = []

    def factory(
        program: str,
        *,
        config: dict[str, str] | None = None,
        secrets: dict[str, str] | None = None,
        name: str = "dev",
    ) -> Stack:
        stack = Stack.create(tmp_path / f"s{len(made)}", pulumi_env, program, stack=name)
        stack.set_configs(config or {}, secrets or {})
        made.append(stack)
        return stack

    yield factory
    for stack in made:
        shutil.rmtree(stack.root.parent / "state", ignore_errors=True)


@pytest.fixture
def hook_stack(make_stack, emulator):
    """make_stack for Webhook programs, pointed at the emulator with KEY_1 as stack secret."""

    def factory(*hooks, key=KEY_1, **kw):
        secrets = {"wa-webhook:apiKey": key} if key else {}
        config = {"wa-webhook:endpoint": emulator.base_url, "wa-webhook:retries": "1"}
        return make_stack(webhook_program(*hooks, **kw), config=config, secrets=secrets)

    return factory


@pytest.fixture
def make_receiver() -> Iterator[Callable[..., Receiver]]:
    """Start webhook receivers on 127.0.0.1: make_receiver(statuses=[500, 200], delay=...)."""
    started: list[Receiver] = []

    def factory(**kw: object) -> Receiver:
        receiver = Receiver(**kw).start()  # type: ignore[arg-type]
        started.append(receiver)
        return receiver

    yield factory
    for receiver in started:
        receiver.stop()


@pytest.fixture
def self_signed_receiver(tmp_path: Path) -> Iterator[str]:
    """The URL of an https receiver on 127.0.0.1 whose certificate nobody trusts."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    receiver = Receiver().start()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    yield f"https://127.0.0.1:{receiver.port}/hook"
    receiver.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A local S3-compatible server (moto) for the whole session, started on first use."""
    with running_s3_server() as server:
        yield server


_buckets = itertools.count()


@pytest.fixture
def s3_backend(s3_server: S3Server) -> tuple[S3Server, str]:
    """A new, empty bucket on the S3 server: (server, bucket name)."""
    bucket = f"wa-state-{next(_buckets)}"
    s3_server.create_bucket(bucket)
    return s3_server, bucket


#: The root project files a checkout of one stack needs.
def root_files(stack: str) -> list[str]:
    return ["Pulumi.yaml", "webhooks.py", f"Pulumi.{stack}.yaml"]


MachineFactory = Callable[..., Stack]


@pytest.fixture
def machine(tmp_path: Path, pulumi_dir: str, s3_backend: tuple[S3Server, str]) -> MachineFactory:
    """A "machine" working on the root project's `stack` in the shared S3 bucket: its own
    PULUMI_HOME and its own copy of the project. The first machine creates the stack
    (`stack init`), later ones select it, as a teammate or CI runner would."""
    server, bucket = s3_backend
    made: list[Stack] = []

    def factory(name: str, stack: str = "dev", passphrase: str = "wa-webhook-demo") -> Stack:
        home = tmp_path / name / "pulumi-home"
        home.mkdir(parents=True)
        env = dict(base_env(pulumi_dir, home), **AWS_ENV, PULUMI_CONFIG_PASSPHRASE=passphrase)
        made.append(Stack.from_project(REPO, tmp_path / name, env, stack=stack,
                                       files=root_files(stack),
                                       backend_url=server.backend_url(bucket),
                                       init=not made))
        return made[-1]

    return factory


def pytest_configure(config: pytest.Config) -> None:
    """Let the CLI's children take SIGINT again. A shell without job control (CI, `cmd &`)
    starts background jobs with SIGINT ignored, children inherit that, and the engine ends
    its language host and plugins with SIGINT and kills them only 5 s later: every CLI run
    then took 5 s longer (a 6-minute suite took 15). A handled signal is reset to its
    default in a child, an ignored one is not."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_itemcollected(item: pytest.Item) -> None:
    """The `engine` marker follows from the folder: every test under tests/engine has it."""
    if ENGINE_TESTS in Path(item.path).parents:
        item.add_marker(pytest.mark.engine)
