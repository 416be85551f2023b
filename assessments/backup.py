"""Backups of the database and the stored files in one tar archive, and their restore.

PostgreSQL goes through pg_dump / pg_restore (custom format); SQLite through its online
backup API, so the copy is consistent while the application keeps running. The stored files
(signed PDFs, books) are read through Django's storage, local folder or S3 bucket alike.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.contrib.auth.models import User
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.utils import timezone

from .models import Assessment

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files/"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


def stored_files(storage: Storage = default_storage, folder: str = "") -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        # A new installation whose media folder was never created holds no files.
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from stored_files(storage, f"{folder}/{sub}" if folder else sub)


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
    if db["USER"]:
        args += ["-U", db["USER"]]
    env = {**os.environ}
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return [*args, "-d", db["NAME"]], env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"找不到 {command[0]}：请安装 PostgreSQL 客户端（postgresql-client）。")
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{done.stderr.strip()}")


def dump_database(target: Path) -> str:
    """Write a consistent copy of the database to `target`; returns its file name in the archive."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
        return "database.sqlite3"
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                *args,
                "-f",
                str(target),
            ],
            env,
        )
        return "database.dump"
    raise BackupError(f"不支持的数据库：{connection.vendor}")


def backup(output: Path) -> dict[str, object]:
    """Write the archive; returns its manifest."""
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "database"
        name = dump_database(database)
        files = list(stored_files())
        manifest = {
            "format": FORMAT,
            "vendor": connection.vendor,
            "database": name,
            "created_at": timezone.now().isoformat(),
            "assessments": Assessment.objects.self_assessments().count(),
            "files": len(files),
        }
        partial = output.with_name(output.name + ".partial")
        # Readable by its owner only from the first byte: it holds the password hashes and
        # the second factors' secrets.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as out, tarfile.open(fileobj=out, mode="w") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(database, arcname=name)
            for stored in files:
                with default_storage.open(stored, "rb") as handle:
                    info = tarfile.TarInfo(FILES + stored)
                    info.size = default_storage.size(stored)
                    archive.addfile(info, handle)
        partial.replace(output)
    return manifest


def installation_is_empty() -> bool:
    tables = connection.introspection.table_names()
    for model in (Assessment, User):
        if model._meta.db_table in tables and model.objects.exists():
            return False
    return not any(True for _ in stored_files())


def restore(archive_path: Path) -> dict[str, object]:
    """Restore an archive into an empty installation; refuses one that holds anything."""
    if not installation_is_empty():
        raise BackupError("目标系统不是空的（已有用户、自评表或已保存的文件），拒绝恢复。")
    with tarfile.open(archive_path) as archive, tempfile.TemporaryDirectory() as tmp:
        member = archive.extractfile(MANIFEST)
        if member is None:
            raise BackupError("备份文件中没有 manifest.json。")
        manifest = json.loads(member.read())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"不认识的备份格式：{manifest.get('format')}")
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"备份来自 {manifest['vendor']} 数据库，当前系统使用 {connection.vendor}。"
            )
        archive.extract(manifest["database"], tmp, filter="data")
        load_database(Path(tmp) / manifest["database"])
        for info in archive.getmembers():
            if info.isfile() and info.name.startswith(FILES):
                handle = archive.extractfile(info)
                assert handle is not None
                name = info.name.removeprefix(FILES)
                saved = default_storage.save(name, File(handle, name=name))
                if saved != name:
                    raise BackupError(f"文件 {name} 未能以原名保存（{saved}）。")
    return manifest


def load_database(source: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(source) as dump:
            dump.backup(connection.connection)
        dump.close()
        connection.close()
        return
    args, env = _pg_env()
    connection.close()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            *args,
            str(source),
        ],
        env,
    )
