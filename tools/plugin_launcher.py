"""The entry point PyInstaller freezes into `pulumi-resource-wa-webhook` (tools/dist.py)."""

from pulumi_wa_webhook.native.server import main

if __name__ == "__main__":
    main()
