"""A local AWS (moto's server mode) for tests: S3 for Pulumi's DIY S3 backend, KMS for the
test stacks' secrets provider.

    with running_s3_server() as s3:
        s3.create_bucket("wa-state")
        env["PULUMI_BACKEND_URL"] = s3.backend_url("wa-state")

The server is `moto_server -H 127.0.0.1 -p PORT` from the `moto[server]` dev extra, started on
a free port and stopped when the block ends; nothing has to run before the tests.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List

#: Dummy credentials and region: moto accepts any, the AWS SDKs insist on having some.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    # Never read a developer's real ~/.aws files.
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


#: The server's console script, beside this Python (the dev extra installs it).
MOTO_SERVER = Path(sys.executable).parent / "moto_server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class S3Server:
    """A running moto server on 127.0.0.1:`port`."""

    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def backend_url(self, bucket: str) -> str:
        """The `PULUMI_BACKEND_URL` of Pulumi's DIY S3 backend for `bucket` on this server."""
        return (f"s3://{bucket}?endpoint=127.0.0.1:{self.port}&disableSSL=true"
                f"&s3ForcePathStyle=true&region=us-east-1")

    def client(self) -> Any:
        import boto3  # comes with moto

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def create_bucket(self, bucket: str) -> None:
        self.client().create_bucket(Bucket=bucket)

    def kms_key(self, alias: str) -> str:
        """Create a KMS key named `alias`; returns the `--secrets-provider` URL that makes
        Pulumi encrypt a stack's secrets with it (`AWS_ENDPOINT_URL_KMS` must name this
        server, see `kms_env`)."""
        import boto3  # comes with moto

        kms = boto3.client("kms", endpoint_url=self.endpoint, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=f"alias/{alias}", TargetKeyId=key)
        return f"awskms://alias/{alias}?region=us-east-1"

    def kms_env(self) -> Dict[str, str]:
        """What the Pulumi CLI needs to reach this server's KMS (and only its KMS)."""
        return dict(AWS_ENV, AWS_ENDPOINT_URL_KMS=self.endpoint)

    def keys(self, bucket: str, prefix: str = "") -> List[str]:
        """Every object key in `bucket` under `prefix`."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                        Prefix=prefix)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def objects(self, bucket: str) -> Dict[str, bytes]:
        """Every object in `bucket`, key -> content."""
        client = self.client()
        return {key: client.get_object(Bucket=bucket, Key=key)["Body"].read()
                for key in self.keys(bucket)}


@contextlib.contextmanager
def running_s3_server(timeout: float = 60) -> Iterator[S3Server]:
    """Start `moto_server` on a free port of 127.0.0.1, wait until it answers, stop it after.

    Its log (one line per request) goes to a temporary file, not a pipe: an unread pipe fills
    up and then blocks the server mid-request."""
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen([str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"moto_server exited {process.returncode}: {log.read()}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port),
                                                                            1):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not listen on port {port} in {timeout} s")
                time.sleep(0.1)
            yield S3Server(port)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
