"""Demo users sign in with the published password and the code `casework demo-code` prints."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from casework.boundary import now as real_now
from casework.commands.identity import demo_code_command
from casework.demo import DEMO_PASSWORD, load_demo
from casework.keys.services import Keys
from casework.web.auth import SESSION_COOKIE, csrf_token_for_session


def test_a_demo_user_signs_in_with_the_password_and_the_demo_code(
    app: Flask, session: Session, keys: Keys, now: datetime
) -> None:
    load_demo(session, keys, real_now())
    session.commit()
    result = app.test_cli_runner().invoke(demo_code_command, ["unx.investigator"])
    assert result.exit_code == 0, result.output
    code = result.output.strip()
    assert re.fullmatch(r"\d{6}", code)
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert "casework demo-code USERNAME" in page
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert csrf is not None
    response = client.post(
        "/sign-in",
        data={
            "username": "unx.investigator",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf.group(1),
        },
    )
    assert response.status_code == 302
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    response = client.post(
        "/sign-in/code", data={"code": code, "csrf_token": csrf_token_for_session(cookie.value)}
    )
    assert response.status_code == 302
