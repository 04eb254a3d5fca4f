"""Reading an instructor's upload (Markdown files, scenario files, or a .zip of them) safely. Pure: bytes in,
a checked set of (relative path, bytes) out, or an `UploadError` with a message meant for the instructor.

Refused: zip members with absolute paths or `..`, symbolic links, encrypted members, more files than allowed,
a file or a total larger than allowed (measured while decompressing, not trusted from the zip's directory), and
a zip that is not a zip. Nothing else is read: no nested archives are expanded.
"""
from __future__ import annotations

import io
import posixpath
import re
import stat
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from flask_babel import gettext as _

MARKDOWN = (".md",)
RESOURCES = (".yaml", ".yml")  # scenario files a sim question names with `scenario:`
IGNORED_DIRS = ("__MACOSX",)
README_NAMES = ("readme.md", "license.md", "changelog.md")
_DRIVE = re.compile(r"^[A-Za-z]:")
CHUNK = 64 * 1024

DEFAULT_LIMITS = {
    "PACK_UPLOAD_MAX_FILES": 300,  # files in the upload (after expanding a zip)
    "PACK_UPLOAD_MAX_FILE_BYTES": 2 * 1024 * 1024,  # one file, uncompressed
    "PACK_UPLOAD_MAX_TOTAL_BYTES": 20 * 1024 * 1024,  # all files, uncompressed
}


class UploadError(ValueError):
    """An upload refused as a whole; the message says what to change."""


@dataclass(frozen=True)
class UploadLimits:
    max_files: int = DEFAULT_LIMITS["PACK_UPLOAD_MAX_FILES"]
    max_file_bytes: int = DEFAULT_LIMITS["PACK_UPLOAD_MAX_FILE_BYTES"]
    max_total_bytes: int = DEFAULT_LIMITS["PACK_UPLOAD_MAX_TOTAL_BYTES"]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> UploadLimits:
        return cls(int(config.get("PACK_UPLOAD_MAX_FILES", cls.max_files)),
                   int(config.get("PACK_UPLOAD_MAX_FILE_BYTES", cls.max_file_bytes)),
                   int(config.get("PACK_UPLOAD_MAX_TOTAL_BYTES", cls.max_total_bytes)))


@dataclass
class UploadedFiles:
    """The accepted files by relative POSIX path, and notes on what was skipped."""

    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def markdown(self) -> list[tuple[str, bytes]]:
        return sorted((path, data) for path, data in self.files.items()
                      if path.lower().endswith(MARKDOWN) and posixpath.basename(path).lower() not in README_NAMES)

    def read_resource(self, markdown_path: str, name: str) -> bytes | None:
        """A file named relative to a Markdown file of the upload; never outside the upload."""
        if not name or name.startswith(("/", "\\")) or _DRIVE.match(name):
            return None
        target = posixpath.normpath(posixpath.join(posixpath.dirname(markdown_path), name.replace("\\", "/")))
        if target == ".." or target.startswith("../"):
            return None
        return self.files.get(target)

    @property
    def total_bytes(self) -> int:
        return sum(len(data) for data in self.files.values())


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB" if size >= 1024 * 1024 else f"{size // 1024} KiB"


def safe_path(name: str, where: str) -> str | None:
    """The member's relative POSIX path; None for entries to skip silently; UploadError for hostile ones."""
    raw = name.replace("\\", "/")
    if raw.startswith("/") or _DRIVE.match(raw):
        raise UploadError(_("%(where)s: %(name)r is an absolute path; a pack upload holds relative paths only (zip the pack folder's contents, e.g. `cd pack && zip -r ../pack.zip .`)", where=where, name=name))
    parts = [part for part in raw.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UploadError(_('%(where)s: %(name)r climbs out of the upload with `..`; remove that file from the zip', where=where, name=name))
    if not parts or raw.endswith("/"):
        return None
    if parts[0] in IGNORED_DIRS or any(part.startswith(".") for part in parts):
        return None
    if any(ord(ch) < 32 for ch in raw):
        raise UploadError(_('%(where)s: %(name)r has control characters in its name; rename the file', where=where, name=name))
    return "/".join(parts)


class _Reader:
    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.result = UploadedFiles()
        self.total = 0
        self.count = 0

    def add(self, path: str, data: bytes, where: str) -> None:
        lower = path.lower()
        if not lower.endswith(MARKDOWN + RESOURCES):
            self.result.notes.append(_('%(path)s: skipped (only .md files and .yaml/.yml scenario files are read)', path=path))
            return
        if path in self.result.files:
            raise UploadError(_('%(where)s: %(path)s is in the upload twice; keep one', where=where, path=path))
        self.count += 1
        if self.count > self.limits.max_files:
            raise UploadError(_('the upload has more than %(max_files)s files; split the pack', max_files=self.limits.max_files))
        if len(data) > self.limits.max_file_bytes:
            raise UploadError(_('%(path)s is larger than %(size)s; a question file should be far smaller: split it', path=path, size=_mib(self.limits.max_file_bytes)))
        self.total += len(data)
        if self.total > self.limits.max_total_bytes:
            raise UploadError(_('the files add up to more than %(size)s uncompressed; split the pack', size=_mib(self.limits.max_total_bytes)))
        self.result.files[path] = data

    def add_zip(self, upload_name: str, data: bytes) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
            raise UploadError(_('%(upload_name)s is not a readable zip archive; create it again (e.g. `zip -r pack.zip pack/`)', upload_name=upload_name)) from None
        files = [info for info in members if not info.is_dir()]
        if len(files) > self.limits.max_files:
            raise UploadError(_('%(upload_name)s holds %(count)s files, more than the %(max_files)s allowed; split the pack', upload_name=upload_name, count=len(files), max_files=self.limits.max_files))
        declared = 0
        for info in files:
            where = f"{upload_name}"
            path = safe_path(info.filename, where)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UploadError(_('%(upload_name)s: %(filename)r is a symbolic link; zip the real file instead', upload_name=upload_name, filename=info.filename))
            if info.flag_bits & 0x1:
                raise UploadError(_('%(upload_name)s: %(filename)r is encrypted; upload an unencrypted zip', upload_name=upload_name, filename=info.filename))
            if path is None:
                continue
            if info.file_size > self.limits.max_file_bytes:
                raise UploadError(_('%(upload_name)s: %(path)s expands to %(size)s, more than the %(most)s allowed per file', upload_name=upload_name, path=path, size=_mib(info.file_size), most=_mib(self.limits.max_file_bytes)))
            declared += info.file_size
            if declared > self.limits.max_total_bytes:
                raise UploadError(_('%(upload_name)s expands to more than %(size)s; split the pack', upload_name=upload_name, size=_mib(self.limits.max_total_bytes)))
        for info in files:
            path = safe_path(info.filename, upload_name)
            if path is None:
                continue
            if not path.lower().endswith(MARKDOWN + RESOURCES):
                self.result.notes.append(_('%(path)s: skipped (only .md files and .yaml/.yml scenario files are read)', path=path))
                continue
            self.add(path, self._read_member(archive, info, upload_name, path), upload_name)

    def _read_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, upload_name: str, path: str) -> bytes:
        """Decompress with a cap: a zip's directory can lie about sizes (a zip bomb)."""
        cap = min(self.limits.max_file_bytes, self.limits.max_total_bytes - self.total)
        chunks, size = [], 0
        try:
            with archive.open(info) as member:
                while True:
                    chunk = member.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > cap:
                        raise UploadError(_('%(upload_name)s: %(path)s expands beyond the size its zip entry declares or the %(size)s allowed; upload rejected', upload_name=upload_name, path=path, size=_mib(self.limits.max_file_bytes)))
                    chunks.append(chunk)
        except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, OSError) as error:
            raise UploadError(_('%(upload_name)s: %(path)s cannot be decompressed (%(error)s); create the zip again', upload_name=upload_name, path=path, error=error)) \
                from None
        return b"".join(chunks)


def read_upload(parts: Iterable[tuple[str, bytes]], limits: UploadLimits | None = None) -> UploadedFiles:
    """Read uploaded (file name, bytes) parts: `.zip` archives are expanded, other files taken as they are."""
    reader = _Reader(limits or UploadLimits())
    seen_any = False
    for name, data in parts:
        if not name and not data:
            continue
        seen_any = True
        display = posixpath.basename((name or "upload").replace("\\", "/")) or "upload"
        if display.lower().endswith(".zip") or data[:4] == b"PK\x03\x04":
            reader.add_zip(display, data)
        else:
            path = safe_path(name or "", "upload")
            if path is None:
                reader.result.notes.append(_('%(name)r: skipped (hidden or not a file)', name=name))
                continue
            reader.add(path, data, "upload")
    if not seen_any:
        raise UploadError(_('choose one or more .md files, or a .zip of the pack folder'))
    if not reader.result.markdown:
        raise UploadError(_('the upload holds no Markdown (.md) question file; a pack is a folder of .md files (see docs/authoring.md)'))
    return reader.result


def archive_bytes(files: Mapping[str, bytes]) -> bytes:
    """The accepted files as a deterministic zip (what a draft keeps, and what its hash is taken over)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()


def files_from_archive(data: bytes) -> dict[str, bytes]:
    """The files of a draft's archive (written by `archive_bytes`, so already checked)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}
