import pytest
from webhook_programs import ACCOUNT_1

pytestmark = pytest.mark.engine


def test_show(hook_stack, emulator):
    hook = {"name": "sales", "from_number": ACCOUNT_1, "url": "https://hooks.example.com/whatsapp/sales",
            "system": True, "retry": True}
    stack = hook_stack(hook)
    stack.up()
    emulator.set_account(ACCOUNT_1, url="https://attacker.example.net/hook", retry=0)
    r = stack.preview("--refresh", "--expect-no-changes", check=False)
    print("=== DRIFT\n", r.stdout, r.stderr)
    stack.refresh()
    r = stack.preview(check=False)
    print("=== AFTER\n", r.stdout, r.stderr)
