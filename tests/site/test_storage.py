"""Uploads through the storage API only (issue 15 point 6): with Django's in-memory storage as
the default backend, a file is stored, served and removed without the local folder ever being
touched, so object storage shared by several web replicas (UPLOAD_STORAGE=s3) works the same."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Attachment
from members.models import UnitRegistration
from tests.factories import MINIMAL_PDF, make_complete_application
from tests.members.test_registration import confirmed, register

ROOT = Path(__file__).resolve().parents[2]
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def memory_storage(settings, tmp_path):
    # An empty MEDIA_ROOT of its own, to show that nothing lands there.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return settings.MEDIA_ROOT


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.django_db
def test_it_stores_and_serves_an_attachment_from_the_configured_storage(
    client, alice, memory_storage
):
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    client.force_login(alice)
    content = MINIMAL_PDF + b"% in memory\n"
    response = client.post(
        f"/applications/{application.pk}/attachments/add/",
        {
            "attachment-kind": "other",
            "attachment-file": SimpleUploadedFile("说明.pdf", content, "application/pdf"),
        },
        **HX,
    )
    assert response.status_code == 200
    attachment = Attachment.objects.get(application=application, original_name="说明.pdf")
    assert isinstance(attachment.file.storage._wrapped, InMemoryStorage)
    assert attachment.file.storage.exists(attachment.file.name)

    download = client.get(f"/applications/{application.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    download.close()
    assert _files_under(memory_storage) == []


@pytest.mark.django_db(transaction=True)
def test_it_deletes_a_removed_file_from_the_configured_storage(client, alice, memory_storage):
    # transaction=True: the storage delete runs on commit.
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    attachment = application.attachments.first()
    storage = attachment.file.storage
    assert storage.exists(attachment.file.name)
    client.force_login(alice)
    response = client.post(
        f"/applications/{application.pk}/attachments/{attachment.pk}/remove/", **HX
    )
    assert response.status_code == 200
    assert not storage.exists(attachment.file.name)
    assert _files_under(memory_storage) == []


@pytest.mark.django_db
def test_it_serves_a_registration_licence_from_the_configured_storage(client, bob, memory_storage):
    registration = confirmed(register())
    stored = UnitRegistration.objects.get(pk=registration.pk).licence
    assert isinstance(stored.storage._wrapped, InMemoryStorage)
    client.force_login(bob)
    response = client.get(reverse("members:registration_licence", args=[registration.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    response.close()
    assert _files_under(memory_storage) == []


def _settings_with(**env):
    code = "from django.conf import settings; import json; print(json.dumps(settings.STORAGES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "liaoyang_consortia.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


def test_it_keeps_uploads_in_the_local_folder_by_default():
    result = _settings_with()
    assert result.returncode == 0, result.stderr
    assert '"django.core.files.storage.FileSystemStorage"' in result.stdout


def test_it_configures_private_s3_compatible_storage_from_the_environment():
    result = _settings_with(
        UPLOAD_STORAGE="s3",
        S3_BUCKET="liaoyang-uploads",
        S3_ENDPOINT_URL="https://oss.example.invalid",
        S3_ACCESS_KEY_ID="key-id",
        S3_SECRET_ACCESS_KEY="secret",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert '"storages.backends.s3.S3Storage"' in out
    assert '"bucket_name": "liaoyang-uploads"' in out
    assert '"endpoint_url": "https://oss.example.invalid"' in out
    assert '"default_acl": "private"' in out and '"file_overwrite": false' in out


def test_it_refuses_an_unknown_storage_and_a_bucket_without_credentials():
    unknown = _settings_with(UPLOAD_STORAGE="ftp")
    assert unknown.returncode != 0 and "UPLOAD_STORAGE 只能是 local 或 s3" in unknown.stderr
    partial = _settings_with(UPLOAD_STORAGE="s3", S3_BUCKET="b")
    assert partial.returncode != 0 and "S3_ACCESS_KEY_ID" in partial.stderr


# What "through the storage API" rules out, in the portal's own code.
APPS = ["applications", "members", "reviews", "reporting", "liaoyang_consortia"]


def _offences(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "path":
            owner = node.value
            # request.path is a URL, not a file.
            if not (isinstance(owner, ast.Name) and owner.id == "request"):
                found.append(f"line {node.lineno}: .path")
        if isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name == "MEDIA_ROOT":
                found.append(f"line {node.lineno}: MEDIA_ROOT")
    return found


# The places that may name the local folder, and why.
LOCAL_FOLDER_ALLOWED = {
    # make backup / make restore archive and restore the local folder itself (with S3 the
    # bucket keeps its own versions; the backup says so).
    "liaoyang_consortia/management/commands/backup.py",
    "liaoyang_consortia/management/commands/restore.py",
    "liaoyang_consortia/backup.py",
}


def test_no_code_reads_an_upload_by_its_path():
    offences = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = str(path.relative_to(ROOT))
            if "migrations" in path.parts or path.name == "settings.py":
                continue
            if relative in LOCAL_FOLDER_ALLOWED:
                continue
            found = _offences(path.read_text())
            if found:
                offences[str(path.relative_to(ROOT))] = found
    assert offences == {}


def test_the_path_check_can_fail():
    assert _offences("def f(a):\n    return open(a.file.path)\n") == ["line 2: .path"]
    assert _offences("from django.conf import settings\nx = settings.MEDIA_ROOT\n") == [
        "line 2: MEDIA_ROOT"
    ]
    assert _offences("def v(request):\n    return request.path\n") == []
