"""`make demo`: the whole product on one machine, in one command, re-runnable.

Starts the 99digital emulator, logs in to a local file backend under .demo/, runs
`pulumi up` for the dev stack, shows what the account now holds, previews a small config
change with `pulumi preview --diff`, then has the emulator deliver one incoming message to the
sales line's webhook (a stand-in app on 127.0.0.1:18098) and shows the delivery. It stops
everything it started.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List

REPO = Path(__file__).resolve().parent.parent
DEMO = Path(os.environ.get("WA_WEBHOOK_DEMO_DIR") or REPO / ".demo")  # git-ignored
PORT = 18099  # the dev stack's wa-webhook:endpoint points here
ACCOUNTS = {"972500000101": "demo-key-dev", "972500000102": "demo-key-dev"}
PASSPHRASE = "wa-webhook-demo"  # demo only; it encrypts the dev stack's demo API key
NEW_URL = "https://dev.hooks.example.com/whatsapp/support-v2"
APP_PORT = 18098  # the dev stack's sales line delivers to http://127.0.0.1:18098/whatsapp/sales
SALES = "972500000102"


BOLD, PLAIN = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")


def step(text: str) -> None:
    print(f"\n{BOLD}==> {text}{PLAIN}", flush=True)


def pulumi_dir() -> str:
    out = subprocess.run([str(REPO / "tools" / "pulumi-cli.sh")], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return out.strip().splitlines()[-1]


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "pulumi_wa_webhook.emulator", "--host", "127.0.0.1",
               "--port", str(PORT), "--state", str(DEMO / "emulator-state.json")]
    for number, key in ACCOUNTS.items():
        command += ["--account", f"{number}:{key}"]
    emulator = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert emulator.stdout is not None
    line = emulator.stdout.readline().strip()
    if emulator.poll() is not None or "http://" not in line:
        sys.exit(f"demo: the emulator did not start (is port {PORT} in use?)")
    return emulator, line


def working_copy() -> Path:
    """A fresh copy of the root project, so the demo's config change never touches the repo."""
    project = DEMO / "project"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    for name in ("webhooks.py", "Pulumi.dev.yaml"):
        shutil.copy(REPO / name, project / name)
    text = (REPO / "Pulumi.yaml").read_text()
    (project / "Pulumi.yaml").write_text(
        text.replace("virtualenv: .venv", f"virtualenv: {REPO / '.venv'}"))
    return project


def show_account(number: str) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/_emulator/accounts/{number}") as r:
        settings = json.load(r)
    print(json.dumps(settings, indent=2))
    print(f"\nThe webhook URL now configured for {number}: {BOLD}{settings['url']}{PLAIN}")


def start_sales_app() -> tuple[http.server.ThreadingHTTPServer, List[Dict[str, Any]]]:
    """A stand-in for the team's sales app: answers every webhook POST with 200."""
    received: List[Dict[str, Any]] = []

    class App(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append({"path": self.path, "payload": json.loads(body or b"null")})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    try:
        app = http.server.ThreadingHTTPServer(("127.0.0.1", APP_PORT), App)
    except OSError:
        sys.exit(f"demo: cannot start the stand-in sales app (is port {APP_PORT} in use?)")
    app.daemon_threads = True
    threading.Thread(target=app.serve_forever, daemon=True).start()
    return app, received


def admin(method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}/_emulator{path}", data=data,
                                     method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def deliver_one_message(received: List[Dict[str, Any]]) -> None:
    message = {"from": "972507654321", "body": "Hi! Is the blue model in stock?",
               "senderName": "Dana"}
    print(f"$ POST /_emulator/accounts/{SALES}/messages {json.dumps(message)}")
    delivery_id = admin("POST", f"/accounts/{SALES}/messages", message)["delivery"]
    for _ in range(200):
        delivery = admin("GET", f"/deliveries/{delivery_id}")
        if delivery["outcome"] != "pending":
            break
        time.sleep(0.05)
    print("\nWhat the sales app received:")
    for request in received:
        print(f"POST {request['path']}\n{json.dumps(request['payload'], indent=2)}")
    attempts = delivery["attempts"]
    print(f"\nDelivery {delivery_id} to {delivery['url']}: {BOLD}{delivery['outcome']}{PLAIN} "
          f"after {len(attempts)} attempt(s)")
    for attempt in attempts:
        print(f"  {attempt['at']}  HTTP {attempt['status']}  error={attempt['error']}  "
              f"{attempt['seconds']} s")


def main() -> None:
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background by a shell: the CLI's children would inherit SIGINT
        # ignored, and the engine waits 5 s before it kills them (tests/conftest.py).
        signal.signal(signal.SIGINT, signal.default_int_handler)
    step("Pulumi CLI (builds it once from Go modules if none is installed)")
    cli = pulumi_dir()
    DEMO.mkdir(exist_ok=True)
    (DEMO / "backend").mkdir(exist_ok=True)
    env = dict(os.environ, PATH=f"{cli}{os.pathsep}{os.environ['PATH']}",
               PULUMI_BACKEND_URL=(DEMO / "backend").as_uri(),
               PULUMI_CONFIG_PASSPHRASE=PASSPHRASE, PULUMI_SKIP_UPDATE_CHECK="true",
               PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
               PULUMI_HOME=str(DEMO / "pulumi-home"))
    env.pop("WA_WEBHOOK_API_KEY", None)
    env.pop("WA_WEBHOOK_ENDPOINT", None)
    project = working_copy()

    def pulumi(*args: str) -> None:
        print(f"$ pulumi {' '.join(args)}", flush=True)
        subprocess.run(["pulumi", *args, "--non-interactive"], cwd=project, env=env, check=True)

    step(f"Starting the 99digital emulator on port {PORT} (state in .demo/)")
    emulator, banner = start_emulator()
    print(banner)
    app, received = start_sales_app()
    try:
        step("Local file backend in .demo/backend; selecting the dev stack")
        pulumi("stack", "select", "dev", "--create")
        step("pulumi up: the dev stack's webhooks, as the program says")
        pulumi("up", "--yes")
        step("What the emulated 99digital account holds now")
        show_account("972500000101")
        step(f"A small change: the support line moves to {NEW_URL}")
        pulumi("config", "set", "--path", "lines[0].url", NEW_URL)
        pulumi("preview", "--diff")
        print("\n(Previewed only: run `pulumi up` to apply. The change lives in .demo/project.)")
        step(f"A customer writes to the sales line: the emulator delivers it to "
             f"http://127.0.0.1:{APP_PORT}/whatsapp/sales")
        deliver_one_message(received)
    finally:
        step("Stopping the emulator and the stand-in sales app")
        emulator.terminate()
        emulator.wait(timeout=10)
        app.shutdown()
        app.server_close()
    step("Done: nothing left running. Run `make demo` again any time.")


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as err:
        sys.exit(f"demo: a step failed (exit {err.returncode}): {' '.join(map(str, err.cmd))}")
