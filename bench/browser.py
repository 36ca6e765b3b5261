"""A minimal HTTP client with cookies, for signing staff in through the real forms."""

from __future__ import annotations

import http.client
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyotp

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Page:
    """A response: status, Location header and body text."""

    status: int
    location: str
    text: str


@dataclass
class Browser:
    """Sends each request on a new connection with the cookies the server set (Secure too)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def _send(self, method: str, path: str, form: dict[str, str] | None = None) -> Page:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookie, _, _ = value.partition(";")
                    key, _, content = cookie.partition("=")
                    if (
                        content
                        and "Max-Age=0" not in value
                        and "expires=Thu, 01 Jan 1970" not in value
                    ):
                        self.cookies[key.strip()] = content.strip().strip('"')
                    else:
                        self.cookies.pop(key.strip(), None)
            return Page(response.status, response.getheader("Location") or "", text)
        finally:
            connection.close()

    def get(self, path: str) -> Page:
        """GET a path."""
        return self._send("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Page:
        """POST a form."""
        return self._send("POST", path, form)

    def cookie_header(self) -> str:
        """The Cookie header this browser sends."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def csrf(self, path: str) -> str:
        """GET a page and return the CSRF token of its first form."""
        page = self.get(path)
        match = CSRF.search(page.text)
        if page.status != 200 or match is None:
            raise RuntimeError(f"GET {path} answered {page.status} without a CSRF token")
        return match.group(1)

    def sign_in(self, username: str, password: str, totp_secret: str) -> None:
        """Sign in with password and the current TOTP code, as a person would."""
        form = {"username": username, "password": password, "csrf_token": self.csrf("/sign-in")}
        first = self.post("/sign-in", form)
        if first.status != 302 or "/sign-in/code" not in first.location:
            raise RuntimeError(f"sign-in of {username} refused ({first.status})")
        code = pyotp.TOTP(totp_secret).at(datetime.now(UTC))
        second = self.post(
            "/sign-in/code", {"code": code, "csrf_token": self.csrf("/sign-in/code")}
        )
        if second.status != 302:
            raise RuntimeError(f"second factor of {username} refused ({second.status})")
