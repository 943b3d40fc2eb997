"""How a failed delivery is described: from the error's types and the URL's host and port,
never the error's text (which quotes the URL's path)."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from typing import Callable, Iterator

import pytest
import requests
import urllib3

from pulumi_wa_webhook.delivery import describe_failure, post


def wrapped(inner: BaseException) -> requests.exceptions.ConnectionError:
    """As requests raises it: a ConnectionError around urllib3's MaxRetryError, whose
    `reason` (not its args) is the socket's error."""
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.MaxRetryError(None, "/wa?token=S3CRET", reason=inner))


def verify_failed() -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, "S3CRET")
    error.verify_message = "self-signed certificate"
    return error


def wrong_version() -> ssl.SSLError:
    error = ssl.SSLError(1, "S3CRET")
    error.reason = "WRONG_VERSION_NUMBER"
    return error


def name_not_resolved() -> BaseException:
    return urllib3.exceptions.NameResolutionError("h.example", None, OSError("S3CRET"))


@pytest.mark.parametrize("url, error, described", [
    ("https://h.example/wa", lambda: requests.exceptions.SSLError(wrapped(verify_failed())),
     "TLS: handshake with h.example:443 failed (self-signed certificate)"),
    ("https://h.example:8443/wa", lambda: wrapped(wrong_version()),
     "TLS: handshake with h.example:8443 failed (WRONG_VERSION_NUMBER)"),
    ("https://h.example/wa", lambda: requests.exceptions.SSLError("S3CRET"),
     "TLS: handshake with h.example:443 failed"),
    ("http://h.example/wa", lambda: requests.exceptions.ReadTimeout("S3CRET"),
     "timeout: no answer from h.example:80 within 5 s"),
    ("https://h.example/wa", lambda: wrapped(TimeoutError("S3CRET")),
     "timeout: no answer from h.example:443 within 5 s"),
    ("https://h.example/wa", lambda: wrapped(socket.gaierror(-2, "S3CRET")),
     "DNS: cannot resolve host 'h.example'"),
    ("https://h.example/wa", lambda: wrapped(name_not_resolved()),
     "DNS: cannot resolve host 'h.example'"),
    ("http://h.example:8080/wa", lambda: wrapped(ConnectionRefusedError("S3CRET")),
     "refused: connection refused by h.example:8080"),
    ("https://h.example/wa", lambda: wrapped(ConnectionResetError("S3CRET")),
     "connection: reset by h.example:443"),
    ("https://h.example/wa", lambda: requests.exceptions.InvalidURL("S3CRET"), "invalid URL"),
    ("https://h.example/wa", lambda: requests.exceptions.ConnectionError("S3CRET"),
     "connection: h.example:443 closed the connection without an answer"),
])
def test_each_kind_of_failure_is_named_by_its_type(url, error, described):
    assert describe_failure(url, error(), timeout=5) == described


def test_a_cause_seen_twice_does_not_hide_the_others():
    shared = OSError("S3CRET")
    top = requests.exceptions.ConnectionError(shared, shared)
    top.__cause__ = ConnectionResetError("S3CRET")
    assert describe_failure("https://h.example/", top) == "connection: reset by h.example:443"


def test_errors_that_refer_to_each_other_are_each_read_once():
    first, second = OSError("S3CRET"), OSError("S3CRET")
    first.__context__, second.__context__ = second, first
    top = requests.exceptions.ConnectionError(first)
    assert describe_failure("https://h.example/", top) == (
        "connection: h.example:443 closed the connection without an answer")


# -- one POST, as 99digital sends it ------------------------------------------------------


@contextlib.contextmanager
def raw_server(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A server on 127.0.0.1 that reads one request and lets `answer` write to the socket."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            answer(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    finally:
        thread.join(10)
        listener.close()


def test_a_redirect_is_not_followed(make_receiver):
    target = make_receiver()
    with raw_server(lambda s: s.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: " + target.url().encode() +
            b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")) as url:
        attempt = post(url, {"hello": 1})
    assert (attempt.status, attempt.error) == (302, None)
    assert target.received == []


def test_an_answer_that_dribbles_in_past_the_limit_is_late():
    """Each part comes well within the socket timeout, the whole answer after it."""
    def dribble(connection: socket.socket) -> None:
        for part in (b"HTTP/1.1 200 OK\r\n", b"Content-Length: 0\r\n", b"\r\n"):
            time.sleep(0.8)
            connection.sendall(part)

    with raw_server(dribble) as url:
        attempt = post(url, {"hello": 1}, timeout=2)
    assert attempt.status == 200 and attempt.seconds > 2
    assert attempt.error == f"timeout: answered after {attempt.seconds:.1f} s (limit 2 s)"


def test_a_post_on_time_has_no_error(make_receiver):
    attempt = post(make_receiver().url(), {"hello": 1}, timeout=5)
    assert (attempt.status, attempt.error) == (200, None)


def test_no_answer_within_the_limit_names_the_limit(make_receiver):
    receiver = make_receiver(delay=30)  # ended when the test stops the receiver
    attempt = post(receiver.url(), {"hello": 1}, timeout=0.3)
    assert attempt.status is None
    assert attempt.error == f"timeout: no answer from 127.0.0.1:{receiver.port} within 0.3 s"
