"""Checking uploaded attachments and serving them back.

An upload's type is decided by its CONTENT only. Both things the browser sends about a
file are chosen by whoever sends it: the file name ("report.pdf") is typed by the user and
the Content-Type header ("application/pdf") is set by the browser, or by any script, to
anything at all. A Windows executable renamed to report.pdf arrives as "application/pdf".
So `inspect_upload` ignores both, reads the bytes (magic numbers, then a real parse with
Pillow or zipfile), and returns the type it found; that type, not the browser's, is what
is stored and later sent back. `attachment_response` always serves the file as a download
with "X-Content-Type-Options: nosniff", so a browser never renders an upload as a page.
"""

import hashlib
import math
import re
import threading
import warnings
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageFile

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", DOCX: "docx", XLSX: "xlsx"}

# Zip bomb limits for DOCX/XLSX, checked on the central directory before anything is
# decompressed (zipfile never inflates an entry past the size its directory declares).
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024

# PDF readers accept "%PDF-" anywhere in the first 1024 bytes and "%%EOF" near the end.
PDF_HEADER_WINDOW = 1024
PDF_TRAILER_WINDOW = 2048

# Pillow's own default, used if a deployment has set Image.MAX_IMAGE_PIXELS to None.
DEFAULT_MAX_IMAGE_PIXELS = int(1024 * 1024 * 1024 // 4 // 3)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
ZIP_SIGNATURE = b"PK\x03\x04"

# Executables and scripts: refused outright, even if a "%PDF-" follows within the first
# 1024 bytes (a polyglot, not a PDF someone scanned).
FORBIDDEN_SIGNATURES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"#!",  # shell and other scripts
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"\xfe\xed\xfa\xce",  # Mach-O 32-bit
    b"\xfe\xed\xfa\xcf",  # Mach-O 64-bit
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit, little-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit, little-endian
)

KB = 1024
MB = 1024 * 1024


@dataclass(frozen=True)
class UploadInfo:
    content_type: str
    extension: str
    size: int
    sha256: str


def _bad_type() -> ValidationError:
    return ValidationError(
        _("只接受 PDF、JPEG、PNG、DOCX、XLSX 文件；该文件的内容不是其中任何一种（与文件名无关）。"),
        code="bad_type",
    )


def _format_size(size: int, unit: int, *, round_up: bool) -> str:
    """`size` in `unit` (MB, KB or bytes): whole when whole, otherwise one decimal.

    The uploaded size is rounded up, so a file just over the cap never reads as equal to it.
    """
    label = {MB: "MB", KB: "KB", 1: "字节"}[unit]
    if size % unit == 0:
        return f"{size // unit} {label}"
    value = size / unit
    if round_up:
        value = math.ceil(value * 10) / 10
    return f"{value:.1f} {label}"


def _too_large(size: int, limit: int) -> ValidationError:
    unit = MB if limit >= MB else KB if limit >= KB else 1
    return ValidationError(
        _("文件大小为 %(size)s，超过 %(limit)s 的上限。"),
        code="too_large",
        params={
            "size": _format_size(size, unit, round_up=True),
            "limit": _format_size(limit, unit, round_up=False),
        },
    )


def _read(uploaded_file) -> tuple[int, str, bytes, bytes]:
    """Hash the whole content; return (size, sha256, first 1024 bytes, last 2048 bytes)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    tail = b""
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
        size += len(chunk)
        if len(head) < PDF_HEADER_WINDOW:
            head = (head + chunk[:PDF_HEADER_WINDOW])[:PDF_HEADER_WINDOW]
        tail = (tail + chunk[-PDF_TRAILER_WINDOW:])[-PDF_TRAILER_WINDOW:]
    return size, digest.hexdigest(), head, tail


def _sniff(head: bytes) -> str | None:
    """The type the leading bytes claim, or None for anything not allowed."""
    if head.startswith(FORBIDDEN_SIGNATURES) or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(
        b"<"
    ):
        return None  # executables, scripts, HTML/XML/SVG
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if head.startswith(JPEG_SIGNATURE):
        return JPEG
    if head.startswith(ZIP_SIGNATURE):
        return "zip"
    if b"%PDF-" in head[:PDF_HEADER_WINDOW]:
        return PDF
    return None


_PILLOW_STRICT = threading.Lock()


@contextmanager
def _strict_pillow():
    """Make Pillow raise on truncated or undecodable image data while we decode.

    Importing WeasyPrint (applications/pdf.py does) sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES
    to True for the whole process; from then on Pillow's load() pads a truncated image with
    grey and ignores decoder errors, so a broken upload would pass. The flag is a module
    global, so it is switched off only around our own decoding, under a lock. The web runs
    sync workers; in a threaded server, a PDF rendered at that very instant would see the
    strict setting, which at worst makes WeasyPrint leave out a broken image.
    """
    with _PILLOW_STRICT:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _check_image(uploaded_file, content_type: str) -> None:
    pillow_format = "PNG" if content_type == PNG else "JPEG"
    limit = Image.MAX_IMAGE_PIXELS or DEFAULT_MAX_IMAGE_PIXELS
    bomb = ValidationError(
        _("图片像素数过多（超过 %(limit)s 像素），可能是恶意构造的文件，已拒绝。"),
        code="bomb",
        params={"limit": f"{limit:,}"},
    )
    corrupt = ValidationError(_("图片文件已损坏或不是真正的图片。"), code="corrupt")
    try:
        with _strict_pillow(), warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that: refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            uploaded_file.seek(0)
            with Image.open(uploaded_file, formats=[pillow_format]) as image:
                if image.width * image.height > limit:
                    raise bomb
                image.verify()
            uploaded_file.seek(0)
            with Image.open(uploaded_file, formats=[pillow_format]) as image:
                image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb from None
    except Exception:
        # Hostile input can make a decoder fail in many ways (OSError, SyntaxError,
        # struct.error, IndexError, ...): any failure means "not a real image".
        raise corrupt from None


def _check_pdf(tail: bytes) -> None:
    if b"%%EOF" not in tail:
        raise ValidationError(_("PDF 文件不完整或已损坏。"), code="corrupt")


def _check_office(uploaded_file) -> str:
    """Return DOCX or XLSX for a sound Office Open XML zip; raise otherwise."""
    corrupt = ValidationError(_("DOCX/XLSX 文件已损坏或不完整。"), code="corrupt")
    uploaded_file.seek(0)
    if not zipfile.is_zipfile(uploaded_file):
        raise corrupt
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            entries = archive.infolist()
            if len(entries) > ZIP_MAX_ENTRIES:
                raise ValidationError(
                    _("压缩包内的文件过多（%(count)s 个，上限 %(limit)s 个），已拒绝。"),
                    code="bomb",
                    params={"count": len(entries), "limit": ZIP_MAX_ENTRIES},
                )
            if sum(entry.file_size for entry in entries) > ZIP_MAX_UNCOMPRESSED_BYTES:
                raise ValidationError(
                    _("文件解压后超过 %(limit)s MB，可能是恶意构造的文件，已拒绝。"),
                    code="bomb",
                    params={"limit": ZIP_MAX_UNCOMPRESSED_BYTES // MB},
                )
            names = {entry.filename.lower() for entry in entries}
            if "[content_types].xml" not in names:
                raise _bad_type()
            is_docx = "word/document.xml" in names
            is_xlsx = "xl/workbook.xml" in names
            if is_docx == is_xlsx:  # neither, or an odd mixture of both
                raise _bad_type()
            if any(name.endswith("vbaproject.bin") for name in names):
                raise ValidationError(
                    _("不接受含宏的 Office 文件，请另存为不含宏的 DOCX 或 XLSX 后再上传。"),
                    code="macro",
                )
            if archive.testzip() is not None:
                raise corrupt
    except ValidationError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        RuntimeError,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
    ):
        # RuntimeError: encrypted entries; NotImplementedError: unknown compression.
        raise corrupt from None
    return DOCX if is_docx else XLSX


def inspect_upload(uploaded_file) -> UploadInfo:
    """Decide the type of `uploaded_file` from its content and check that it is sound.

    The file name and the browser's content_type are never looked at. Raises
    ValidationError (codes: too_large, empty, bad_type, corrupt, bomb, macro). Leaves the
    file at position 0, ready to be saved.
    """
    limit = settings.UPLOAD_MAX_BYTES
    declared = uploaded_file.size
    if declared is not None and declared > limit:
        raise _too_large(declared, limit)
    if declared == 0:
        raise ValidationError(_("文件为空。"), code="empty")
    try:
        size, sha256, head, tail = _read(uploaded_file)
        if size > limit:
            raise _too_large(size, limit)
        if size == 0:
            raise ValidationError(_("文件为空。"), code="empty")

        content_type = _sniff(head)
        if content_type is None:
            raise _bad_type()
        if content_type in (PNG, JPEG):
            _check_image(uploaded_file, content_type)
        elif content_type == PDF:
            _check_pdf(tail)
        else:
            content_type = _check_office(uploaded_file)
    finally:
        uploaded_file.seek(0)
    return UploadInfo(
        content_type=content_type,
        extension=EXTENSIONS[content_type],
        size=size,
        sha256=sha256,
    )


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def attachment_response(attachment) -> FileResponse:
    """Stream `attachment` as a download under its original name. No permission checks:
    the calling view decides who may see it."""
    attachment.file.open("rb")
    # Control characters (a newline, say) must never reach a header.
    filename = _CONTROL_CHARACTERS.sub("_", attachment.original_name or "").strip()
    response = FileResponse(
        attachment.file,
        as_attachment=True,
        filename=filename or "attachment",
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
