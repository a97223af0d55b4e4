"""A real HTTP server speaking the OpenAI chat-completions protocol, scripted per test (127.0.0.1, a thread).

Each request pops the next scripted reply; every request body is kept, so tests assert on exactly what
left the process (e.g. that no secret did).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """What the server answers to one request."""

    content: str | None = None  # chat completion content (200)
    status: int = 200
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def good(answer: dict[str, Any]) -> Reply:
    """A 200 chat completion whose content is `answer` as JSON."""
    return Reply(content=json.dumps(answer))


@dataclass
class LlmServer:
    """The scripted server's state: replies to give, requests received."""

    url: str
    replies: list[Reply]
    requests: list[dict[str, Any]] = field(default_factory=list)
    default: Reply | None = None

    def bodies_text(self) -> str:
        """Every request body received, as one string (for "this never left the process" asserts)."""
        return "\n".join(json.dumps(body) for body in self.requests)


@contextmanager
def llm_server(
    replies: list[Reply] | None = None, default: Reply | None = None, host: str = "127.0.0.1"
) -> Iterator[LlmServer]:
    """Start the server on `host` (loopback unless a test needs a routed address); `url` ends in /v1."""
    state = LlmServer(url="", replies=list(replies or []), default=default)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with lock:
                state.requests.append(body)
                reply = state.replies.pop(0) if state.replies else state.default
            if reply is None:
                reply = Reply(status=500, content=None)
            if self.path != "/v1/chat/completions":
                reply = Reply(status=404)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.status == 200:
                payload = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "model": body.get("model"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.content},
                                 "finish_reason": "stop"}],
                }  # fmt: skip
                data = json.dumps(payload).encode()
            else:
                data = json.dumps({"error": {"message": f"scripted {reply.status}"}}).encode()
            try:
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left: nothing to answer to

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
            return

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://{host}:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
