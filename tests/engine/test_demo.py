"""`make demo` runs to the end, shows the configured URL and a delivered message, and can run
again."""

from __future__ import annotations

import socket
import subprocess
import sys

from harness import REPO


def test_demo_runs_twice_and_leaves_nothing_running(tmp_path, pulumi_dir):
    env = {"PATH": f"{pulumi_dir}:/usr/bin:/bin", "HOME": str(tmp_path),
           "WA_WEBHOOK_DEMO_DIR": str(tmp_path / "demo")}
    # The CLI directory is already on PATH, so pulumi-cli.sh uses it and builds nothing.
    for run in (1, 2):
        result = subprocess.run([sys.executable, str(REPO / "tools" / "demo.py")], env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        out = result.stdout
        assert ("The webhook URL now configured for 972500000101: "
                "https://dev.hooks.example.com/whatsapp/support") in out
        assert "~ 1 to update" in out and "support-v2" in out
        assert ("+ 3 created" if run == 1 else "3 unchanged") in out
        assert "What the sales app received:\nPOST /whatsapp/sales" in out
        assert '"hook": "new"' in out and '"to": "972500000102"' in out
        assert "Hi! Is the blue model in stock?" in out
        assert "delivered after 1 attempt(s)" in out and "HTTP 200  error=None" in out
    for port in (18099, 18098):  # the emulator and the app were stopped: nothing listens
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))
