"""Evidence files: type read from the content (magic bytes), size limit, SHA-256, storage under
MEDIA_ROOT/evidence/. The file name's extension must agree with the content; a renamed file is
refused rather than trusted."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024  # 20 MB per file
ALLOWED_EXTENSIONS = ("jpg", "jpeg", "png", "pdf", "mp3", "m4a", "mp4")
TYPE_ERROR = "不支持的文件类型：只能上传 jpg、jpeg、png、pdf、mp3、m4a、mp4 格式的文件。"
MISMATCH_ERROR = "文件内容与扩展名不符（文件内容是 {actual}），请上传原始文件。"
SIZE_ERROR = "文件过大：单个文件不能超过 20 MB。"
EMPTY_ERROR = "文件是空的，请重新选择。"

# kind → (content type, extensions that may carry it)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "jpg": ("image/jpeg", ("jpg", "jpeg")),
    "png": ("image/png", ("png",)),
    "pdf": ("application/pdf", ("pdf",)),
    "mp3": ("audio/mpeg", ("mp3",)),
    "m4a": ("audio/mp4", ("m4a",)),
    "mp4": ("video/mp4", ("mp4", "m4a")),
}
KIND_LABELS = {"jpg": "JPEG 图片", "png": "PNG 图片", "pdf": "PDF", "mp3": "MP3 音频"}
KIND_LABELS |= {"m4a": "M4A 音频", "mp4": "MP4 视频"}
AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}


def sniff(head: bytes) -> str | None:
    """The kind of file the first bytes show, or None for anything not allowed."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "m4a" if head[8:12] in AUDIO_BRANDS else "mp4"
    return None


@dataclass(frozen=True)
class StoredFile:
    kind: str
    content_type: str
    size: int
    sha256: str
    path: str  # relative to MEDIA_ROOT


def check(name: str, size: int, head: bytes) -> tuple[str, str]:
    """(kind, content type) of an upload, or a ValidationError with the Chinese message."""
    extension = Path(name).suffix.lower().lstrip(".")
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(TYPE_ERROR)
    if size > MAX_EVIDENCE_BYTES:
        raise ValidationError(SIZE_ERROR)
    if size == 0:
        raise ValidationError(EMPTY_ERROR)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(TYPE_ERROR)
    content_type, extensions = KINDS[kind]
    if extension not in extensions:
        raise ValidationError(MISMATCH_ERROR.format(actual=KIND_LABELS[kind]))
    return kind, content_type


def store(name: str, size: int, stream: IO[bytes]) -> StoredFile:
    """Check and store the upload; nothing is written if it is refused."""
    head = stream.read(16)
    kind, content_type = check(name, size, head)
    digest = hashlib.sha256(head)
    chunks = [head]
    total = len(head)
    while True:
        chunk = stream.read(1024 * 1024)
        if not chunk:
            break
        total += len(chunk)
        if total > MAX_EVIDENCE_BYTES:
            raise ValidationError(SIZE_ERROR)
        digest.update(chunk)
        chunks.append(chunk)
    sha = digest.hexdigest()
    relative = f"evidence/{sha[:2]}/{sha}.{kind}"
    target = Path(settings.MEDIA_ROOT) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        with partial.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
        partial.replace(target)
    return StoredFile(kind, content_type, total, sha, relative)


def absolute(path: str) -> Path:
    return Path(settings.MEDIA_ROOT) / path
