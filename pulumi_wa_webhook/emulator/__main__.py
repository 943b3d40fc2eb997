"""Command line: run a local 99digital webhook API emulator until SIGINT / SIGTERM.

    python -m pulumi_wa_webhook.emulator --port 0 --account 972500000001:test-key-1

Prints one line, ``99digital emulator listening on http://HOST:PORT/whatsapp/v2``, once the
server accepts connections; give that URL to the provider as its endpoint.
"""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
import threading
from types import FrameType
from typing import List, NoReturn, Optional, Sequence, Tuple

from .backend import EmulatorBackend, StateFileError, account_number
from .server import EmulatorServer


def _account(text: str) -> Tuple[str, str]:
    given, sep, key = text.partition(":")
    # ArgumentTypeError messages are shown as-is: never echo the key back.
    if not sep or not key:
        raise argparse.ArgumentTypeError("expected NUMBER:KEY, e.g. 972500000001:test-key-1")
    try:
        number = account_number(given)
    except ValueError as err:  # its text quotes NUMBER only, never the key
        raise argparse.ArgumentTypeError(str(err)) from None
    return number, key


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a TCP port from 0 to 65535, got {text!r}")
    return port


class _Parser(argparse.ArgumentParser):
    """Reports a usage error in one line (and exit code 2), without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _time_scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


EPILOG = """\
testing a webhook receiver (your app listening on port 8080):
  python -m pulumi_wa_webhook.emulator --port 18099 --account 972501234567:ci-key --time-scale 3600
  E=http://127.0.0.1:18099/_emulator
  curl -X PUT $E/accounts/972501234567 -d '{"url": "http://127.0.0.1:8080/hook", "retry": 1}'
  curl -X POST $E/accounts/972501234567/messages -d '{"from": "972507654321", "body": "hi"}'
  curl $E/deliveries    # outcome (pending / delivered / failed) and every attempt
"""


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = _Parser(
        prog="python -m pulumi_wa_webhook.emulator",
        description=textwrap.dedent(
            """\
            Run a local emulator of the 99digital WhatsApp webhook API (POST setWebhook and
            getWebhook under /whatsapp/v2, plus /_emulator admin endpoints for tests). Prints
            one line with the base URL once it accepts connections and serves until SIGINT or
            SIGTERM. It also delivers incoming messages to an account's webhook URL the way
            99digital does (HTTP 200 within 5 s counts; the account's retry schedule), so you
            can test your receiver."""
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, local connections only)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=0,
        help="TCP port to listen on; 0 (the default) picks a free port, shown in the output line",
    )
    parser.add_argument(
        "--account",
        action="append",
        type=_account,
        default=[],
        metavar="NUMBER:KEY",
        help=(
            "an account the emulator knows: its WhatsApp number (international format, no +) "
            "and its API key, e.g. 972500000001:test-key-1; repeat for several accounts. "
            "Use test keys only: command lines are visible to other local users"
        ),
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        default=None,
        help=(
            "JSON file keeping accounts and their webhook settings across restarts: loaded at "
            "start if it exists and rewritten atomically after every change (keys are stored "
            "as SHA-256 digests only). Default: keep state in memory"
        ),
    )
    parser.add_argument(
        "--time-scale",
        type=_time_scale,
        default=1.0,
        metavar="FACTOR",
        help=(
            "divide the waits between delivery retries (5 min ... 24 h) by FACTOR, e.g. 3600 "
            "turns 24 h into 24 s; the 5-second answer limit is never scaled (default: 1)"
        ),
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="log each request's method, path and status to stderr (never bodies or keys)",
    )
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the emulator; returns the process exit code."""
    args = build_parser().parse_args(argv)
    accounts: List[Tuple[str, str]] = args.account
    try:
        backend = EmulatorBackend(
            dict(accounts), state_file=args.state, time_scale=args.time_scale
        )
    except (StateFileError, ValueError, OSError) as err:
        print(f"99digital emulator: {err}", file=sys.stderr)
        return 2
    server = EmulatorServer(backend, host=args.host, port=args.port, verbose=args.verbose)
    stop = threading.Event()

    def on_signal(signum: int, frame: Optional[FrameType]) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        server.start()
    except OSError as err:
        print(
            f"99digital emulator: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr
        )
        return 1
    try:
        print(f"99digital emulator listening on {server.base_url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
