"""docker-compose's form of make backup / make restore (issue 15 point 2), read as YAML and
text: no Docker engine runs here (tests/test_compose.py validates the whole file)."""

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _services():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def test_the_backup_service_is_a_one_off_that_only_reads_the_uploads():
    backup = _services()["backup"]
    assert backup["profiles"] == ["tools"]  # `docker compose up` leaves it out
    assert backup["command"] == "scripts/backup.sh"
    assert backup["environment"]["BACKUP_DIR"] == "/backups"
    assert "media:/data/media:ro" in backup["volumes"]
    assert "./backups:/backups" in backup["volumes"]
    assert (
        backup["environment"]["DATABASE_URL"] == _services()["web"]["environment"]["DATABASE_URL"]
    )
    assert backup["restart"] == "no"


def test_the_restore_service_writes_the_uploads_and_reads_the_backups():
    restore = _services()["restore"]
    assert restore["profiles"] == ["tools"]
    assert restore["entrypoint"] == ["scripts/restore.sh"]
    assert "media:/data/media" in restore["volumes"]
    assert "./backups:/backups:ro" in restore["volumes"]


def test_the_image_has_a_pg_dump_of_the_servers_major_version():
    server = re.fullmatch(r"postgres:(\d+)(\..*)?", _services()["db"]["image"]).group(1)
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert f"ARG PG_MAJOR={server}\n" in dockerfile
    assert '"postgresql-client-${PG_MAJOR}"' in dockerfile
    assert "apt.postgresql.org/pub/repos/apt bookworm-pgdg main" in dockerfile


def test_backups_stay_out_of_git_and_of_the_image():
    assert "/backups/" in (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert "backups" in (REPO / ".dockerignore").read_text(encoding="utf-8").split()
