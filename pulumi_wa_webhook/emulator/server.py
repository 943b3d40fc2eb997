"""The emulator's HTTP layer: a thin handler over :class:`EmulatorBackend`, and a server to run it.

API calls live under ``/whatsapp/v2`` (``POST setWebhook`` / ``POST getWebhook``); admin
endpoints for tests live under ``/_emulator``:

* ``GET /_emulator/health`` -- ``{"status": "OK"}``
* ``GET /_emulator/requests[?path=setWebhook]`` / ``DELETE /_emulator/requests`` -- the call log
* ``GET|POST|DELETE /_emulator/faults`` -- list, queue (``{"path", "times", ...}``: ``path``
  required; ``"account"`` aims it at one account), clear faults
* ``GET /_emulator/accounts`` -- every account's settings
* ``GET|PUT|DELETE /_emulator/accounts/NUMBER`` -- read, change out of band, remove one account
* ``POST /_emulator/accounts/NUMBER/messages`` -- ``{"from", "body"[, "type", "senderName"]}``:
  deliver an incoming message to the account's webhook URL; ``202 {"delivery": ID}``
* ``GET|DELETE /_emulator/deliveries`` -- every delivery with its attempts; forget finished ones
* ``GET /_emulator/deliveries/ID`` -- one delivery
* ``GET|DELETE /_emulator/stats`` -- ``{"inFlight", "peakInFlight"}``: API requests being
  answered now and the most at once; DELETE starts the peak again

Standard library only. The server never writes request bodies (or API keys) anywhere.
"""

from __future__ import annotations

import contextlib
import json
import re
import selectors
import socket
import socketserver
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Set, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from .backend import CALLS, EmulatorBackend, Fault, account_number
from .deliveries import MessageError, NoWebhookUrlError
from .inflight import InFlight

API_PREFIX = "/whatsapp/v2"
ADMIN_PREFIX = "/_emulator"
#: Largest request body accepted (the real bodies are a few hundred bytes).
MAX_BODY = 1024 * 1024
#: Seconds an idle keep-alive connection is kept open.
IDLE_TIMEOUT = 30.0
_DISCONNECTS = (ConnectionError, socket.timeout)  # socket.timeout: TimeoutError on 3.10+


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    timeout = 0.1  # bounds handle_request() should a ready connection vanish before accept
    # socketserver's listen backlog is 5: a burst of connections (a native `pulumi up
    # --parallel 64`) overflowed it, and the kernel made the extra clients retry after 1 s.
    request_queue_size = socket.SOMAXCONN

    def __init__(
        self, address: Tuple[str, int], backend: EmulatorBackend, verbose: bool = False
    ) -> None:
        self.backend = backend
        self.verbose = verbose
        self.in_flight = InFlight()
        self.stopping = threading.Event()
        self._conn_lock = threading.Lock()
        self._connections: Set[socket.socket] = set()
        self._resets: Set[socket.socket] = set()
        self._wake_reader, self._wake_writer = socket.socketpair()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def serve_until_stopped(self) -> None:
        """Accept connections until :meth:`wake` is called (no polling, so stopping is instant)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self.stopping.is_set():
                ready = selector.select()
                if self.stopping.is_set():
                    break
                if any(key.fileobj is self for key, _ in ready):
                    self.handle_request()  # the listening socket is ready: no wait
                self.service_actions()

    def wake(self) -> None:
        """Make :meth:`serve_until_stopped` return."""
        self.stopping.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"x")

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can take
        # seconds on machines without DNS; the emulator has no use for the name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
            reset = request in self._resets
            self._resets.discard(request)
        if reset:
            # SO_LINGER 0 is set: closing without shutdown() sends RST, not FIN.
            request.close()
        else:
            super().shutdown_request(request)

    def mark_reset(self, request: socket.socket) -> None:
        """Close ``request`` with a TCP reset (no answer) once its handler returns."""
        request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._conn_lock:
            self._resets.add(request)

    def close_connections(self) -> None:
        """Shut every open client connection (used when stopping)."""
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], _DISCONNECTS) or self.stopping.is_set():
            return  # a client went away: not worth a traceback
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # header and body go out in separate writes
    server_version = "99digital-emulator/1"
    timeout = IDLE_TIMEOUT
    server: _HTTPServer
    _open = False  # an API request of this connection is counted in server.in_flight

    def version_string(self) -> str:
        return self.server_version

    # -- plumbing ------------------------------------------------------------------------------

    def handle(self) -> None:
        try:
            super().handle()
        except _DISCONNECTS:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        # Only the request line (method + path) and status ever get here: never bodies or keys.
        if self.server.verbose:
            sys.stderr.write(f"[99digital-emulator] {format % args}\n")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise _BadRequest(400, "invalid Content-Length") from None
        if length < 0:
            raise _BadRequest(400, "invalid Content-Length")
        if length > MAX_BODY:
            raise _BadRequest(413, f"request body over {MAX_BODY} bytes")
        data = self.rfile.read(length)
        if len(data) < length:
            raise ConnectionAbortedError("client closed the connection mid-body")
        return data

    def _read_chunked(self) -> bytes:
        parts: List[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise ConnectionAbortedError("client closed the connection mid-body")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400, "invalid chunked encoding") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise _BadRequest(413, f"request body over {MAX_BODY} bytes")
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _answered(self) -> None:
        """The API request being served is no longer in flight (counted once)."""
        if self._open:
            self._open = False
            self.server.in_flight.leave()

    def _send(self, status: int, payload: bytes, headers: Optional[Dict[str, str]] = None) -> None:
        self._answered()
        if status in (204, 304):
            payload = b""
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if payload:
                self.wfile.write(payload)
            self.wfile.flush()
        except _DISCONNECTS:
            self.close_connection = True

    def _send_json(self, status: int, data: Any, headers: Optional[Dict[str, str]] = None) -> None:
        self._send(status, json.dumps(data).encode("utf-8"), headers)

    def _error(self, status: int, message: str, **extra: Any) -> None:
        self._send_json(status, {"status": "FAIL", "error": message, **extra})

    def send_error(
        self, code: int, message: Optional[str] = None, explain: Optional[str] = None
    ) -> None:
        """Errors the standard library finds (a malformed request line, a header too long),
        answered like every other error: a JSON body built by json, not a text template."""
        if self.request_version == "HTTP/0.9":  # the request line was unreadable
            self.request_version = "HTTP/1.0"  # still answer with a status line and headers
        self.close_connection = True
        self._error(code, message or self.responses.get(code, ("error",))[0])

    # -- routing -------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        try:
            raw = self._read_body()
        except _BadRequest as err:
            self.close_connection = True  # the body was not (fully) read: do not reuse
            self._error(err.status, err.message)
            return
        trimmed = path.rstrip("/") or "/"
        if trimmed.startswith(API_PREFIX + "/") and trimmed[len(API_PREFIX) + 1 :] in CALLS:
            if method != "POST":
                self._send_json(
                    405, {"status": "FAIL", "error": "use POST"}, headers={"Allow": "POST"}
                )
                return
            self.server.in_flight.enter()
            self._open = True
            try:
                self._api(trimmed[len(API_PREFIX) + 1 :], trimmed, raw)
            finally:
                self._answered()
        elif trimmed == ADMIN_PREFIX or trimmed.startswith(ADMIN_PREFIX + "/"):
            self._admin(method, trimmed[len(ADMIN_PREFIX) :], parse_qs(parts.query), raw)
        else:
            self._error(404, f"not found: {path}")

    # -- the API -------------------------------------------------------------------------------

    def _api(self, name: str, path: str, raw: bytes) -> None:
        backend = self.server.backend
        body, problem = _parse_object(raw)
        backend.log_request(path, body)
        fault = backend.take_fault(name, _account_of(body))
        if fault is not None and self._serve_fault(fault):
            return
        if body is None:
            self._error(400, f"malformed JSON: {problem}")
            return
        self._send_json(200, backend.call(name, body))

    def _serve_fault(self, fault: Fault) -> bool:
        """Misbehave as ``fault`` says; False when the request should then be answered."""
        if fault.delay and self.server.stopping.wait(fault.delay):
            self.close_connection = True  # stopping: drop the request unanswered
            return True
        if fault.reset:
            self.close_connection = True
            self.server.mark_reset(self.connection)
            return True
        if fault.status is not None:
            self._error(fault.status, f"emulated HTTP {fault.status}")
            return True
        if fault.body is not None:
            self._send(200, fault.body.encode("utf-8"))
            return True
        if fault.reason is not None:
            self._send_json(200, {"status": "FAIL", "reason": fault.reason})
            return True
        return False  # a delay only: answer normally, late

    # -- admin ---------------------------------------------------------------------------------

    def _admin(self, method: str, path: str, query: Dict[str, Any], raw: bytes) -> None:
        """Answer ``/_emulator{path}`` from the route table (:data:`_ADMIN_ROUTES`)."""
        for pattern, handlers in _ADMIN_ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            handler = handlers.get(method)
            if handler is None:
                return self._not_allowed(", ".join(handlers))
            return handler(self, _AdminRequest(unquote(match.groupdict().get("id") or ""),
                                               query, raw))
        return self._error(404, f"not found: {ADMIN_PREFIX}{path}")

    def _health(self, request: _AdminRequest) -> None:
        self._send_json(200, {"status": "OK"})

    def _stats(self, request: _AdminRequest) -> None:
        self._send_json(200, self.server.in_flight.stats())

    def _reset_stats(self, request: _AdminRequest) -> None:
        self._send_json(200, self.server.in_flight.reset())

    def _requests(self, request: _AdminRequest) -> None:
        self._send_json(200, self.server.backend.requests(request.query.get("path", [None])[0]))

    def _clear_requests(self, request: _AdminRequest) -> None:
        self._send_json(200, {"status": "OK", "cleared": self.server.backend.clear_requests()})

    def _faults(self, request: _AdminRequest) -> None:
        self._send_json(200, self.server.backend.faults())

    def _clear_faults(self, request: _AdminRequest) -> None:
        self._send_json(200, {"status": "OK", "cleared": self.server.backend.clear_faults()})

    def _add_fault(self, request: _AdminRequest) -> None:
        body, problem = _parse_object(request.raw)
        if body is None:
            return self._error(400, f"malformed JSON: {problem}")
        try:
            fault = Fault.from_dict(body)
        except ValueError as err:
            return self._error(400, str(err))
        self._send_json(200, {"status": "OK", "fault": self.server.backend.add_fault(fault)})

    def _accounts(self, request: _AdminRequest) -> None:
        self._send_json(200, self.server.backend.accounts())

    def _deliveries(self, request: _AdminRequest) -> None:
        self._send_json(200, self.server.backend.deliveries.list())

    def _clear_deliveries(self, request: _AdminRequest) -> None:
        self._send_json(200, {"status": "OK", "cleared": self.server.backend.deliveries.clear()})

    def _delivery(self, request: _AdminRequest) -> None:
        delivery = self.server.backend.deliveries.get(request.id)
        if delivery is None:
            return self._error(404, f"no delivery {request.id}")
        self._send_json(200, delivery)

    def _account_route(self, request: _AdminRequest) -> None:
        self._account(self.command, request.id, request.raw)

    def _message_route(self, request: _AdminRequest) -> None:
        self._message(request.id, request.raw)

    def _account(self, method: str, given: str, raw: bytes) -> None:
        backend = self.server.backend
        try:
            number = account_number(given)
        except ValueError as err:
            return self._error(400, str(err))
        if method == "GET":
            settings = backend.account(number)
            if settings is None:
                return self._error(404, f"no account {number}")
            return self._send_json(200, settings)
        if method == "DELETE":
            try:
                backend.remove_account(number)
            except KeyError:
                return self._error(404, f"no account {number}")
            return self._send_json(200, {"status": "OK"})
        if method == "PUT":
            body, problem = _parse_object(raw)
            if body is None:
                return self._error(400, f"malformed JSON: {problem}")
            fields = dict(body)
            api_key = fields.pop("apiKey", None)
            if api_key is not None and (not isinstance(api_key, str) or not api_key):
                return self._error(400, "apiKey must be a non-empty string")
            try:
                settings = backend.set_account(number, fields, api_key=api_key)
            except KeyError:
                return self._error(404, f"no account {number} (send apiKey to create it)")
            except ValueError as err:
                return self._error(400, str(err))
            return self._send_json(200, settings)
        return self._not_allowed("GET, PUT, DELETE")

    def _message(self, given: str, raw: bytes) -> None:
        try:
            number = account_number(given)
        except ValueError as err:
            return self._error(400, str(err))
        body, problem = _parse_object(raw)
        if body is None:
            return self._error(400, f"malformed JSON: {problem}")
        try:
            delivery = self.server.backend.send_message(number, body)
        except KeyError:
            return self._error(404, f"no account {number}")
        except NoWebhookUrlError as err:
            return self._error(409, str(err))
        except MessageError as err:
            return self._error(400, str(err))
        return self._send_json(202, {"delivery": delivery})

    def _not_allowed(self, allow: str) -> None:
        self._send_json(
            405, {"status": "FAIL", "error": "method not allowed"}, headers={"Allow": allow}
        )


class _AdminRequest(NamedTuple):
    """What an admin handler needs: the path's id part (an account or a delivery), the query,
    the raw body."""

    id: str
    query: Dict[str, Any]
    raw: bytes


_AdminHandler = Callable[[_Handler, _AdminRequest], None]
#: The admin API: a path pattern (``id`` names an account or a delivery) and its methods.
_ADMIN_ROUTES: List[Tuple[re.Pattern[str], Dict[str, _AdminHandler]]] = [
    (re.compile(r"/health"), {"GET": _Handler._health}),
    (re.compile(r"/stats"), {"GET": _Handler._stats, "DELETE": _Handler._reset_stats}),
    (re.compile(r"/requests"), {"GET": _Handler._requests, "DELETE": _Handler._clear_requests}),
    (re.compile(r"/faults"), {"GET": _Handler._faults, "POST": _Handler._add_fault,
                              "DELETE": _Handler._clear_faults}),
    (re.compile(r"/accounts"), {"GET": _Handler._accounts}),
    (re.compile(r"/accounts/(?P<id>[^/]+)"), {"GET": _Handler._account_route,
                                              "PUT": _Handler._account_route,
                                              "DELETE": _Handler._account_route}),
    (re.compile(r"/accounts/(?P<id>[^/]+)/messages"), {"POST": _Handler._message_route}),
    (re.compile(r"/deliveries"), {"GET": _Handler._deliveries,
                                  "DELETE": _Handler._clear_deliveries}),
    (re.compile(r"/deliveries/(?P<id>[^/]+)"), {"GET": _Handler._delivery}),
]


def _account_of(body: Optional[Dict[str, Any]]) -> Optional[str]:
    """The account a request is about (its ``from``, normalised), for faults aimed at one
    account; None when the request names none the emulator could hold."""
    try:
        return account_number((body or {}).get("from"))
    except ValueError:
        return None


def _parse_object(raw: bytes) -> Tuple[Optional[Dict[str, Any]], str]:
    """The body as a JSON object, or (None, why not). The reason never quotes the body."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "body is not UTF-8"
    except ValueError as err:
        problem = err.msg if isinstance(err, json.JSONDecodeError) else "invalid"
        where = (
            f" at line {err.lineno} column {err.colno}"
            if isinstance(err, json.JSONDecodeError)
            else ""
        )
        return None, f"{problem}{where}"
    if not isinstance(data, dict):
        return None, f"expected a JSON object, got {type(data).__name__}"
    return data, ""


class EmulatorServer:
    """Serves an :class:`EmulatorBackend` over HTTP on ``host:port`` from daemon threads.

    ``port=0`` picks a free port; read the real one from :attr:`port` after :meth:`start`.
    Usable as a context manager (starts on enter, stops on exit).
    """

    def __init__(
        self,
        backend: Optional[EmulatorBackend] = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        verbose: bool = False,
    ) -> None:
        self.backend = backend if backend is not None else EmulatorBackend()
        self._host = host
        self._port = port
        self._verbose = verbose
        self._httpd: Optional[_HTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def host(self) -> str:
        """The host the server listens on."""
        return self._host

    @property
    def port(self) -> int:
        """The port the server listens on (the real one once started)."""
        return self._port

    @property
    def in_flight(self) -> InFlight:
        """API requests being answered now and the most at once (raises if not started)."""
        if self._httpd is None:
            raise RuntimeError("the emulator is not running")
        return self._httpd.in_flight

    @property
    def running(self) -> bool:
        """Whether the server is started and not stopped."""
        return self._httpd is not None

    @property
    def root_url(self) -> str:
        """``http://HOST:PORT`` (admin endpoints live under ``/_emulator``)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/whatsapp/v2``: the endpoint to give the API client."""
        return self.root_url + API_PREFIX

    def start(self) -> EmulatorServer:
        """Bind and listen (raises OSError if the port is taken), then serve in a thread."""
        if self._httpd is not None:
            raise RuntimeError("the emulator is already running")
        httpd = _HTTPServer((self._host, self._port), self.backend, self._verbose)
        self._port = int(httpd.server_address[1])
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_until_stopped,
            name=f"99digital-emulator:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and release the port (idempotent)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        httpd.close_connections()
        httpd.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
