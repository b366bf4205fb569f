"""The replica's HTTP server: serves a ``Site`` on loopback, logs every request, heals its one 500.

Usable in-process (``Replica(...).start()`` in a background thread, port 0 picks a free port) and
from the command line (``wjcrawl replica --port P``).
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

from wjcrawl.replica import faults as faults_mod
from wjcrawl.replica.site import CHANNEL_BY_SLUG, Channel, Site

ROBOTS_TXT = """User-agent: *
Disallow: /news/neibu/
Disallow: /search/
"""
# A 1x1 transparent GIF, served for every /uploads/ image.
GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
ARTICLE_PATH = re.compile(r"^/news/([a-z0-9_]+)/(\d{4}-\d{2}-\d{2})/(\d+)\.html$")
LISTING_PATH = re.compile(r"^/news/([a-z0-9_]+)/(?:(index|list)(?:_(\d+))?\.html)?$")
NOT_FOUND = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>404</title></head><body><h1>页面不存在</h1></body></html>'
)


class Replica:
    """A running replica of the news center."""

    def __init__(
        self,
        site: Site | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        log_file: str | Path | None = None,
        faults: Iterable[str] = (),
    ) -> None:
        self.site = site or Site()
        self.faults = set(faults)
        self.fault_paths = faults_mod.article_targets(self.site, sorted(self.faults))
        self._fault_hits: dict[str, int] = {}
        self._httpd = _Server((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.replica = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._log: IO[str] | None = open(log_file, "a", encoding="utf-8") if log_file else None  # noqa: SIM115
        self.requests: list[dict[str, Any]] = []
        self._healed: set[str] = set()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Replica:
        if self._thread:  # already serving
            return self
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replica", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._thread:  # shutdown() waits for a serve_forever() loop: only ask one that runs
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()
        if self._log:
            self._log.close()
            self._log = None

    def __enter__(self) -> Replica:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def write_truth(self, path: str | Path) -> int:
        records = self.site.truth(self.base_url)
        with open(path, "w", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return len(records)

    def paths_requested(self) -> list[str]:
        with self._lock:
            return [r["path"] for r in self.requests]

    def _record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(entry)
            if self._log:
                self._log.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self._log.flush()

    def fault_for(self, path: str) -> str | None:
        """The fault this request meets, if any (a "-heal" fault only for its first requests)."""
        mode = self.fault_paths.get(path)
        if mode is None:
            if "article-layout" in self.faults and ARTICLE_PATH.match(path):
                return "article-layout"
            if "listing-layout" in self.faults and path == faults_mod.layout_channel_first_page():
                return "listing-layout"
            return None
        if mode.endswith("-heal"):
            with self._lock:
                self._fault_hits[path] = hits = self._fault_hits.get(path, 0) + 1
            return mode if hits <= faults_mod.HEAL_AFTER else None
        return mode

    def first_request_fails(self, path: str) -> bool:
        """True once per path: the healing 500 fails its first request only."""
        with self._lock:
            if path in self._healed:
                return False
            self._healed.add(path)
            return True

    # --- routing -----------------------------------------------------------------------------

    def respond(self, raw_path: str, host: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET of ``raw_path``."""
        parts = urlsplit(raw_path)
        path = parts.path
        site = self.site
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", ROBOTS_TXT.encode()
        if path in ("/", "/index.html"):
            return _html(200, site.render_home(), "utf-8", "utf-8")
        if path in ("/news/", "/news/index.html"):
            return _html(200, site.render_news_index(), "utf-8", "utf-8")
        if path.startswith("/uploads/") and path.endswith(".jpg"):
            return 200, "image/gif", GIF
        m = ARTICLE_PATH.match(path)
        if m:
            return self._article(m, path)
        m = LISTING_PATH.match(path)
        if m and m.group(1) in CHANNEL_BY_SLUG:
            channel = CHANNEL_BY_SLUG[m.group(1)]
            n = _listing_page_number(channel, m.group(2), m.group(3), parts.query)
            page = site.render_listing(channel, n, host) if n else None
            if page is not None:
                return _html(200, page, channel.charset, channel.header_charset)
        return _html(404, NOT_FOUND, "utf-8", "utf-8")

    def _article(self, m: re.Match[str], path: str) -> tuple[int, str, bytes]:
        slug, date, article_id = m.group(1), m.group(2), int(m.group(3))
        i = self.site.index_of_id.get(article_id)
        if i is not None:
            a = self.site.article(i)
            if slug in {c.slug for c in a.channels} and a.date.isoformat() == date:
                if a.special == "missing":
                    return _html(404, NOT_FOUND, "utf-8", "utf-8")
                if a.special == "heal500" and self.first_request_fails(path):
                    return _html(500, "<html><body>Internal Server Error</body></html>", "utf-8", "utf-8")
                return _html(200, self.site.render_article(a), a.channel.charset, a.channel.header_charset)
        return _html(404, NOT_FOUND, "utf-8", "utf-8")


def _listing_page_number(channel: Channel, kind: str | None, number: str | None, query: str) -> int | None:
    if channel.page_scheme == "?page={n}":
        if kind and (kind != "index" or number):
            return None
        pages = parse_qs(query).get("page")
        return int(pages[0]) if pages and pages[0].isdigit() else (None if pages else 1)
    if kind is None or number is None:
        return 1 if kind in (None, "index") else None
    return int(number) if channel.page_scheme.startswith(kind) else None


def _html(status: int, page: str, charset: str, header_charset: str | None) -> tuple[int, str, bytes]:
    ctype = f"text/html; charset={header_charset}" if header_charset else "text/html"
    return status, ctype, page.encode(charset)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a crawler giving up on a fault) is not the replica's error."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: Scrapy reuses connections
    server_version = "wj001-replica/1.0"
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stalls

    def do_GET(self) -> None:
        replica: Replica = self.server.replica  # type: ignore[attr-defined]
        fault = replica.fault_for(urlsplit(self.path).path) if replica.faults else None
        if fault and self._fault(replica, fault):
            return
        status, ctype, body = replica.respond(self.path, self.headers.get("Host", "127.0.0.1"))
        if fault == "article-layout" and status == 200:
            body = faults_mod.strip_layout(body)
        elif fault == "listing-layout" and status == 200:
            body = faults_mod.empty_listing(body)
        elif fault == "wrong-charset" and status == 200:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = body.decode("gb18030")
            text = re.sub(r"charset=(gb2312|gbk)", "charset=utf-8", text)
            ctype, body = "text/html; charset=utf-8", text.encode("gbk", errors="replace")
        # Logged before the answer goes out: whoever got a response finds its request in the log.
        replica._record(
            {
                "ts": round(time.time(), 3),
                "method": "GET",
                "path": self.path,
                "status": status,
                "bytes": len(body),
                "ua": self.headers.get("User-Agent", ""),
            }
        )
        self._send(status, ctype, body)

    def _fault(self, replica: Replica, fault: str) -> bool:
        """Serve a fault that is not a plain page; False when the page itself is to be altered."""
        path = self.path
        log = {
            "ts": round(time.time(), 3),
            "method": "GET",
            "path": path,
            "fault": fault,
            "ua": self.headers.get("User-Agent", ""),
        }
        if fault in ("500-heal", "502-heal", "503-permanent"):
            status = int(fault[:3])
            replica._record(log | {"status": status, "bytes": 0})
            self._send(status, "text/html; charset=utf-8", b"<html><body>Server Error</body></html>")
        elif fault == "reset":
            replica._record(log | {"status": 0, "bytes": 0})
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif fault == "timeout":
            replica._record(log | {"status": 200, "bytes": 0})
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.flush()
            time.sleep(30)  # longer than any test's download timeout
            self.close_connection = True
        elif fault == "drip":
            status, ctype, body = replica.respond(path, self.headers.get("Host", "127.0.0.1"))
            replica._record(log | {"status": status, "bytes": len(body)})
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            step = max(1, len(body) // 10)
            for k in range(0, len(body), step):
                self.wfile.write(body[k : k + step])
                self.wfile.flush()
                time.sleep(0.1)
        elif fault == "truncated":
            status, ctype, body = replica.respond(path, self.headers.get("Host", "127.0.0.1"))
            replica._record(log | {"status": status, "bytes": len(body) // 2})
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif fault in ("garbage", "empty", "huge"):
            body = (
                faults_mod.garbage(path) if fault == "garbage" else b"" if fault == "empty" else faults_mod.huge_page()
            )
            replica._record(log | {"status": 200, "bytes": len(body)})
            self._send(200, "text/html; charset=utf-8", body)
        elif fault in ("redirect-loop", "redirect-offsite"):
            parts = urlsplit(path)
            n = int(parse_qs(parts.query).get("r", ["0"])[0]) + 1
            location = f"{parts.path}?r={n}" if fault == "redirect-loop" else faults_mod.offsite_location(parts.path)
            replica._record(log | {"status": 302, "bytes": 0})
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            return False
        return True

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # silence http.server's stderr noise
        pass
