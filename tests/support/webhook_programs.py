"""Program text and account helpers for tests that run the Webhook through the real engine."""

from __future__ import annotations

from typing import Any, Dict, Optional

KEY_1 = "test-key-1"
KEY_2 = "test-key-2"
ACCOUNT_1 = "972500000001"
ACCOUNT_2 = "972500000002"
#: What an account holds with nothing set, or after a delete (the emulator's wire form).
CLEARED = {"url": "", "system": 0, "systemPhoneAlert": "", "readStatus": 0, "retry": 0}
#: What the account holds for the "support" hook of the engine tests (url, system, retry and
#: two alert phones), in the emulator's wire form.
STORED = {
    "url": "https://hooks.example.com/wa",
    "system": 1,
    "systemPhoneAlert": "972502211234,972527788695",
    "readStatus": 0,
    "retry": 1,
}
#: The "support" hook's arguments (what leaves the account holding STORED), for any face.
HOOK = {
    "name": "support",
    "from_number": ACCOUNT_1,
    "url": "https://hooks.example.com/wa",
    "system": True,
    "system_phone_alerts": ["972527788695", "+972 50-221-1234"],
    "retry": True,
}
#: A hook with every setting on, numbers in international spelling (engine lifecycle tests).
FULL = {
    "name": "support",
    "from_number": "+972 50-000-0001",
    "url": "https://hooks.example.com/wa",
    "system": True,
    "system_phone_alerts": ["+972 50-221-1234", "972527788695"],
    "read_status": True,
    "retry": True,
}
#: What the account holds for FULL, in the emulator's wire form.
STORED_FULL = {
    "url": "https://hooks.example.com/wa",
    "system": 1,
    "systemPhoneAlert": "972502211234,972527788695",
    "readStatus": 1,
    "retry": 1,
}


def stored(emulator: Any, number: str = ACCOUNT_1) -> Optional[Dict[str, Any]]:
    """The account's settings as the emulator holds them, or None if it does not exist."""
    try:
        account = emulator.account(number)
    except KeyError:
        return None
    return {name: account[name] for name in CLEARED}


def webhook_program(*hooks: dict[str, Any], imports: str = "",
                    package: str = "pulumi_wa_webhook", export_from: bool = True) -> str:
    """A program declaring one `package.Webhook` per dict (keys: name, opts and the
    arguments), exporting each one's url (and from_number unless `export_from` is off)."""
    lines = ["import pulumi", f"from {package} import Webhook", imports]
    for index, hook in enumerate(hooks):
        hook = dict(hook)
        name = hook.pop("name", f"hook{index}")
        opts = hook.pop("opts", None)
        args = ", ".join(f"{key}={value!r}" for key, value in hook.items())
        if opts:
            args += f", opts={opts}"
        lines.append(f"h{index} = Webhook({name!r}, {args})")
        lines.append(f"pulumi.export({name + '_url'!r}, h{index}.url)")
        if export_from:
            lines.append(f"pulumi.export({name + '_from'!r}, h{index}.from_number)")
    return "\n".join(lines) + "\n"
