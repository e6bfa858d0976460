"""The deployment files (Dockerfile, docker-compose.yml) hold the production shape of
DESIGN.md §3/§9. No Docker engine runs in the test environment: docker-compose v1 validates
the file without one, and the rest is read as text/YAML. No database is needed here."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
APP_SERVICES = ("web", "worker", "beat")


def _compose():
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _command_text(service):
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def _environment(service):
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    return environment


def test_it_validates_with_docker_compose():
    executable = shutil.which("docker-compose")
    assert executable is not None, "docker-compose is not installed (`make test` installs it)"
    env = {**os.environ, "SECRET_KEY": "compose-config-check"}
    result = subprocess.run(
        [executable, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_without_a_secret_key():
    executable = shutil.which("docker-compose")
    assert executable is not None, "docker-compose is not installed (`make test` installs it)"
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    result = subprocess.run(
        [executable, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_it_declares_the_production_services():
    compose = _compose()
    services = compose["services"]
    for name in ("db", "redis", *APP_SERVICES):
        assert name in services, f"service {name} is missing"

    assert str(services["db"]["image"]).startswith("postgres:16")
    assert str(services["redis"]["image"]).startswith("redis:")

    assert "gunicorn" in _command_text(services["web"])
    assert "migrate" in _command_text(services["web"])
    worker = _command_text(services["worker"])
    assert "celery" in worker and "worker" in worker
    beat = _command_text(services["beat"])
    assert "celery" in beat and "beat" in beat

    for name in ("db", "redis", "web"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert "/healthz" in str(services["web"]["healthcheck"]["test"])


def test_it_configures_the_app_services_by_environment():
    compose = _compose()
    services = compose["services"]
    for name in APP_SERVICES:
        environment = _environment(services[name])
        assert "@db:5432/" in str(environment.get("DATABASE_URL", "")), name
        assert str(environment.get("DATABASE_URL", "")).startswith("postgres"), name
        assert str(environment.get("CELERY_BROKER_URL", "")).startswith("redis://redis:"), name
        assert "SECRET_KEY" in str(environment.get("SECRET_KEY", "")), name  # ${SECRET_KEY...}
        assert str(environment.get("DEBUG")) in ("0", "False", "false"), name
        assert environment.get("MEDIA_ROOT"), name
        depends_on = services[name].get("depends_on") or {}
        assert "db" in depends_on and "redis" in depends_on, name


def test_it_declares_volumes_for_the_database_and_uploads():
    compose = _compose()
    services = compose["services"]
    declared = set((compose.get("volumes") or {}).keys())

    def named_volumes(service):
        return {str(v).split(":", 1)[0] for v in service.get("volumes", []) if ":" in str(v)}

    db_volumes = named_volumes(services["db"]) & declared
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in services["db"]["volumes"]), (
        "the database directory is not on a volume"
    )
    assert db_volumes, "the database volume is not declared"

    for name in APP_SERVICES:
        media_root = _environment(services[name])["MEDIA_ROOT"]
        mounted = {
            str(v).split(":", 1)[0]
            for v in services[name].get("volumes", [])
            if str(v).split(":")[1:2] == [media_root]
        }
        assert mounted & declared, f"{name}: MEDIA_ROOT {media_root} is not on a declared volume"


def test_it_builds_a_weasyprint_ready_image_that_runs_as_non_root():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM\s+python:3\.11-slim-bookworm\b", text, re.MULTILINE)
    assert "fonts-noto-cjk" in text
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
        assert package in text
    assert "--no-install-recommends" in text
    assert "collectstatic" in text
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users, "the image never switches USER"
    assert users[-1] not in ("root", "0", "0:0"), "the image runs as root"
    assert re.search(r"^CMD\s.*gunicorn", text, re.MULTILINE)


def test_it_keeps_local_state_out_of_the_build_context():
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".venv", ".git", "db.sqlite3", "media", "staticfiles"):
        assert entry in ignored, entry
