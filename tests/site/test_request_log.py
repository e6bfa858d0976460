"""One log line per request and per task (DESIGN.md §17): the request id (also in the
X-Request-ID header and in every other line of the request), the user id, the status and
the time; as JSON keys with LOG_FORMAT=json."""

import json
import logging
import logging.config
import re

import pytest
from django.conf import settings

from liaoyang_consortia import tasks

pytestmark = pytest.mark.django_db
HEX = re.compile(r"^[0-9a-f]{32}$")


def _lines(caplog, name="liaoyang_consortia.requests"):
    return [r for r in caplog.records if r.name == name]


def test_each_request_gets_an_id_and_one_line(client, caplog):
    caplog.set_level(logging.INFO, logger="liaoyang_consortia.requests")
    first = client.get("/")
    second = client.get("/no-such-page/")
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert all(HEX.match(i) for i in ids) and ids[0] != ids[1]
    lines = _lines(caplog)
    assert [(r.method, r.path, r.status, r.request_id) for r in lines] == [
        ("GET", "/", 200, ids[0]),
        ("GET", "/no-such-page/", 404, ids[1]),
    ]
    assert all(r.user_id is None and r.duration_ms >= 0 for r in lines)
    assert lines[0].getMessage().startswith("GET / 200 ")


def test_the_line_names_the_signed_in_user(client, alice, caplog):
    client.force_login(alice)
    caplog.set_level(logging.INFO, logger="liaoyang_consortia.requests")
    client.get("/notifications/")
    [line] = _lines(caplog)
    assert (line.status, line.user_id) == (200, alice.pk)
    assert line.getMessage().endswith(f"user={alice.pk}")


def _formatter(name):
    config = {**settings.LOGGING, "handlers": {}, "root": {"handlers": []}, "loggers": {}}
    logging.config.dictConfig(config)
    factory = dict(settings.LOGGING["formatters"][name])
    if "()" in factory:
        from django.utils.module_loading import import_string

        cls = import_string(factory.pop("()"))
        return cls(fmt=factory.pop("format"), **factory)
    return logging.Formatter(factory["format"])


def _record(**extra):
    record = logging.LogRecord(
        "liaoyang_consortia.requests", logging.INFO, __file__, 1, "GET / 200", None, None
    )
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_lines_carry_every_field_as_a_key():
    line = _formatter("json").format(
        _record(request_id="ab" * 16, status=200, user_id=7, duration_ms=3.5, path="/")
    )
    data = json.loads(line)
    assert data["request_id"] == "ab" * 16 and data["logger"] == "liaoyang_consortia.requests"
    assert (data["status"], data["user_id"], data["duration_ms"], data["path"]) == (
        200,
        7,
        3.5,
        "/",
    )
    assert data["level"] == "INFO" and data["message"] == "GET / 200" and data["time"]


def test_text_lines_show_the_request_id():
    line = _formatter("text").format(_record(request_id="cd" * 16))
    assert f"[{'cd' * 16}] liaoyang_consortia.requests: GET / 200" in line


def test_the_format_follows_log_format():
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == ("json" if settings.LOG_FORMAT == "json" else "text")
    assert handler["filters"] == ["request_id"]


def test_each_task_gets_one_line_with_its_id(caplog):
    caplog.set_level(logging.INFO, logger="liaoyang_consortia.tasks")
    result = tasks.sweep_outbox.apply()
    [line] = _lines(caplog, "liaoyang_consortia.tasks")
    assert line.task == "liaoyang_consortia.tasks.sweep_outbox"
    assert (line.task_id, line.request_id, line.status) == (result.id, result.id, "SUCCESS")
    assert line.duration_ms >= 0
