"""Pulumi program text and emulator accounts for the benchmark."""

from __future__ import annotations

from typing import Dict, List

#: Every benchmark Webhook authenticates with this key (stack secret `wa-webhook:apiKey`).
API_KEY = "bench-key"
#: The URL the Webhooks are created with, and the one the update step changes them to.
URL = "https://hooks.example.com/bench"
UPDATED_URL = "https://hooks.example.com/bench-updated"


def account_numbers(count: int) -> List[str]:
    """`count` distinct Israeli mobile numbers in international form: 972500000001, ...

    Twelve digits starting with 97250, so `phonenumbers` considers them possible (and valid).
    """
    if not 1 <= count <= 99:
        raise ValueError("the benchmark numbers accounts 01..99")
    return [f"9725000000{index:02d}" for index in range(1, count + 1)]


def emulator_accounts(count: int) -> Dict[str, str]:
    """The emulator's account table: `count` accounts, all with the benchmark key."""
    return {number: API_KEY for number in account_numbers(count)}


def webhook_program(count: int, url: str = URL) -> str:
    """A program declaring `count` Webhooks, one per account, all pointing at `url`.

    The key and endpoint come from stack configuration, as a user's program would have them.
    """
    lines = ["from pulumi_wa_webhook import Webhook", ""]
    for index, number in enumerate(account_numbers(count)):
        lines.append(f"Webhook('hook{index}', from_number={number!r}, url={url!r})")
    return "\n".join(lines) + "\n"


def noop_program(count: int) -> str:
    """A program declaring `count` no-op dynamic resources (the engine's own cost)."""
    lines = ["from pulumi_wa_webhook.dynamic.noop import Noop", ""]
    for index in range(count):
        lines.append(f"Noop('noop{index}', value='v{index}')")
    return "\n".join(lines) + "\n"
